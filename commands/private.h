/*
 * commands/private.h: what the files of commands/ share.
 */
#ifndef TUNSH_COMMANDS_PRIVATE_H
#define TUNSH_COMMANDS_PRIVATE_H

#include <libcli.h>
#include <time.h>

#include "commands/commands.h"
#include "commands/userfile.h"
#include "lib/json.h"

/* libcli modes beyond MODE_EXEC and MODE_CONFIG: the contexts. */
#define MODE_TUNNEL	10
#define MODE_IFACE	11
#define MODE_VLAN	12
#define MODE_CLIENT_VPN 13

struct commands_session {
	struct commands_env *env;
	struct cli_def *cli;
	char user[33];
	char source[128];
	enum commands_role role;
	commands_out_fn out;
	void *out_arg;
	struct config *cand; /* this session's candidate, from configure on */
	char tunnel[CONFIG_TUNNEL_NAME_MAX + 1]; /* the tunnel context */
	char iface[CONFIG_IFNAME_MAX + 1];	 /* the interface context */
	uint16_t vlan;				 /* the vlan context */
	bool done;
	bool failed;		/* the line being run reported an error */
	bool in_do;		/* running the command of a do */
	const char *line;	/* the line being run, for error markers */
	const char *cmd;	/* its command, without the filters */
	size_t prompt_len;	/* of the prompt the line was typed after */
	unsigned length, width; /* terminal length and width */
	bool monitor;		/* terminal monitor */
	char history[64][256];	/* the last lines run, for history */
	size_t n_history;
	struct commands_session *next; /* in env->sessions */
	time_t since, last;	       /* started, last line */
	/* Whose rights the files of load and save are opened with. */
	struct userfile_cred cred;
	unsigned id;		  /* commands_session_id() */
	uint64_t confirm_version; /* the commit confirmed this session ran */
	/* The filters of the line being run, and whether its command ran
	 * (libcli ended the output). */
	struct filter_pipeline *filters;
	bool filters_done;
	/* A line is being completed, not run (grammar.c): validators
	 * print nothing and take prefixes. */
	bool completing;
	/* ambiguous_word() asks: names and numbers are not offered. */
	bool keywords_only;
	/* While completing: the optional value a validator took a word
	 * for (its optarg's name), whose completor libcli does not call. */
	const char *value_hit;
	/* The command that goes on after its line (session_defer). */
	struct session_job *job;
	bool job_new; /* deferred by the line being run */
};

/*
 * A command that goes on after its line returns (ping, traceroute,
 * diagnose's second sample): it prints with session_print() and ends
 * with session_job_done().
 */
struct session_job {
	/* Ctrl-C: stop soon; session_job_done() follows, now or later. */
	void (*interrupt)(struct session_job *j);
	/* The session ends: stop and free at once; no done follows. */
	void (*cancel)(struct session_job *j);
};
/*
 * The command of the line being run goes on as j.  0, or -ENOTSUP when
 * the session cannot wait (no loop, or the line has a filter: those read
 * a whole output), -EBUSY when one already goes on.
 */
int session_defer(struct commands_session *s, struct session_job *j);
/* The job ended (it has freed what it held): rc 0 ok, -1 failed. */
void session_job_done(struct commands_session *s, int rc);
/* The host ops of the session's daemon: env's, or the real ones. */
const struct commands_host_ops *session_host(struct commands_session *s,
    void **arg);
extern const struct commands_host_ops commands_host_real;

/*
 * libcli 1.10 exports this but its header does not declare it; this is
 * the only declaration in the tree (CMakeLists.txt pins libcli >= 1.10).
 * It returns nothing: declared int, its result would be a stray register.
 */
void cli_get_completions(struct cli_def *cli, const char *command,
    char lastchar, struct cli_comphelp *comphelp);

/* commit and commit check as typed, kept while the candidate's names
 * are asked (names.c); commit_run() commits it: CLI_OK or CLI_ERROR. */
struct commit_req {
	struct config_commit_opts o;
	char comment[256];
	bool quit;
};
int commit_run(struct cli_def *cli, struct commands_session *s,
    struct commit_req *r);
/* 1: the line goes on as a job that runs r once every name of the
 * candidate has its answer (or COMMANDS_NAMES_WAIT_MS passed); 0: there
 * is nothing to wait for, run it now. */
#define COMMANDS_NAMES_WAIT_MS 12000
int commit_names_wait(struct commands_session *s, const struct commit_req *r);

struct commands_session *session_of(struct cli_def *cli);
/* One line of output to the session, control characters escaped. */
void session_print(struct commands_session *s, const char *line);
/* Back to exec mode, releasing configure exclusive if this session held
 * it. */
void leave_config(struct cli_def *cli);
/* "% message" as an error of the current line; returns CLI_ERROR. */
int cmd_error(struct cli_def *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Every entry of d: errors as "% error: ...", warnings "% warning: ...". */
void print_diag(struct cli_def *cli, const struct diag *d);
/* s as a decimal number; false if empty or not all digits. */
bool parse_n(const char *s, size_t *n);
/* argv[from..] joined by single spaces into buf; -ENOSPC if too long. */
int join_args(char **argv, int argc, int from, char *buf, size_t len);
/*
 * Free text from argv[from] on (a description, a commit comment) as the
 * user typed it: quotes and blanks kept, unless it is one quoted word,
 * whose quotes go.  Falls back to join_args() outside a line.
 */
int text_arg(struct cli_def *cli, char **argv, int argc, int from, char *buf,
    size_t len);
/*
 * A value and the words after it (argv[0..argc)), as the user typed them
 * (text_arg) when quoted is set, else joined by single spaces.
 */
int value_text(struct cli_def *cli, const char *value, char **argv, int argc,
    bool quoted, char *buf, size_t len);
/* A config_line_fn and json_line_fn that prints to the session (arg: the
 * cli_def). */
int cli_line(void *arg, const char *line);
/* Finishes the JSON of command what: CLI_OK, or CLI_ERROR with an error
 * when the writer stopped and cut the document short. */
int json_done(struct cli_def *cli, const char *what, struct json_writer *j);
/* Renders a configuration to the session with cli_print. */
int print_config(struct cli_def *cli, const struct config *c,
    const struct config_render_opts *o);

/* A word of line that abbreviates two or more commands: describes it in
 * msg and returns true. */
bool ambiguous_word(struct commands_session *s, const char *line, char *msg,
    size_t len);
/* show compare commands: the diff as commands to paste. */
int compare_commands(struct cli_def *cli, const struct config *running,
    const struct config *cand);
/* The same difference as a JSON array of {edit, change, line}. */
int compare_json(struct cli_def *cli, const struct config *a,
    const struct config *b);
int cmd_load(struct cli_def *cli, const char *cmd, char **argv, int argc);
int cmd_save(struct cli_def *cli, const char *cmd, char **argv, int argc);

/* grammar.c: the words after a command as libcli optargs. */
typedef int (*grammar_complete_fn)(struct cli_def *, const char *, const char *,
    struct cli_comphelp *);
typedef int (*grammar_valid_fn)(struct cli_def *, const char *, const char *);
/* A keyword that may be given or not, anywhere after the command. */
void grammar_flag(struct cli_command *c, const char *name, const char *help);
/* A value that must be given, in its place; NAME shows in '?'. */
void grammar_arg(struct cli_command *c, const char *name, const char *help,
    grammar_complete_fn comp, grammar_valid_fn valid);
/* A value that may be given, recognised by valid. */
void grammar_value(struct cli_command *c, const char *name, const char *help,
    grammar_complete_fn comp, grammar_valid_fn valid);
/* A keyword followed by its value: "tunnel NAME", "confirmed MINUTES". */
void grammar_pair(struct cli_command *c, const char *name, const char *help,
    grammar_complete_fn comp, grammar_valid_fn valid);
/* The rest of the line from a pair's value on, as typed (the pair's
 * text: commit comment TEXT); -EINVAL if none. */
int grammar_rest(struct cli_def *cli, const char *name, char *buf, size_t len);
/* libcli found name before other (or other not at all): a keyword after
 * a remainder pair's keyword is part of its text, not itself. */
bool grammar_before(struct cli_def *cli, const char *name, const char *other);
/* The completor of an optional value registered by that name, or NULL;
 * its name must be a string that lives as long as the process. */
grammar_complete_fn grammar_value_completor(const char *name);
/* The help of a keyword-value pair registered by that name, or NULL. */
const char *grammar_pair_help(const char *name);
/* What the line gave for an optarg (as typed: a prefix), or NULL. */
const char *grammar_get(struct cli_def *cli, const char *name);
/* The value of a command that takes one, whatever its name; NULL if none
 * was given. */
const char *grammar_sole(struct cli_def *cli);
bool grammar_has(struct cli_def *cli, const char *name);
/* Words libcli did not take: an error naming the first, else CLI_OK. */
int grammar_extra(struct cli_def *cli, const char *what, const char *usage,
    char **argv, int argc);
/* value as one of words ("a|b|c") into buf: 1 if it is one or a unique
 * prefix of one, -1 if it abbreviates several, 0 if none. */
int grammar_word(const char *words, const char *value, char *buf, size_t len);
/* The completors: name is the optarg's, word the prefix typed (or NULL). */
int grammar_complete_words(struct cli_def *cli, const char *name,
    const char *word, struct cli_comphelp *ch); /* name: "a|b|c" */
int grammar_complete_tunnels(struct cli_def *cli, const char *name,
    const char *word, struct cli_comphelp *ch); /* candidate's, or running's */
int grammar_complete_running(struct cli_def *cli, const char *name,
    const char *word, struct cli_comphelp *ch);
int grammar_complete_vlans(struct cli_def *cli, const char *name,
    const char *word, struct cli_comphelp *ch);
int grammar_complete_ports(struct cli_def *cli, const char *name,
    const char *word, struct cli_comphelp *ch);
int grammar_complete_history(struct cli_def *cli, const char *name,
    const char *word, struct cli_comphelp *ch);
int grammar_complete_sessions(struct cli_def *cli, const char *name,
    const char *word, struct cli_comphelp *ch);
/* The validators: one of name's words ("a|b|c") or a unique prefix; a
 * number in name's range ("0-512"); a commit of the history; the first
 * value of an optional one. */
int grammar_valid_words(struct cli_def *cli, const char *name,
    const char *value);
int grammar_valid_range(struct cli_def *cli, const char *name,
    const char *value);
int grammar_valid_bool(struct cli_def *cli, const char *name,
    const char *value); /* name: "yes|no" */
int grammar_valid_history(struct cli_def *cli, const char *name,
    const char *value);
int grammar_valid_once(struct cli_def *cli, const char *name,
    const char *value);

void commands_register_exec(struct cli_def *cli);
/* diagnose ipsec tunnel NAME (diagnose.c). */
void commands_register_diagnose(struct cli_def *cli);
/* ping and traceroute (ping.c). */
void commands_register_ping(struct cli_def *cli);
/* Takes libcli's own filters away: filters.c runs them (see there). */
void commands_register_filters(struct cli_def *cli);

/* filters.c: the stages after '|'. */
struct filter_pipeline;
/* Where the line's first '|' outside quotes is; -1 if it has none. */
ssize_t filters_split(const char *line);
/* The stages after that '|'; -1 with a message for the user in msg. */
int filters_parse(const char *stages, struct filter_pipeline **out, char *msg,
    size_t len);
/* Whether a line of output gets through every stage. */
bool filters_pass(struct filter_pipeline *fp, const char *line);
/* The last stage is count: filters_count() lines is the output. */
bool filters_counting(const struct filter_pipeline *fp);
unsigned long long filters_count(const struct filter_pipeline *fp);
void filters_free(struct filter_pipeline *fp);
/* Tab and '?' after the line's first '|', as commands_complete(). */
int filters_complete(const char *stages, bool help, commands_out_fn fn,
    void *arg);
void commands_register_show_system(struct cli_def *cli,
    struct cli_command *show);
/* show ipsec tunnel|sa|dpd, clear ipsec sa, test ipsec tunnel. */
void show_ipsec_register(struct cli_def *cli, struct cli_command *show);
/* clear session ID, under clear. */
void commands_register_sessions(struct cli_def *cli, struct cli_command *clear);
void commands_register_configure(struct cli_def *cli);
void commands_register_tunnel(struct cli_def *cli);
/* no_config: the "no" command of configuration mode. */
void commands_register_system(struct cli_def *cli,
    struct cli_command *no_config);

#endif
