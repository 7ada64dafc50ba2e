/*
 * commands/load.c: load merge, load override and save: the candidate to
 * and from files.  A merge reads CLI commands as show running-config
 * prints them (masked keys left alone); an override reads a tunsh.conf(5)
 * file.  Nothing reaches running before a commit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/private.h"

#define MASKED " pre-shared-key ********"

/* Runs each line of a command file at the top of configuration mode. */
static int
merge_commands(struct cli_def *cli, const char *path)
{
	struct commands_session *s = session_of(cli);
	char *line = NULL;
	size_t cap = 0, n = 0, errors = 0;
	ssize_t len;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return cmd_error(cli, "load merge: %s: %s", path,
		    strerror(errno));
	cli_set_configmode(cli, MODE_CONFIG, "config");
	while ((len = getline(&line, &cap, f)) >= 0) {
		n++;
		while (
		    len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		/* A key printed masked is no key: keep the one we have. */
		if (strcmp(line, MASKED) == 0) {
			cli_print(cli,
			    "%% warning: %s:%zu: pre-shared-key is masked "
			    "(********): left unchanged",
			    path, n);
			continue;
		}
		/* An unindented line starts a new block at the top. */
		if (line[0] != ' ' && line[0] != '\t' &&
		    cli->mode != MODE_CONFIG)
			cli_set_configmode(cli, MODE_CONFIG, "config");
		if (line[0] == '!' || line[0] == '#' || line[0] == '\0')
			continue;
		/* The first line of a printed configuration is exec's. */
		if (n == 1 && strncmp(line, "show ", 5) == 0)
			continue;
		if (commands_run(s, line) < 0) {
			cli_error(cli, "%% %s:%zu: %s", path, n, line);
			errors++;
		}
	}
	free(line);
	fclose(f);
	cli_set_configmode(cli, MODE_CONFIG, "config");
	if (errors > 0)
		return cmd_error(cli,
		    "load merge: %zu line%s of %s failed; the others are in "
		    "the candidate (show compare, or discard)",
		    errors, errors == 1 ? "" : "s", path);
	cli_print(cli, "load merge: %zu lines of %s in the candidate", n, path);
	return CLI_OK;
}

static int
override(struct cli_def *cli, const char *path)
{
	struct commands_session *s = session_of(cli);
	struct config *c;
	struct diag d;

	diag_init(&d);
	c = config_load_file(path, &d);
	print_diag(cli, &d);
	diag_clear(&d);
	if (c == NULL)
		return cmd_error(cli,
		    "load override: %s not loaded; the "
		    "candidate is unchanged",
		    path);
	/* A candidate of running that may differ anywhere: full checks. */
	c->version = config_store_running(s->env->store)->version;
	c->system_changed = true;
	config_free(s->cand);
	s->cand = c;
	cli_set_configmode(cli, MODE_CONFIG, "config");
	cli_print(cli, "load override: %s is the candidate", path);
	return CLI_OK;
}

int
cmd_load(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	if (argc == 2 && strcmp(argv[0], "merge") == 0)
		return merge_commands(cli, argv[1]);
	if (argc == 2 && strcmp(argv[0], "override") == 0)
		return override(cli, argv[1]);
	return cmd_error(cli,
	    "load: give merge FILE (CLI commands) or "
	    "override FILE (a tunsh.conf file)");
}

int
cmd_save(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	struct diag d;
	int rc;

	(void)cmd;
	if (argc != 1)
		return cmd_error(cli, "save: give a file name");
	diag_init(&d);
	rc = config_save_file(s->cand, argv[0], NULL, NULL, &d);
	print_diag(cli, &d);
	diag_clear(&d);
	if (rc < 0)
		return CLI_ERROR;
	cli_print(cli, "saved the candidate to %s (mode 0600: it holds keys)",
	    argv[0]);
	return CLI_OK;
}
