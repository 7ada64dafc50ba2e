/*
 * commands/exec.c: the exec-mode commands: show running-config, show
 * version, show configuration history, configure, exit and logout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands/private.h"

#define JSON_HELP "As JSON, for scripts"

/* show running-config [ipsec tunnel NAME] [show-secrets] [json] */
static int
cmd_show_running(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	struct config_render_opts o = { 0 };
	bool json = grammar_has(cli, "json");
	int rc;

	(void)cmd;
	if (grammar_extra(cli, "show running-config",
		"[ipsec tunnel NAME] [show-secrets] [json]", argv,
		argc) != CLI_OK)
		return CLI_ERROR;
	if (grammar_has(cli, "ipsec") && !grammar_has(cli, "tunnel"))
		return cmd_error(cli,
		    "show running-config ipsec: give tunnel NAME");
	o.only_tunnel = grammar_get(cli, "tunnel");
	if (grammar_has(cli, "show-secrets")) {
		if (s->role != COMMANDS_ADMIN)
			return cmd_error(cli,
			    "show-secrets: only admins may see "
			    "pre-shared keys");
		o.show_secrets = true;
	}
	rc = json ? config_render_json(c, &o, cli_line, cli) :
		    print_config(cli, c, &o);
	if (rc == -ENOENT)
		return cmd_error(cli, "ipsec tunnel %s does not exist",
		    o.only_tunnel);
	return CLI_OK;
}

static int
cmd_show_version(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);

	unsigned long long v =
	    (unsigned long long)config_store_running(s->env->store)->version;

	(void)cmd;
	if (grammar_extra(cli, "show version", "nothing or json", argv, argc) !=
	    CLI_OK)
		return CLI_ERROR;
	if (grammar_has(cli, "json")) {
		struct json_writer j;

		json_writer_init(&j, cli_line, cli);
		json_object(&j, NULL, JSON_ONE_LINE);
		json_str(&j, "tunsh", s->env->version);
		json_u64(&j, "configuration_version", v);
		json_end(&j);
		return json_done(cli, "show version", &j);
	}
	cli_print(cli, "tunsh %s", s->env->version);
	cli_print(cli, "configuration version %llu",
	    (unsigned long long)config_store_running(s->env->store)->version);
	return CLI_OK;
}

static int
show_history_json(struct cli_def *cli, struct commands_session *s)
{
	size_t n = config_store_history_count(s->env->store);
	struct json_writer j;

	json_writer_init(&j, cli_line, cli);
	json_array(&j, NULL, JSON_LINES);
	for (size_t i = 0; i < n; i++) {
		const struct config_commit_info *h =
		    config_store_history(s->env->store, i);

		json_object(&j, NULL, JSON_ONE_LINE);
		json_u64(&j, "rollback", i);
		json_u64(&j, "version", h->version);
		json_i64(&j, "time", (int64_t)h->time);
		json_str(&j, "user", h->user);
		json_str(&j, "source", h->source);
		/* No comment is null, as every absent value (tunsh(1)). */
		json_str(&j, "comment", h->comment[0] ? h->comment : NULL);
		json_str(&j, "summary", h->summary);
		json_end(&j);
	}
	json_end(&j);
	return json_done(cli, "show configuration history", &j);
}

static int
cmd_show_history(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	size_t n = config_store_history_count(s->env->store);

	(void)cmd;
	if (grammar_extra(cli, "show configuration history", "nothing or json",
		argv, argc) != CLI_OK)
		return CLI_ERROR;
	if (grammar_has(cli, "json"))
		return show_history_json(cli, s);
	cli_print(cli, "%-3s %-7s %-19s %-12s %s", "#", "Version", "Time",
	    "User", "Summary");
	for (size_t i = 0; i < n; i++) {
		const struct config_commit_info *h =
		    config_store_history(s->env->store, i);
		time_t t = (time_t)h->time;
		struct tm tm;
		char when[32];

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		cli_print(cli, "%-3zu %-7llu %-19s %-12s %s", i,
		    (unsigned long long)h->version, when, h->user, h->summary);
		/* Junos shows the comment beneath its commit. */
		if (h->comment[0] != '\0')
			cli_print(cli, "    comment: %s", h->comment);
	}
	return CLI_OK;
}

/* show configuration rollback N [compare M]: commit N, or how M differs
 * from N (M older: what N changed). */
static int
cmd_show_rollback(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	struct config_render_opts o = { 0 };
	struct config *a = NULL, *b = NULL;
	size_t n, m;
	struct diag d;
	int rc = CLI_ERROR;
	bool json = grammar_has(cli, "json"), compare;

	(void)cmd;
	if (grammar_extra(cli, "show configuration rollback",
		"N [compare M] [json]", argv, argc) != CLI_OK)
		return CLI_ERROR;
	/* The validators took numbers of the history only. */
	parse_n(grammar_get(cli, "N"), &n);
	if ((compare = grammar_has(cli, "compare")))
		parse_n(grammar_get(cli, "compare"), &m);
	diag_init(&d);
	if ((a = config_store_rollback(s->env->store, n, &d)) == NULL ||
	    (compare &&
		(b = config_store_rollback(s->env->store, m, &d)) == NULL)) {
		print_diag(cli, &d);
		goto out;
	}
	if (!compare && json)
		rc = config_render_json(a, &o, cli_line, cli) < 0 ? CLI_ERROR :
								    CLI_OK;
	else if (!compare)
		rc = print_config(cli, a, &o) < 0 ? CLI_ERROR : CLI_OK;
	else if (json)
		rc = compare_json(cli, b, a) < 0 ? CLI_ERROR : CLI_OK;
	else
		rc = config_render_diff(b, a, false, cli_line, cli) < 0 ?
		    CLI_ERROR :
		    CLI_OK;
out:
	diag_clear(&d);
	config_free(a);
	config_free(b);
	return rc;
}

static int
cmd_configure(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);

	struct commands_session *x = s->env->exclusive, *o;
	bool exclusive = grammar_has(cli, "exclusive");

	(void)cmd;
	if (grammar_extra(cli, "configure", "nothing, terminal or exclusive",
		argv, argc) != CLI_OK)
		return CLI_ERROR;
	if (exclusive && grammar_has(cli, "terminal"))
		return cmd_error(cli,
		    "configure: give terminal or exclusive, not both");
	if (s->role != COMMANDS_ADMIN)
		return cmd_error(cli,
		    "configure: permission denied: operators run exec-mode "
		    "commands only (admins are root and group tunsh-admin)");
	if (x != NULL && x != s)
		return cmd_error(cli,
		    "configure: %s (%s) holds configure exclusive; try "
		    "again when they leave configuration mode",
		    x->user, x->source);
	/* Exclusive only when nobody else is configuring (Junos). */
	for (o = s->env->sessions; exclusive && o != NULL; o = o->next)
		if (o != s && o->cli->mode != MODE_EXEC)
			return cmd_error(cli,
			    "configure exclusive: %s (%s) is in "
			    "configuration mode",
			    o->user, o->source);
	if (exclusive)
		s->env->exclusive = s;
	/* A candidate with no change is a fresh copy of running: an old
	 * one would show another session's commit reversed, and its commit
	 * would be refused as stale. */
	if (s->cand != NULL && !commands_uncommitted(s)) {
		config_free(s->cand);
		s->cand = NULL;
	}
	if (s->cand == NULL &&
	    (s->cand = config_store_candidate(s->env->store)) == NULL)
		return cmd_error(cli, "configure: out of memory");
	cli_set_configmode(cli, MODE_CONFIG, "config");
	return CLI_OK;
}

static void
log_line(void *arg, const char *line)
{
	cli_print(arg, "%s", line);
}

struct log_json {
	struct cli_def *cli;
	bool first;
};

static void
log_json_line(void *arg, const char *line)
{
	struct log_json *lj = arg;
	char q[600];

	json_string(line, q, sizeof(q));
	cli_print(lj->cli, "%s  %s", lj->first ? "" : ",", q);
	lj->first = false;
}

static int
valid_lines(struct cli_def *cli, const char *name, const char *value)
{
	size_t n;

	(void)name;
	if (parse_n(value, &n) && n > 0)
		return CLI_OK;
	if (!session_of(cli)->completing)
		cmd_error(cli,
		    "show log lines: \"%s\" is not a number of "
		    "lines: give 1 or more",
		    value);
	return CLI_ERROR;
}

/* show log [lines N] [json]: the daemon's recent log (never a key). */
static int
cmd_show_log(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	bool json = grammar_has(cli, "json");
	struct log_json lj = { cli, true };
	size_t n = 50;

	(void)cmd;
	if (grammar_extra(cli, "show log", "[lines N] [json]", argv, argc) !=
	    CLI_OK)
		return CLI_ERROR;
	if (grammar_has(cli, "lines"))
		parse_n(grammar_get(cli, "lines"), &n);
	if (json) {
		cli_print(cli, "[");
		log_ring_each(n, log_json_line, &lj);
		cli_print(cli, "]");
	} else if (log_ring_each(n, log_line, cli) == 0) {
		cli_print(cli, "(the log is empty)");
	}
	return CLI_OK;
}

/* history: this session's last lines, numbered as they were run. */
static int
cmd_history(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	size_t first = s->n_history > 64 ? s->n_history - 64 : 0;

	(void)cmd;
	if (grammar_extra(cli, "history", "nothing", argv, argc) != CLI_OK)
		return CLI_ERROR;
	/* The last line is this very command: show the ones before it. */
	for (size_t i = first; i + 1 < s->n_history; i++)
		cli_print(cli, "%5zu  %s", i + 1, s->history[i % 64]);
	return CLI_OK;
}

/* terminal length N | width N: 0 lines turns paging off. */
static int
cmd_terminal(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	bool length = strcmp(cmd, "terminal length") == 0;
	size_t n;

	if (grammar_extra(cli, cmd, length ? "N (0-512, 0: no paging)" : "N",
		argv, argc) != CLI_OK)
		return CLI_ERROR;
	parse_n(grammar_get(cli, "0-512"), &n); /* the validator's range */
	if (length)
		s->length = (unsigned)n;
	else
		s->width = (unsigned)n;
	return CLI_OK;
}

/* terminal monitor [off]: the daemon's log in this session, or not. */
static int
cmd_monitor(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	if (grammar_extra(cli, "terminal monitor", "nothing or off", argv,
		argc) != CLI_OK)
		return CLI_ERROR;
	session_of(cli)->monitor = !grammar_has(cli, "off");
	return CLI_OK;
}

static const char *
mode_name(int mode)
{
	return mode == MODE_EXEC ? "exec" : "configure";
}

static int
cmd_show_users(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli), *o;
	time_t now = time(NULL);

	bool json = grammar_has(cli, "json");

	(void)cmd;
	if (grammar_extra(cli, "show users", "nothing or json", argv, argc) !=
	    CLI_OK)
		return CLI_ERROR;
	if (json) {
		struct json_writer j;

		json_writer_init(&j, cli_line, cli);
		json_array(&j, NULL, JSON_LINES);
		for (o = s->env->sessions; o != NULL; o = o->next) {
			json_object(&j, NULL, JSON_ONE_LINE);
			json_u64(&j, "id", o->id);
			json_str(&j, "user", o->user);
			json_str(&j, "source", o->source);
			json_str(&j, "mode", mode_name(o->cli->mode));
			json_i64(&j, "idle", (int64_t)(now - o->last));
			json_bool(&j, "exclusive", s->env->exclusive == o);
			json_bool(&j, "self", o == s);
			json_end(&j);
		}
		json_end(&j);
		return json_done(cli, "show users", &j);
	}
	/* The From column is never cut: "(claimed)" must show. */
	cli_print(cli, "  %-4s %-12s %-28s %-10s %-8s %s", "ID", "User", "From",
	    "Mode", "Idle", "Lock");
	for (o = s->env->sessions; o != NULL; o = o->next) {
		long idle = (long)(now - o->last);

		cli_print(cli, "%c %-4u %-12s %-28s %-10s %02ld:%02ld:%02ld %s",
		    o == s ? '*' : ' ', o->id, o->user, o->source,
		    mode_name(o->cli->mode), idle / 3600, idle / 60 % 60,
		    idle % 60, s->env->exclusive == o ? "exclusive" : "");
	}
	return CLI_OK;
}

static int
cmd_exit(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);

	(void)cmd;
	if (grammar_extra(cli, "exit", "nothing", argv, argc) != CLI_OK)
		return CLI_ERROR;
	if (s->in_do)
		return cmd_error(cli, "do exit: use end, then exit");
	/* The candidate ends with the session: say so, as end does. */
	if (commands_uncommitted(s))
		cli_print(cli,
		    "%% the candidate's uncommitted changes are discarded "
		    "with the session");
	s->done = true;
	return CLI_OK;
}

/* show WHAT [json]: a show command whose only option is json. */
static struct cli_command *
show_json(struct cli_def *cli, struct cli_command *parent, const char *name,
    int (*fn)(struct cli_def *, const char *, char **, int), const char *help)
{
	struct cli_command *c = cli_register_command(cli, parent, name, fn,
	    PRIVILEGE_UNPRIVILEGED, MODE_EXEC, help);

	grammar_flag(c, "json", JSON_HELP);
	return c;
}

void
commands_register_exec(struct cli_def *cli)
{
	const int U = PRIVILEGE_UNPRIVILEGED;
	struct cli_command *show, *conf, *c, *term;

	show = cli_register_command(cli, NULL, "show", NULL, U, MODE_EXEC,
	    "Show running system information");
	c = cli_register_command(cli, show, "running-config", cmd_show_running,
	    U, MODE_EXEC, "The configuration in force, as commands");
	grammar_flag(c, "ipsec", "One tunnel only: ipsec tunnel NAME");
	grammar_pair(c, "tunnel", "The tunnel to show: NAME",
	    grammar_complete_running, NULL);
	grammar_flag(c, "show-secrets", "Pre-shared keys in clear (admins)");
	grammar_flag(c, "json", JSON_HELP);
	show_json(cli, show, "version", cmd_show_version,
	    "Software and configuration versions");
	conf = cli_register_command(cli, show, "configuration", NULL, U,
	    MODE_EXEC, "Configuration history");
	c = cli_register_command(cli, conf, "rollback", cmd_show_rollback, U,
	    MODE_EXEC, "A commit of the history, or how two differ");
	grammar_arg(c, "N",
	    "The commit: 0 is the newest (show configuration "
	    "history)",
	    grammar_complete_history, grammar_valid_history);
	grammar_pair(c, "compare", "How commit N differs from commit M: M",
	    grammar_complete_history, grammar_valid_history);
	grammar_flag(c, "json", JSON_HELP);
	show_json(cli, conf, "history", cmd_show_history,
	    "Commits, newest first");
	commands_register_show_system(cli, show);
	show_ipsec_register(cli, show);
	c = show_json(cli, show, "log", cmd_show_log,
	    "The daemon's recent log");
	grammar_pair(c, "lines", "How many of the last lines: N", NULL,
	    valid_lines);
	term = cli_register_command(cli, NULL, "terminal", NULL, U, MODE_EXEC,
	    "Settings of this session's terminal");
	c = cli_register_command(cli, term, "length", cmd_terminal, U,
	    MODE_EXEC, "Lines per page");
	grammar_arg(c, "0-512", "Lines per page; 0: no paging", NULL,
	    grammar_valid_range);
	c = cli_register_command(cli, term, "width", cmd_terminal, U, MODE_EXEC,
	    "Columns of the terminal");
	grammar_arg(c, "0-512", "Columns; 0: unknown", NULL,
	    grammar_valid_range);
	c = cli_register_command(cli, term, "monitor", cmd_monitor, U,
	    MODE_EXEC, "The daemon's log in this session");
	grammar_flag(c, "off", "Stop it");
	c = cli_register_command(cli, NULL, "history", cmd_history, U,
	    MODE_EXEC, "The lines this session ran");
	show_json(cli, show, "users", cmd_show_users,
	    "Who is connected, from where, in which mode");
	c = cli_register_command(cli, NULL, "configure", cmd_configure, U,
	    MODE_EXEC, "Enter configuration mode");
	grammar_flag(c, "terminal", "From this terminal (the default)");
	grammar_flag(c, "exclusive",
	    "Lock: nobody else may commit until you leave");
	cli_register_command(cli, NULL, "exit", cmd_exit, U, MODE_EXEC,
	    "End the session");
	cli_register_command(cli, NULL, "logout", cmd_exit, U, MODE_EXEC,
	    "End the session");
}
