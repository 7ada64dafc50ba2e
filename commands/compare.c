/*
 * commands/compare.c: show compare commands: the difference between the
 * candidate and running as the commands that turn running into the
 * candidate, ready to paste.  It reads config_render_diff()'s lines,
 * whose text is CLI already: "+ X" is X, "- X" is "no X", an object only
 * in running is "no HEAD".  Keys stay hidden: a changed one says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/private.h"

struct translate {
	struct cli_def *cli;
	bool in_block; /* inside "[edit HEAD]" or an added object */
	bool dropping; /* inside an object only in running */
	bool top;      /* inside "[edit]" */
};

static void
end_block(struct translate *t)
{
	if (t->in_block)
		cli_print(t->cli, "!");
	t->in_block = false;
}

static int
translate_line(void *arg, const char *line)
{
	struct translate *t = arg;
	const char *body;

	if (strcmp(line, "[edit]") == 0) {
		end_block(t);
		t->top = true;
		t->dropping = false;
		return 0;
	}
	if (strncmp(line, "[edit ", 6) == 0) {
		end_block(t);
		cli_print(t->cli, "%.*s", (int)(strlen(line) - 7), line + 6);
		t->in_block = true;
		t->top = t->dropping = false;
		return 0;
	}
	body = line + 2; /* after "+ " or "- " */
	if (t->top && body[0] != ' ') {
		/* A head line under [edit]: a whole object, or the hostname. */
		end_block(t);
		t->dropping = false;
		if (strncmp(body, "hostname ", 9) == 0) {
			if (line[0] == '+')
				cli_print(t->cli, "%s", body);
			return 0;
		}
		if (line[0] == '+') {
			cli_print(t->cli, "%s", body);
			t->in_block = true;
		} else if (strcmp(body, "client-vpn") == 0) {
			cli_print(t->cli, "client-vpn");
			cli_print(t->cli, " no pool");
			cli_print(t->cli, "!");
			t->dropping = true;
		} else {
			cli_print(t->cli, "no %s", body);
			t->dropping = true;
		}
		return 0;
	}
	if (t->dropping)
		return 0;
	/* A setting: " pre-shared-key ..." is never shown. */
	if (strncmp(body, " pre-shared-key ", 16) == 0) {
		if (line[0] == '-')
			cli_print(t->cli, " no pre-shared-key");
		else
			cli_print(t->cli,
			    " ! pre-shared-key changed (hidden): "
			    "type pre-shared-key to set it");
		return 0;
	}
	if (line[0] == '+')
		cli_print(t->cli, "%s", body);
	else if (strncmp(body, " no ", 4) == 0)
		cli_print(t->cli, " %s", body + 4); /* "no enable" undone */
	else
		cli_print(t->cli, " no %s", body + 1);
	return 0;
}

int
compare_commands(struct cli_def *cli, const struct config *running,
    const struct config *cand)
{
	struct translate t = { .cli = cli };
	int rc;

	rc = config_render_diff(running, cand, true, translate_line, &t);
	end_block(&t);
	return rc;
}

/* The same difference as JSON: one record per changed line. */
struct jdiff {
	struct cli_def *cli;
	char edit[128]; /* the current [edit ...] head, "" at the top */
	bool first;
};

static int
json_line(void *arg, const char *line)
{
	struct jdiff *j = arg;
	char edit[300], text[1100];

	if (strcmp(line, "[edit]") == 0) {
		j->edit[0] = '\0';
		return 0;
	}
	if (strncmp(line, "[edit ", 6) == 0) {
		snprintf(j->edit, sizeof(j->edit), "%.*s",
		    (int)(strlen(line) - 7), line + 6);
		return 0;
	}
	json_string(j->edit, edit, sizeof(edit));
	json_string(line + 2, text, sizeof(text));
	cli_print(j->cli,
	    "%s  { \"edit\": %s, \"change\": \"%c\", \"line\": %s }",
	    j->first ? "" : ",", j->edit[0] ? edit : "null", line[0], text);
	j->first = false;
	return 0;
}

int
compare_json(struct cli_def *cli, const struct config *a,
    const struct config *b)
{
	struct jdiff j = { .cli = cli, .first = true };
	int rc;

	cli_print(cli, "[");
	rc = config_render_diff(a, b, false, json_line, &j);
	cli_print(cli, "]");
	return rc;
}
