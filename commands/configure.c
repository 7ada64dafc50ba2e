/*
 * commands/configure.c: configuration mode: hostname, entering and
 * removing ipsec tunnels, commit in its forms, discard, rollback, show,
 * show compare, end and exit.  Edits go to the session's candidate; only
 * commit touches running.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/private.h"

static int
cmd_hostname(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	struct diag d;

	(void)cmd;
	if (grammar_extra(cli, "hostname", "one name", argv, argc) != CLI_OK)
		return CLI_ERROR;
	diag_init(&d);
	config_set_hostname(s->cand, grammar_get(cli, "NAME"), &d);
	print_diag(cli, &d);
	diag_clear(&d);
	return s->failed ? CLI_ERROR : CLI_OK;
}

static int
cmd_tunnel(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const char *name = grammar_get(cli, "NAME");
	char mode[64];
	struct diag d;

	(void)cmd;
	if (grammar_extra(cli, "ipsec tunnel", "one name", argv, argc) !=
	    CLI_OK)
		return CLI_ERROR;
	diag_init(&d);
	if (config_tunnel_edit(s->cand, name, true, &d) == NULL) {
		print_diag(cli, &d);
		diag_clear(&d);
		return CLI_ERROR;
	}
	snprintf(s->tunnel, sizeof(s->tunnel), "%s", name);
	snprintf(mode, sizeof(mode), "config-ipsec-tunnel-%s", s->tunnel);
	cli_set_configmode(cli, MODE_TUNNEL, mode);
	return CLI_OK;
}

static int
cmd_no_tunnel(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const char *name = grammar_get(cli, "NAME");

	(void)cmd;
	if (grammar_extra(cli, "no ipsec tunnel", "one name", argv, argc) !=
	    CLI_OK)
		return CLI_ERROR;
	if (config_tunnel_remove(s->cand, name) < 0)
		return cmd_error(cli, "ipsec tunnel %s does not exist", name);
	return CLI_OK;
}

/* commit confirmed: minutes as Junos has them; "90s" as IOS-XR counts. */
static bool
confirm_seconds(const char *value, uint32_t *secs)
{
	unsigned long m;
	char *end;

	m = strtoul(value, &end, 10);
	if (*value != '\0' && *end == '\0' && m >= 1 && m <= 65535) {
		*secs = (uint32_t)m * 60;
		return true;
	}
	return *end != '\0' && config_parse_seconds(value, secs) == 0 &&
	    *secs >= 1 && *secs <= 65535u * 60;
}

static int
valid_confirm(struct cli_def *cli, const char *name, const char *value)
{
	uint32_t secs;

	(void)name;
	if (confirm_seconds(value, &secs))
		return CLI_OK;
	if (!session_of(cli)->completing)
		cmd_error(cli,
		    "commit confirmed: give minutes (1-65535) or a duration "
		    "like 90s");
	return CLI_ERROR;
}

/* What a commit that passed says: checked, confirmed until when, or
 * complete with its version. */
static void
commit_said(struct cli_def *cli, struct commands_session *s,
    const struct config_commit_opts *o)
{
	if (o->check_only)
		cli_print(cli, "configuration check succeeds");
	else if (o->confirm_seconds) {
		char when[32];

		/* This session waits for the confirmation: the idle
		 * timeout spares it (commands_session_confirming()). */
		s->confirm_version =
		    config_store_running(s->env->store)->version;

		config_duration_words(o->confirm_seconds, when, sizeof(when));
		cli_print(cli,
		    "commit confirmed: rolled back in %s unless confirmed "
		    "by a plain commit",
		    when);
	} else
		cli_print(cli, "commit complete (version %llu)",
		    (unsigned long long)config_store_running(s->env->store)
			->version);
}

/*
 * commit [check] [and-quit] [confirmed MINUTES] [comment TEXT]: the
 * comment comes last and runs to the end of the line (words libcli did
 * not take are its rest), as typed (tunsh(1), QUOTING).
 */
static int
cmd_commit(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const char *confirmed = grammar_get(cli, "confirmed");
	struct commit_req r = { .o = { .user = s->user, .source = s->source } };
	uint32_t secs;

	(void)cmd;
	r.quit = grammar_before(cli, "and-quit", "comment");
	if (!grammar_has(cli, "comment") &&
	    grammar_extra(cli, "commit",
		"check, comment TEXT, confirmed MINUTES or and-quit", argv,
		argc) != CLI_OK)
		return CLI_ERROR;
	/* Words after comment are its text, whatever they abbreviate. */
	r.o.check_only = grammar_before(cli, "check", "comment");
	if (confirmed != NULL && grammar_before(cli, "confirmed", "comment") &&
	    confirm_seconds(confirmed, &secs))
		r.o.confirm_seconds = secs;
	if (grammar_has(cli, "comment")) {
		if (grammar_rest(cli, "comment", r.comment, sizeof(r.comment)) <
		    0)
			return cmd_error(cli,
			    "commit comment: at most 255 characters");
		r.o.comment = r.comment;
	}
	if (commit_names_wait(s, &r) > 0)
		return CLI_OK; /* goes on once the names are answered */
	return commit_run(cli, s, &r);
}

int
commit_run(struct cli_def *cli, struct commands_session *s,
    struct commit_req *r)
{
	struct diag d;
	int rc;

	if (r->o.comment != NULL)
		r->o.comment = r->comment; /* r may be a copy */
	if (s->env->exclusive != NULL && s->env->exclusive != s)
		return cmd_error(cli,
		    "commit refused: %s (%s) holds configure exclusive; "
		    "wait for them to leave configuration mode",
		    s->env->exclusive->user, s->env->exclusive->source);
	diag_init(&d);
	if (s->env->names_check != NULL)
		s->env->names_check(s->env->names_arg, s->cand, r->o.check_only,
		    &d);
	rc = config_store_commit(s->env->store, s->cand, &r->o, &d);
	print_diag(cli, &d);
	diag_clear(&d);
	if (rc < 0) {
		s->failed = true;
		return CLI_ERROR;
	}
	commit_said(cli, s, &r->o);
	if (r->quit && !r->o.check_only)
		leave_config(cli);
	return CLI_OK;
}

static int
cmd_discard(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	struct config *fresh;

	(void)cmd;
	if (grammar_extra(cli, "discard", "nothing", argv, argc) != CLI_OK)
		return CLI_ERROR;
	if ((fresh = config_store_candidate(s->env->store)) == NULL)
		return cmd_error(cli, "discard: out of memory");
	config_free(s->cand);
	s->cand = fresh;
	cli_set_configmode(cli, MODE_CONFIG, "config");
	return CLI_OK;
}

static int
cmd_rollback(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	struct config *c;
	size_t n;
	struct diag d;

	(void)cmd;
	if (grammar_extra(cli, "rollback",
		"a commit number (show configuration history)", argv,
		argc) != CLI_OK)
		return CLI_ERROR;
	parse_n(grammar_get(cli, "N"), &n); /* grammar_valid_history */
	diag_init(&d);
	c = config_store_rollback(s->env->store, n, &d);
	print_diag(cli, &d);
	diag_clear(&d);
	if (c == NULL)
		return CLI_ERROR;
	config_free(s->cand);
	s->cand = c;
	cli_print(cli,
	    "rollback %zu loaded into the candidate; commit to "
	    "apply it",
	    n);
	return CLI_OK;
}

/* show | show compare: the candidate, or how it differs from running. */
static int
cmd_show(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	struct config_render_opts o = { 0 };

	const struct config *running = config_store_running(s->env->store);
	bool json = grammar_has(cli, "json");
	bool compare = grammar_has(cli, "compare");
	bool commands = grammar_has(cli, "commands");

	(void)cmd;
	if (grammar_extra(cli, "show", "nothing, compare, or compare commands",
		argv, argc) != CLI_OK)
		return CLI_ERROR;
	if ((commands && (!compare || json)))
		return cmd_error(cli,
		    "show: give nothing, compare, or compare "
		    "commands");
	if (!compare)
		return (json ? config_render_json(s->cand, &o, cli_line, cli) :
			       print_config(cli, s->cand, &o)) < 0 ?
		    CLI_ERROR :
		    CLI_OK;
	if (commands)
		return compare_commands(cli, running, s->cand) < 0 ? CLI_ERROR :
								     CLI_OK;
	return (json ? compare_json(cli, running, s->cand) :
		       config_render_diff(running, s->cand, false, cli_line,
			   cli)) < 0 ?
	    CLI_ERROR :
	    CLI_OK;
}

static int
cmd_end(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	if (grammar_extra(cli, "end", "nothing", argv, argc) != CLI_OK)
		return CLI_ERROR;
	leave_config(cli);
	if (commands_uncommitted(session_of(cli)))
		cli_print(cli,
		    "%% the candidate has uncommitted changes: "
		    "configure, then commit or discard");
	return CLI_OK;
}

/* do COMMAND: an exec-mode command from any configuration context. */
static int
cmd_do(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	char line[1024], amb[512];
	int mode = cli->mode, rc = CLI_ERROR;
	char *desc;

	(void)cmd;
	if (value_text(cli, grammar_get(cli, "COMMAND"), argv, argc, true, line,
		sizeof(line)) < 0)
		return cmd_error(cli, "do: command too long");
	/* libcli recomputes abbreviations on a mode change: go through it. */
	desc = cli->modestring ? strdup(cli->modestring) : NULL;
	cli_set_configmode(cli, MODE_EXEC, NULL);
	if (ambiguous_word(s, line, amb, sizeof(amb))) {
		cmd_error(cli, "Ambiguous command: %s", amb);
	} else {
		s->in_do = true;
		rc = cli_run_command(cli, line);
		s->in_do = false;
	}
	/* Back to the context, unless the command itself left it. */
	if (cli->mode == MODE_EXEC)
		cli_set_configmode(cli, mode, desc);
	free(desc);
	return rc == CLI_OK ? CLI_OK : CLI_ERROR;
}

static int
cmd_top(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	if (grammar_extra(cli, "top", "nothing", argv, argc) != CLI_OK)
		return CLI_ERROR;
	cli_set_configmode(cli, MODE_CONFIG, "config");
	return CLI_OK;
}

static int
cmd_exit_config(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	if (grammar_extra(cli, "exit", "nothing", argv, argc) != CLI_OK)
		return CLI_ERROR;
	if (cli->mode != MODE_CONFIG) {
		cli_set_configmode(cli, MODE_CONFIG, "config");
		return CLI_OK;
	}
	return cmd_end(cli, cmd, argv, argc);
}

/* Long: one registration per command of configuration mode. */
void
commands_register_configure(struct cli_def *cli)
{
	static const int modes[] = { MODE_CONFIG, MODE_TUNNEL, MODE_IFACE,
		MODE_VLAN, MODE_CLIENT_VPN };
	const int P = PRIVILEGE_PRIVILEGED;
	struct cli_command *ipsec, *no, *no_ipsec, *c, *load;

	c = cli_register_command(cli, NULL, "hostname", cmd_hostname, P,
	    MODE_CONFIG, "Name of this firewall");
	grammar_arg(c, "NAME", "An RFC 1123 label: letters, digits, hyphens",
	    NULL, NULL);
	ipsec = cli_register_command(cli, NULL, "ipsec", NULL, P, MODE_CONFIG,
	    "IPsec settings");
	c = cli_register_command(cli, ipsec, "tunnel", cmd_tunnel, P,
	    MODE_CONFIG, "Create or edit a site-to-site tunnel");
	grammar_arg(c, "NAME", "A tunnel of the candidate, or a new name",
	    grammar_complete_tunnels, NULL);
	no = cli_register_command(cli, NULL, "no", NULL, P, MODE_CONFIG,
	    "Remove a setting or an object");
	no_ipsec = cli_register_command(cli, no, "ipsec", NULL, P, MODE_CONFIG,
	    "IPsec settings");
	c = cli_register_command(cli, no_ipsec, "tunnel", cmd_no_tunnel, P,
	    MODE_CONFIG, "Remove a tunnel");
	grammar_arg(c, "NAME", "A tunnel of the candidate",
	    grammar_complete_tunnels, NULL);
	commands_register_system(cli, no);
	load = cli_register_command(cli, NULL, "load", NULL, P, MODE_CONFIG,
	    "Into the candidate, from a file");
	c = cli_register_command(cli, load, "merge", cmd_load, P, MODE_CONFIG,
	    "Add a file's settings to the candidate");
	grammar_arg(c, "FILE", "CLI commands or a tunsh.conf file", NULL, NULL);
	c = cli_register_command(cli, load, "override", cmd_load, P,
	    MODE_CONFIG, "Make a file the candidate");
	grammar_arg(c, "FILE", "CLI commands or a tunsh.conf file", NULL, NULL);
	c = cli_register_command(cli, NULL, "save", cmd_save, P, MODE_CONFIG,
	    "Write the candidate to a file");
	grammar_arg(c, "FILE", "tunsh.conf format, mode 0600 (it holds keys)",
	    NULL, NULL);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int m = modes[i];

		c = cli_register_command(cli, NULL, "commit", cmd_commit, P, m,
		    "Validate and apply the candidate");
		grammar_flag(c, "check", "Validate only, apply nothing");
		grammar_flag(c, "and-quit", "Then back to exec mode");
		grammar_pair(c, "confirmed",
		    "Roll back unless confirmed in MINUTES or a time (90s)",
		    NULL, valid_confirm);
		grammar_pair(c, "comment",
		    "TEXT for the history, to the end of the line", NULL, NULL);
		cli_register_command(cli, NULL, "discard", cmd_discard, P, m,
		    "Throw the candidate away: start again from running");
		c = cli_register_command(cli, NULL, "rollback", cmd_rollback, P,
		    m, "Load a commit of the history into the candidate");
		grammar_arg(c, "N",
		    "The commit: 0 is the newest (show configuration history)",
		    grammar_complete_history, grammar_valid_history);
		c = cli_register_command(cli, NULL, "show", cmd_show, P, m,
		    "The candidate configuration");
		grammar_flag(c, "compare", "How it differs from running");
		grammar_flag(c, "commands",
		    "With compare: the difference as commands to paste");
		grammar_flag(c, "json", "As JSON, for scripts");
		cli_register_command(cli, NULL, "end", cmd_end, P, m,
		    "Back to exec mode");
		cli_register_command(cli, NULL, "exit", cmd_exit_config, P, m,
		    "Up one level");
		cli_register_command(cli, NULL, "top", cmd_top, P, m,
		    "Back to the top of configuration mode");
		c = cli_register_command(cli, NULL, "do", cmd_do, P, m,
		    "Run an exec-mode command: do show running-config");
		grammar_arg(c, "COMMAND", "An exec-mode command line", NULL,
		    NULL);
	}
}
