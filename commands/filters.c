/*
 * commands/filters.c: output filters libcli lacks or cannot deliver to a
 * session.  "| section WORD" keeps the blocks whose first line holds WORD
 * (with their indented lines), as IOS does.  "| count" is libcli's, but it
 * writes its total to cli->client, a stream: each session gets one that
 * hands complete lines to its output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/private.h"

struct section {
	char *word;
	bool inside; /* the current block's head matched */
};

static int
section_filter(struct cli_def *cli, const char *line, void *data)
{
	struct section *st = data;

	(void)cli;
	if (line == NULL) { /* the end of the output */
		free(st->word);
		free(st);
		return CLI_OK;
	}
	if (line[0] != ' ' && line[0] != '\t')
		st->inside = strstr(line, st->word) != NULL;
	return st->inside ? CLI_OK : CLI_ERROR;
}

static int
section_init(struct cli_def *cli, int argc, char **argv,
    struct cli_filter *filt)
{
	struct section *st;

	if (argc != 2) {
		cli_error(cli, "%% section: give one word to look for");
		return CLI_ERROR;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->word = strdup(argv[1])) == NULL) {
		free(st);
		return CLI_ERROR;
	}
	filt->filter = section_filter;
	filt->data = st;
	return CLI_OK;
}

/*
 * The stream behind cli->client: whole lines to the session's output,
 * through the same escaping as every other line.  libcli ends its lines
 * with CRLF for a telnet peer, and echoes a bad pattern the user typed
 * ("Invalid pattern"): the CR goes, control characters are escaped.
 */
static ssize_t
client_write(void *cookie, const char *buf, size_t len)
{
	struct commands_session *s = cookie;
	char line[512];

	for (size_t i = 0, start = 0; i < len; i++)
		if (buf[i] == '\n') {
			size_t n = i - start;

			if (n > 0 && buf[i - 1] == '\r')
				n--;
			snprintf(line, sizeof(line), "%.*s", (int)n,
			    buf + start);
			session_print(s, line);
			start = i + 1;
		}
	return (ssize_t)len;
}

int
commands_register_filters(struct commands_session *s)
{
	static const cookie_io_functions_t io = { .write = client_write };

	if ((s->cli->client = fopencookie(s, "w", io)) == NULL)
		return -1;
	setvbuf(s->cli->client, NULL, _IOLBF, 0);
	cli_register_filter(s->cli, "section", section_init, section_filter,
	    PRIVILEGE_UNPRIVILEGED, MODE_ANY,
	    "Blocks whose first line holds WORD, with their lines");
	return 0;
}
