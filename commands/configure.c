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
	if (argc != 1)
		return cmd_error(cli, "hostname: give one name");
	diag_init(&d);
	config_set_hostname(s->cand, argv[0], &d);
	print_diag(cli, &d);
	diag_clear(&d);
	return s->failed ? CLI_ERROR : CLI_OK;
}

static int
cmd_tunnel(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	char mode[64];
	struct diag d;

	(void)cmd;
	if (argc != 1)
		return cmd_error(cli, "ipsec tunnel: give one name");
	diag_init(&d);
	if (config_tunnel_edit(s->cand, argv[0], true, &d) == NULL) {
		print_diag(cli, &d);
		diag_clear(&d);
		return CLI_ERROR;
	}
	snprintf(s->tunnel, sizeof(s->tunnel), "%s", argv[0]);
	snprintf(mode, sizeof(mode), "config-ipsec-tunnel-%s", s->tunnel);
	cli_set_configmode(cli, MODE_TUNNEL, mode);
	return CLI_OK;
}

static int
cmd_no_tunnel(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);

	(void)cmd;
	if (argc != 1)
		return cmd_error(cli, "no ipsec tunnel: give one name");
	if (config_tunnel_remove(s->cand, argv[0]) < 0)
		return cmd_error(cli, "ipsec tunnel %s does not exist",
		    argv[0]);
	return CLI_OK;
}

/* commit [check | comment TEXT | confirmed MINUTES | and-quit] */
static int
cmd_commit(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	struct config_commit_opts o = { .user = s->user, .source = s->source };
	char comment[256] = { 0 };
	bool quit = false;
	struct diag d;
	char *end;
	int rc;

	(void)cmd;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "check") == 0) {
			o.check_only = true;
		} else if (strcmp(argv[i], "and-quit") == 0) {
			quit = true;
		} else if (strcmp(argv[i], "confirmed") == 0 && i + 1 < argc) {
			/* Minutes as Junos has them; "90s" as IOS-XR counts. */
			unsigned long m = strtoul(argv[++i], &end, 10);
			uint32_t secs;

			if (*end == '\0' && m >= 1 && m <= 65535)
				o.confirm_seconds = (unsigned)m * 60;
			else if (*end != '\0' &&
			    config_parse_seconds(argv[i], &secs) == 0 &&
			    secs >= 1 && secs <= 65535u * 60)
				o.confirm_seconds = secs;
			else
				return cmd_error(cli,
				    "commit confirmed: give minutes (1-65535) "
				    "or a duration like 90s");
		} else if (strcmp(argv[i], "comment") == 0 && i + 1 < argc) {
			if (text_arg(cli, argv, argc, i + 1, comment,
				sizeof(comment)) < 0)
				return cmd_error(cli,
				    "commit comment: at most "
				    "255 characters");
			o.comment = comment;
			break;
		} else {
			return cmd_error(cli,
			    "commit: unexpected \"%s\"; give check, comment "
			    "TEXT, confirmed MINUTES or and-quit",
			    argv[i]);
		}
	}
	if (s->env->exclusive != NULL && s->env->exclusive != s)
		return cmd_error(cli,
		    "commit refused: %s (%s) holds configure exclusive; "
		    "wait for them to leave configuration mode",
		    s->env->exclusive->user, s->env->exclusive->source);
	diag_init(&d);
	rc = config_store_commit(s->env->store, s->cand, &o, &d);
	print_diag(cli, &d);
	diag_clear(&d);
	if (rc < 0) {
		s->failed = true;
		return CLI_ERROR;
	}
	if (o.check_only)
		cli_print(cli, "configuration check succeeds");
	else if (o.confirm_seconds) {
		char when[32];

		/* This session waits for the confirmation: the idle
		 * timeout spares it (commands_session_confirming()). */
		s->confirm_version =
		    config_store_running(s->env->store)->version;

		config_duration_words(o.confirm_seconds, when, sizeof(when));
		cli_print(cli,
		    "commit confirmed: rolled back in %s unless confirmed "
		    "by a plain commit",
		    when);
	} else
		cli_print(cli, "commit complete (version %llu)",
		    (unsigned long long)config_store_running(s->env->store)
			->version);
	if (quit && !o.check_only)
		leave_config(cli);
	return CLI_OK;
}

static int
cmd_discard(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	struct config *fresh;

	(void)cmd;
	(void)argv;
	if (argc > 0)
		return cmd_error(cli, "discard takes no argument");
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
	if (argc != 1)
		return cmd_error(cli,
		    "rollback: give a commit number "
		    "(show configuration history)");
	if (!parse_n(argv[0], &n))
		return cmd_error(cli, "rollback: \"%s\" is not a number",
		    argv[0]);
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

	bool json = argc > 0 && strcmp(argv[argc - 1], "json") == 0;

	(void)cmd;
	argc -= json;
	if (argc == 0)
		return (json ? config_render_json(s->cand, &o, cli_line, cli) :
			       print_config(cli, s->cand, &o)) < 0 ?
		    CLI_ERROR :
		    CLI_OK;
	if (argc == 1 && strcmp(argv[0], "compare") == 0 && json)
		return compare_json(cli, config_store_running(s->env->store),
			   s->cand) < 0 ?
		    CLI_ERROR :
		    CLI_OK;
	if (argc == 1 && strcmp(argv[0], "compare") == 0)
		return config_render_diff(config_store_running(s->env->store),
			   s->cand, false, cli_line, cli) < 0 ?
		    CLI_ERROR :
		    CLI_OK;
	if (argc == 2 && !json && strcmp(argv[0], "compare") == 0 &&
	    strcmp(argv[1], "commands") == 0)
		return compare_commands(cli,
			   config_store_running(s->env->store), s->cand) < 0 ?
		    CLI_ERROR :
		    CLI_OK;
	return cmd_error(cli,
	    "show: give nothing, compare, or compare "
	    "commands");
}

static int
cmd_end(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	(void)argv;
	(void)argc;
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
	char line[1024];
	int mode = cli->mode, rc;
	char *desc;

	(void)cmd;
	if (argc == 0)
		return cmd_error(cli, "do: give an exec-mode command");
	if (join_args(argv, argc, 0, line, sizeof(line)) < 0)
		return cmd_error(cli, "do: command too long");
	/* libcli recomputes abbreviations on a mode change: go through it. */
	desc = cli->modestring ? strdup(cli->modestring) : NULL;
	cli_set_configmode(cli, MODE_EXEC, NULL);
	s->in_do = true;
	rc = cli_run_command(cli, line);
	s->in_do = false;
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
	(void)argv;
	(void)argc;
	cli_set_configmode(cli, MODE_CONFIG, "config");
	return CLI_OK;
}

static int
cmd_exit_config(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	if (cli->mode != MODE_CONFIG) {
		cli_set_configmode(cli, MODE_CONFIG, "config");
		return CLI_OK;
	}
	return cmd_end(cli, cmd, argv, argc);
}

void
commands_register_configure(struct cli_def *cli)
{
	static const int modes[] = { MODE_CONFIG, MODE_TUNNEL, MODE_IFACE,
		MODE_VLAN, MODE_CLIENT_VPN };
	const int P = PRIVILEGE_PRIVILEGED;
	struct cli_command *ipsec, *no, *no_ipsec;

	cli_register_command(cli, NULL, "hostname", cmd_hostname, P,
	    MODE_CONFIG, "Name of this firewall (RFC 1123 label)");
	ipsec = cli_register_command(cli, NULL, "ipsec", NULL, P, MODE_CONFIG,
	    "IPsec settings");
	cli_register_command(cli, ipsec, "tunnel", cmd_tunnel, P, MODE_CONFIG,
	    "Create or edit a site-to-site tunnel: NAME");
	no = cli_register_command(cli, NULL, "no", NULL, P, MODE_CONFIG,
	    "Remove a setting or an object");
	no_ipsec = cli_register_command(cli, no, "ipsec", NULL, P, MODE_CONFIG,
	    "IPsec settings");
	cli_register_command(cli, no_ipsec, "tunnel", cmd_no_tunnel, P,
	    MODE_CONFIG, "Remove a tunnel: NAME");
	commands_register_system(cli, no);
	cli_register_command(cli, NULL, "load", cmd_load, P, MODE_CONFIG,
	    "Into the candidate: merge FILE (commands) | override FILE "
	    "(tunsh.conf)");
	cli_register_command(cli, NULL, "save", cmd_save, P, MODE_CONFIG,
	    "Write the candidate to FILE (tunsh.conf format, mode 0600)");
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int m = modes[i];

		cli_register_command(cli, NULL, "commit", cmd_commit, P, m,
		    "Validate and apply the candidate [check | comment TEXT "
		    "| confirmed MINUTES | and-quit]");
		cli_register_command(cli, NULL, "discard", cmd_discard, P, m,
		    "Throw the candidate away: start again from running");
		cli_register_command(cli, NULL, "rollback", cmd_rollback, P, m,
		    "Load commit N of the history into the candidate");
		cli_register_command(cli, NULL, "show", cmd_show, P, m,
		    "The candidate configuration [compare [commands]]");
		cli_register_command(cli, NULL, "end", cmd_end, P, m,
		    "Back to exec mode");
		cli_register_command(cli, NULL, "exit", cmd_exit_config, P, m,
		    "Up one level");
		cli_register_command(cli, NULL, "top", cmd_top, P, m,
		    "Back to the top of configuration mode");
		cli_register_command(cli, NULL, "do", cmd_do, P, m,
		    "Run an exec-mode command: do show running-config");
	}
}
