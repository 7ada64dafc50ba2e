/*
 * commands/complete.c: Tab completion and '?' help for a line in
 * progress, answered from the same libcli tree that runs the commands, so
 * there is one grammar.  Nothing is run and the session does not change.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "commands/private.h"

int
commands_complete(struct commands_session *s, const char *line, bool help,
    commands_out_fn fn, void *arg)
{
	struct cli_comphelp ch = { 0 };
	ssize_t bar = filters_split(line);
	int n;

	/* The filters are not libcli's (filters.c): neither is their
	 * help.  (libcli 1.10 read a NULL help string after a filter's
	 * argument: "show log | begin x ?" crashed it.) */
	if (bar >= 0)
		return filters_complete(line + bar + 1, help, fn, arg);
	cli_get_completions(s->cli, line, help ? '?' : '\t', &ch);
	n = ch.num_entries;
	for (int i = 0; i < n; i++)
		fn(arg, ch.entries[i]);
	/* A whole command with nothing after it: say Enter runs it. */
	if (help && n <= 0 && line[0] != '\0')
		fn(arg, "  <cr>");
	cli_free_comphelp(&ch);
	return n > 0 ? n : 0;
}

/*
 * libcli runs a prefix that several commands share ("show v" for version
 * and vlans) as one of them.  Each word of the line is checked first: one
 * that is no command but the prefix of two or more is ambiguous.  Writes
 * the line up to that word and the candidates into msg; false if none.
 */
bool
ambiguous_word(struct commands_session *s, const char *line, char *msg,
    size_t len)
{
	char prefix[1024];
	size_t off = 0;
	bool found = false;

	while (line[off] != '\0' && !found) {
		struct cli_comphelp ch = { 0 };
		size_t start, end;
		bool exact = false;

		while (line[off] == ' ')
			off++;
		start = off;
		while (line[off] != ' ' && line[off] != '\0')
			off++;
		end = off;
		if (end == start || end >= sizeof(prefix))
			break;
		/* A quoted word is an argument, never a command: a lone '"'
		 * is the empty prefix of them all, not an ambiguity. */
		if (line[start] == '"' || line[start] == '\'')
			break;
		memcpy(prefix, line, end);
		prefix[end] = '\0';
		cli_get_completions(s->cli, prefix, '\t', &ch);
		for (int i = 0; i < ch.num_entries; i++)
			exact |= strlen(ch.entries[i]) == end - start &&
			    strncmp(ch.entries[i], line + start, end - start) ==
				0;
		if (ch.num_entries >= 2 && !exact) {
			size_t o = (size_t)snprintf(msg, len,
			    "\"%.*s\" could be", (int)end, line);

			for (int i = 0; i < ch.num_entries && o < len; i++)
				o += (size_t)snprintf(msg + o, len - o, "%s %s",
				    i ? "," : "", ch.entries[i]);
			found = true;
		}
		cli_free_comphelp(&ch);
	}
	/* prefix held the line up to a word: a typed key, perhaps. */
	OPENSSL_cleanse(prefix, sizeof(prefix));
	return found;
}
