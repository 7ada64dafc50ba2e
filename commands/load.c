/*
 * commands/load.c: load merge, load override and save: the candidate to
 * and from files.  Either load takes either kind of file: CLI commands as
 * show running-config prints them (masked keys left alone), or a
 * tunsh.conf(5) file.  A merge applies the file's settings to the
 * candidate; an override makes the file the candidate.  Nothing reaches
 * running before a commit.  Every file is opened with the rights of the
 * session's user (userfile.c), read whole within CONFIG_FILE_MAX, and
 * parsed from memory: the file is opened once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/private.h"

#define MASKED " pre-shared-key ********"

/* A tunsh.conf has "key = value" where a command file has words. */
static bool
is_libconfig(const char *text)
{
	const char *p = text;
	size_t len;

	while (*p != '\0') {
		p += strspn(p, " \t");
		len = strcspn(p, "\n");
		if (len > 0 && *p != '#' && *p != '!' &&
		    strncmp(p, "//", 2) != 0)
			return memchr(p, '=', len) != NULL;
		p += len;
		p += *p == '\n';
	}
	return false;
}

/* The whole file, read with the session's user's rights, or NULL. */
static char *
read_file(struct cli_def *cli, const char *path, const char *verb, size_t *len)
{
	struct commands_session *s = session_of(cli);
	struct diag d;
	char *text;

	diag_init(&d);
	if (userfile_read(&s->cred, path, &text, len, &d) < 0) {
		for (size_t i = 0; i < d.count; i++)
			cmd_error(cli, "load %s: %s", verb, d.entries[i].text);
		cmd_error(cli, "load %s: the candidate is unchanged", verb);
		text = NULL;
	}
	diag_clear(&d);
	return text;
}

static void
drop_text(char *text, size_t len)
{
	if (text == NULL)
		return;
	explicit_bzero(text, len); /* it may hold keys */
	free(text);
}

/* Runs each line of a command file at the top of configuration mode. */
static int
merge_commands(struct cli_def *cli, const char *path, char *text,
    const char *verb)
{
	struct commands_session *s = session_of(cli);
	size_t n = 0, errors = 0, len;
	char *line, *next;

	cli_set_configmode(cli, MODE_CONFIG, "config");
	for (line = text; *line != '\0'; line = next) {
		len = strcspn(line, "\n");
		next = line + len + (line[len] == '\n');
		line[len] = '\0';
		n++;
		while (len > 0 && line[len - 1] == '\r')
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
	cli_set_configmode(cli, MODE_CONFIG, "config");
	if (errors > 0)
		return cmd_error(cli, "load %s: %zu line%s of %s failed%s",
		    verb, errors, errors == 1 ? "" : "s", path,
		    strcmp(verb, "merge") == 0 ?
			"; the others are in the candidate (show compare, "
			"or discard)" :
			"");
	cli_print(cli, "load %s: %zu lines of %s in the candidate", verb, n,
	    path);
	return CLI_OK;
}

struct merge_out {
	struct cli_def *cli;
	size_t errors;
};

/* One rendered line of a loaded file, run as if typed in a file. */
static int
merge_rendered(void *arg, const char *line)
{
	struct merge_out *m = arg;
	struct cli_def *cli = m->cli;

	if (line[0] != ' ' && cli->mode != MODE_CONFIG)
		cli_set_configmode(cli, MODE_CONFIG, "config");
	if (line[0] == '!')
		return 0;
	if (commands_run(session_of(cli), line) < 0) {
		cli_error(cli, "%% %s", line);
		m->errors++;
	}
	return 0;
}

/* Loads a tunsh.conf for load VERB, saying why not (NULL). */
static struct config *
load_conf(struct cli_def *cli, const char *path, const char *text,
    const char *verb)
{
	struct config *c;
	struct diag d;

	diag_init(&d);
	c = config_load_string(text, path, &d);
	print_diag(cli, &d);
	diag_clear(&d);
	if (c == NULL)
		cmd_error(cli,
		    "load %s: %s not loaded; the candidate is "
		    "unchanged",
		    verb, path);
	return c;
}

/* A tunsh.conf merged: its configuration, as commands, on the candidate. */
static int
merge_libconfig(struct cli_def *cli, const char *path, const char *text)
{
	struct config_render_opts o = { .show_secrets = true };
	struct merge_out m = { .cli = cli };
	struct config *c;

	if ((c = load_conf(cli, path, text, "merge")) == NULL)
		return CLI_ERROR;
	cli_set_configmode(cli, MODE_CONFIG, "config");
	config_render(c, &o, merge_rendered, &m);
	config_free(c);
	cli_set_configmode(cli, MODE_CONFIG, "config");
	if (m.errors > 0)
		return cmd_error(cli,
		    "load merge: %zu setting%s of %s refused; the others are "
		    "in the candidate",
		    m.errors, m.errors == 1 ? "" : "s", path);
	cli_print(cli, "load merge: %s merged into the candidate", path);
	return CLI_OK;
}

static int
override(struct cli_def *cli, const char *path, const char *text)
{
	struct commands_session *s = session_of(cli);
	struct config *c;

	if ((c = load_conf(cli, path, text, "override")) == NULL)
		return CLI_ERROR;
	/* A candidate of running that may differ anywhere: full checks. */
	c->version = config_store_running(s->env->store)->version;
	c->system_changed = true;
	config_free(s->cand);
	s->cand = c;
	cli_set_configmode(cli, MODE_CONFIG, "config");
	cli_print(cli, "load override: %s is the candidate", path);
	return CLI_OK;
}

/* A command file overrides: its commands on an empty candidate. */
static int
override_commands(struct cli_def *cli, const char *path, char *text)
{
	struct commands_session *s = session_of(cli);
	struct config *empty = config_new(), *old = s->cand;
	int rc;

	if (empty == NULL)
		return cmd_error(cli, "load override: out of memory");
	empty->version = config_store_running(s->env->store)->version;
	empty->system_changed = true;
	s->cand = empty;
	rc = merge_commands(cli, path, text, "override");
	if (rc != CLI_OK) {
		s->cand = old; /* all or nothing */
		config_free(empty);
		return cmd_error(cli,
		    "load override: the candidate is "
		    "unchanged");
	}
	config_free(old);
	return CLI_OK;
}

int
cmd_load(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	const char *path;
	char *text;
	size_t len;
	bool merge;
	int rc;

	if (grammar_extra(cli, cmd, "one FILE", argv, argc) != CLI_OK)
		return CLI_ERROR;
	merge = strcmp(cmd, "load merge") == 0;
	path = grammar_get(cli, "FILE");
	if ((text = read_file(cli, path, merge ? "merge" : "override", &len)) ==
	    NULL)
		return CLI_ERROR;
	if (is_libconfig(text))
		rc = merge ? merge_libconfig(cli, path, text) :
			     override(cli, path, text);
	else
		rc = merge ? merge_commands(cli, path, text, "merge") :
			     override_commands(cli, path, text);
	drop_text(text, len);
	return rc;
}

int
cmd_save(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const char *path = grammar_get(cli, "FILE");
	struct diag d;
	int rc;

	(void)cmd;
	if (grammar_extra(cli, "save", "one file name", argv, argc) != CLI_OK)
		return CLI_ERROR;
	diag_init(&d);
	rc = userfile_save(&s->cred, path, s->cand, &d);
	print_diag(cli, &d);
	diag_clear(&d);
	if (rc < 0)
		return CLI_ERROR;
	cli_print(cli, "saved the candidate to %s (mode 0600: it holds keys)",
	    path);
	return CLI_OK;
}

void
commands_session_set_cred(struct commands_session *s, uid_t uid, gid_t gid)
{
	s->cred.set = true;
	s->cred.uid = uid;
	s->cred.gid = gid;
}
