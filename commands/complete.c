/*
 * commands/complete.c: Tab completion and '?' help for a line in
 * progress, answered from the same libcli tree that runs the commands, so
 * there is one grammar.  Nothing is run and the session does not change.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "commands/private.h"

/*
 * A word libcli offers on Tab, as the user would type it: keywords come
 * bracketed when nothing is typed yet ("[detail]"), placeholders of
 * values ("<N>", "A.B.C.D/N", "NAME") cannot be typed and are dropped.
 */
static bool
clean_word(const char *entry, char *buf, size_t len)
{
	size_t n = strlen(entry);

	if (n >= 2 && entry[0] == '[' && entry[n - 1] == ']') {
		entry++;
		n -= 2;
	}
	if (n == 0 || n >= len || entry[0] == '<')
		return false;
	for (size_t i = 0; i < n; i++)
		if (isupper((unsigned char)entry[i]))
			return false;
	memcpy(buf, entry, n);
	buf[n] = '\0';
	return true;
}

static bool
listed(char (*seen)[64], size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(seen[i], w) == 0)
			return true;
	return false;
}

/*
 * The words of an optional value whose completor libcli did not call
 * (grammar_value_completor): offered as a placeholder ("[NAME]") when
 * nothing is typed yet, or the value a validator took the last word for.
 */
static void
value_words(struct commands_session *s, const char *line,
    struct cli_comphelp *ch)
{
	size_t len = strlen(line), start = len;
	grammar_complete_fn comp = NULL;
	const char *word = NULL, *which = s->value_hit;
	char name[64];

	while (start > 0 && line[start - 1] != ' ' && line[start - 1] != '\t')
		start--;
	if (start < len && s->value_hit != NULL) {
		comp = grammar_value_completor(s->value_hit);
		word = line + start;
	}
	for (int i = 0; comp == NULL && start == len && i < ch->num_entries;
	     i++) {
		size_t n = strlen(ch->entries[i]);

		if (n > 2 && n < sizeof(name) && ch->entries[i][0] == '[') {
			snprintf(name, sizeof(name), "%.*s", (int)(n - 2),
			    ch->entries[i] + 1);
			comp = grammar_value_completor(name);
			which = name;
		}
	}
	if (comp != NULL)
		comp(s->cli, which, word, ch);
}

/* Tab: the words that may come here, each once. */
static int
tab_words(struct commands_session *s, const char *line, commands_out_fn fn,
    void *arg, char (*seen)[64], size_t *n_seen, size_t max)
{
	struct cli_comphelp ch = { 0 };
	char w[64];
	int n = 0;

	s->value_hit = NULL;
	cli_get_completions(s->cli, line, '\t', &ch);
	value_words(s, line, &ch);
	s->value_hit = NULL;
	for (int i = 0; i < ch.num_entries; i++) {
		if (!clean_word(ch.entries[i], w, sizeof(w)) ||
		    listed(seen, *n_seen, w))
			continue;
		if (*n_seen < max)
			memcpy(seen[(*n_seen)++], w, sizeof(w));
		if (fn != NULL)
			fn(arg, w);
		n++;
	}
	cli_free_comphelp(&ch);
	return n;
}

/*
 * One line of libcli's help.  A keyword-value pair's keyword gets the
 * pair's help, not libcli's "type 'x' to select x".  The name in the
 * left column goes into seen, so that the values listed after the help
 * (tunnels, VLANs ...) do not repeat a keyword.
 */
static void
help_line(const char *entry, commands_out_fn fn, void *arg, char (*seen)[64],
    size_t *n_seen, size_t max)
{
	const char *name = entry + strspn(entry, " ");
	size_t nlen = strcspn(name, " ");
	const char *sel = strstr(entry, "type '"), *help;
	char word[64], left[96], fixed[256];

	snprintf(left, sizeof(left), "%.*s", (int)nlen, name);
	if (clean_word(left, word, sizeof(word)) && *n_seen < max)
		memcpy(seen[(*n_seen)++], word, sizeof(word));
	if (sel != NULL && strstr(sel, "' to select ") != NULL) {
		snprintf(word, sizeof(word), "%.*s", (int)strcspn(sel + 6, "'"),
		    sel + 6);
		if ((help = grammar_pair_help(word)) != NULL) {
			snprintf(left, sizeof(left), "%.*s",
			    (int)(name + nlen - entry), entry);
			snprintf(fixed, sizeof(fixed), "%-22s %s", left, help);
			fn(arg, fixed);
			return;
		}
	}
	fn(arg, entry);
}

/* '?': each next word with its help, then the values that fit here,
 * then <cr> when the line may end here. */
static int
help_lines(struct commands_session *s, const char *line, commands_out_fn fn,
    void *arg)
{
	struct cli_comphelp ch = { 0 };
	char seen[64][64], value[80];
	size_t n_seen = 0, max = sizeof(seen) / sizeof(seen[0]);
	bool optional = false, required = false;
	char(*values)[64];
	size_t before;
	int n;

	cli_get_completions(s->cli, line, '?', &ch);
	n = ch.num_entries;
	for (int i = 0; i < n; i++) {
		help_line(ch.entries[i], fn, arg, seen, &n_seen, max);
		optional |= strncmp(ch.entries[i], "  [", 3) == 0;
		required |= strncmp(ch.entries[i], "  <", 3) == 0;
	}
	cli_free_comphelp(&ch);
	/* The values come from the completors, which only Tab asks. */
	before = n_seen;
	if (n > 0 && tab_words(s, line, NULL, NULL, seen, &n_seen, max) > 0)
		for (values = seen + before; values < seen + n_seen; values++) {
			snprintf(value, sizeof(value), "    %s", *values);
			fn(arg, value);
			n++;
		}
	/* A whole command with nothing after it, or only options left:
	 * say Enter runs it. */
	if (n <= 0 && line[0] != '\0') {
		fn(arg, "  <cr>");
		return 0;
	}
	if (optional && !required) {
		fn(arg, "  <cr>");
		n++;
	}
	return n;
}

/* "do LINE" in configuration mode: LINE completes as exec mode's. */
static bool
do_line(struct commands_session *s, const char *line, const char **rest)
{
	if (s->cli->mode == MODE_EXEC || strncmp(line, "do", 2) != 0 ||
	    (line[2] != ' ' && line[2] != '\t'))
		return false;
	*rest = line + 2 + strspn(line + 2, " \t");
	return true;
}

int
commands_complete(struct commands_session *s, const char *line, bool help,
    commands_out_fn fn, void *arg)
{
	char seen[64][64], *desc = NULL;
	size_t n_seen = 0;
	ssize_t bar = filters_split(line);
	const char *rest;
	int n, mode = s->cli->mode;
	bool in_do;

	/* The filters are not libcli's (filters.c): neither is their
	 * help.  (libcli 1.10 read a NULL help string after a filter's
	 * argument: "show log | begin x ?" crashed it.) */
	if (bar >= 0)
		return filters_complete(line + bar + 1, help, fn, arg);
	while (*line == ' ' || *line == '\t')
		line++;
	if ((in_do = do_line(s, line, &rest))) {
		/* libcli recomputes abbreviations on a mode change. */
		desc = s->cli->modestring ? strdup(s->cli->modestring) : NULL;
		cli_set_configmode(s->cli, MODE_EXEC, NULL);
		line = rest;
	}
	s->completing = true;
	n = help ? help_lines(s, line, fn, arg) :
		   tab_words(s, line, fn, arg, seen, &n_seen,
		       sizeof(seen) / sizeof(seen[0]));
	s->completing = false;
	if (in_do) {
		cli_set_configmode(s->cli, mode, desc);
		free(desc);
	}
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
		s->completing = s->keywords_only = true;
		cli_get_completions(s->cli, prefix, '\t', &ch);
		s->completing = s->keywords_only = false;
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
