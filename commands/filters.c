/*
 * commands/filters.c: the output filters after '|' (include, exclude,
 * begin, section, count), parsed and run here, not by libcli.  libcli
 * 1.10 tells its include from its exclude by comparing the typed word
 * with the full name: "| inc x" fell through to its regex branch, which
 * compiles into a union whose string member its match then read, so a
 * prefix printed nothing or everything depending on the heap.  Its
 * filters are unregistered; a line never reaches libcli with a '|' in it.
 *
 * Grammar: the line splits at each '|' outside quotes; a stage is a
 * filter's name, by unique prefix, and its pattern: the rest of the
 * stage, blanks at both ends removed and quote marks taken out (the text
 * between them is kept as is, '|' included).  A backslash keeps the next
 * character from ending the stage or opening a quote, and stays in the
 * pattern (regcomp reads "\." as a dot).  Patterns are POSIX extended
 * regular expressions, as IOS's are.
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/private.h"

#define FILTER_STAGES_MAX 8

enum filter_kind {
	F_BEGIN,
	F_COUNT,
	F_EXCLUDE,
	F_INCLUDE,
	F_SECTION
};

/* The filters, in the order '?' lists them; count's pattern is optional. */
static const struct filter_def {
	const char *name;
	enum filter_kind kind;
	bool pattern_optional;
	const char *help;
} filter_defs[] = {
	{ "begin", F_BEGIN, false,
	    "Lines from the first that matches REGEX on" },
	{ "count", F_COUNT, true,
	    "The number of lines (that match REGEX), not the lines" },
	{ "exclude", F_EXCLUDE, false, "Lines that do not match REGEX" },
	{ "include", F_INCLUDE, false, "Lines that match REGEX" },
	{ "section", F_SECTION, false,
	    "Each block whose first line matches REGEX" },
};

#define N_FILTERS (sizeof(filter_defs) / sizeof(filter_defs[0]))

struct filter_stage {
	const struct filter_def *def;
	bool has_re;
	regex_t re;
	bool on; /* begin: a line matched; section: in a matching block */
};

struct filter_pipeline {
	struct filter_stage st[FILTER_STAGES_MAX];
	size_t n;
	unsigned long long count;
};

/*
 * The offset of the first '|' of line outside quotes and not after a
 * backslash, from; -1 if there is none.
 */
static ssize_t
next_bar(const char *line, size_t from)
{
	char quote = '\0';

	for (size_t i = from; line[i] != '\0'; i++) {
		if (line[i] == '\\' && line[i + 1] != '\0') {
			i++;
			continue;
		}
		if (quote != '\0')
			quote = line[i] == quote ? '\0' : quote;
		else if (line[i] == '"' || line[i] == '\'')
			quote = line[i];
		else if (line[i] == '|')
			return (ssize_t)i;
	}
	return -1;
}

ssize_t
filters_split(const char *line)
{
	return next_bar(line, 0);
}

/* "begin, count, exclude, include or section" into buf. */
static void
names(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N_FILTERS && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i == 0		   ? "" :
			i + 1 == N_FILTERS ? " or " :
					     ", ",
		    filter_defs[i].name);
}

/*
 * The filter word names: the one whose name it is, else the one it is a
 * unique prefix of.  NULL with msg set when it is none or several.
 */
static const struct filter_def *
lookup(const char *word, size_t wlen, char *msg, size_t len)
{
	const struct filter_def *found = NULL;
	char all[128], some[128] = "";
	size_t n = 0, off = 0;

	for (size_t i = 0; i < N_FILTERS; i++) {
		const struct filter_def *f = &filter_defs[i];

		if (wlen > strlen(f->name) ||
		    strncasecmp(f->name, word, wlen) != 0)
			continue;
		if (wlen == strlen(f->name))
			return f;
		found = f;
		n++;
		off += (size_t)snprintf(some + off,
		    off < sizeof(some) ? sizeof(some) - off : 0, "%s%s",
		    n > 1 ? ", " : "", f->name);
	}
	if (n == 1)
		return found;
	names(all, sizeof(all));
	if (n == 0)
		snprintf(msg, len, "unknown filter \"%.*s\": give %s",
		    (int)wlen, word, all);
	else
		snprintf(msg, len, "ambiguous filter \"%.*s\": it could be %s",
		    (int)wlen, word, some);
	return NULL;
}

/* Stage text [p, end) without blanks at both ends and quote marks;
 * -ENOSPC when it does not fit out. */
static int
pattern_of(const char *p, const char *end, char *out, size_t len)
{
	char quote = '\0';
	size_t o = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (; p < end && o + 1 < len; p++) {
		if (*p == '\\' && p + 1 < end) {
			out[o++] = *p++;
			if (o + 1 < len)
				out[o++] = *p;
			continue;
		}
		if (quote != '\0' && *p == quote) {
			quote = '\0';
			continue;
		}
		if (quote == '\0' && (*p == '"' || *p == '\'')) {
			quote = *p;
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
	return p < end ? -ENOSPC : 0;
}

/* One stage, [p, end): its filter and its compiled pattern. */
static int
parse_stage(const char *p, const char *end, struct filter_stage *st, char *msg,
    size_t len)
{
	char pattern[1024], all[128], why[128];
	size_t wlen;
	int rc;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (wlen = 0; p + wlen < end && p[wlen] != ' ' && p[wlen] != '\t';)
		wlen++;
	if (wlen == 0) {
		names(all, sizeof(all));
		snprintf(msg, len, "| must be followed by a filter: %s", all);
		return -1;
	}
	if ((st->def = lookup(p, wlen, msg, len)) == NULL)
		return -1;
	if (pattern_of(p + wlen, end, pattern, sizeof(pattern)) < 0) {
		snprintf(msg, len, "%s: the pattern is longer than %zu bytes",
		    st->def->name, sizeof(pattern) - 1);
		return -1;
	}
	if (pattern[0] == '\0') {
		if (st->def->pattern_optional)
			return 0;
		snprintf(msg, len,
		    "%s: give a regular expression (POSIX extended), "
		    "e.g. %s ^ipsec",
		    st->def->name, st->def->name);
		return -1;
	}
	if ((rc = regcomp(&st->re, pattern, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &st->re, why, sizeof(why));
		regfree(&st->re);
		snprintf(msg, len,
		    "%s: \"%s\" is not a regular expression (%s): put "
		    "a backslash before a special character to match it",
		    st->def->name, pattern, why);
		return -1;
	}
	st->has_re = true;
	return 0;
}

int
filters_parse(const char *stages, struct filter_pipeline **out, char *msg,
    size_t len)
{
	struct filter_pipeline *fp = calloc(1, sizeof(*fp));
	size_t from = 0;

	*out = NULL;
	if (fp == NULL) {
		snprintf(msg, len, "filters: out of memory");
		return -1;
	}
	for (;;) {
		ssize_t bar = next_bar(stages, from);
		size_t end = bar >= 0 ? (size_t)bar : strlen(stages);

		if (fp->n == FILTER_STAGES_MAX) {
			snprintf(msg, len, "at most %d filters on a line",
			    FILTER_STAGES_MAX);
			goto fail;
		}
		if (fp->n > 0 && fp->st[fp->n - 1].def->kind == F_COUNT) {
			snprintf(msg, len,
			    "count prints one number: put it last");
			goto fail;
		}
		if (parse_stage(stages + from, stages + end, &fp->st[fp->n],
			msg, len) < 0)
			goto fail;
		fp->n++;
		if (bar < 0)
			break;
		from = end + 1;
	}
	*out = fp;
	return 0;
fail:
	filters_free(fp);
	return -1;
}

static bool
matches(const struct filter_stage *st, const char *line)
{
	return !st->has_re || regexec(&st->re, line, 0, NULL, 0) == 0;
}

bool
filters_pass(struct filter_pipeline *fp, const char *line)
{
	for (size_t i = 0; i < fp->n; i++) {
		struct filter_stage *st = &fp->st[i];

		switch (st->def->kind) {
		case F_INCLUDE:
			if (!matches(st, line))
				return false;
			break;
		case F_EXCLUDE:
			if (matches(st, line))
				return false;
			break;
		case F_BEGIN:
			st->on = st->on || matches(st, line);
			if (!st->on)
				return false;
			break;
		case F_SECTION:
			/* A block starts at each line that is not indented. */
			if (line[0] != ' ' && line[0] != '\t')
				st->on = matches(st, line);
			if (!st->on)
				return false;
			break;
		case F_COUNT:
			fp->count += matches(st, line);
			return false;
		}
	}
	return true;
}

bool
filters_counting(const struct filter_pipeline *fp)
{
	return fp->n > 0 && fp->st[fp->n - 1].def->kind == F_COUNT;
}

unsigned long long
filters_count(const struct filter_pipeline *fp)
{
	return fp->count;
}

void
filters_free(struct filter_pipeline *fp)
{
	if (fp == NULL)
		return;
	for (size_t i = 0; i < fp->n; i++)
		if (fp->st[i].has_re)
			regfree(&fp->st[i].re);
	free(fp);
}

/*
 * Tab and '?' in the last stage of stages (the text after the line's
 * first '|'): the filters' names while the first word is typed, then what
 * the pattern is.  Answers as commands_complete() does.
 */
int
filters_complete(const char *stages, bool help, commands_out_fn fn, void *arg)
{
	const char *p = stages, *word;
	char entry[160], msg[160];
	const struct filter_def *f;
	ssize_t bar;
	size_t wlen;
	int n = 0;

	while ((bar = next_bar(p, 0)) >= 0)
		p += bar + 1;
	while (*p == ' ' || *p == '\t')
		p++;
	word = p;
	for (wlen = 0;
	     word[wlen] != '\0' && word[wlen] != ' ' && word[wlen] != '\t';)
		wlen++;
	if (word[wlen] == '\0') { /* the name is being typed */
		for (size_t i = 0; i < N_FILTERS; i++) {
			f = &filter_defs[i];
			if (strncasecmp(f->name, word, wlen) != 0)
				continue;
			if (help)
				snprintf(entry, sizeof(entry), "  %-20s %s",
				    f->name, f->help);
			else
				snprintf(entry, sizeof(entry), "%s", f->name);
			fn(arg, entry);
			n++;
		}
		return n;
	}
	if (!help || (f = lookup(word, wlen, msg, sizeof(msg))) == NULL)
		return 0;
	for (p = word + wlen; *p == ' ' || *p == '\t'; p++)
		;
	if (*p != '\0' || f->pattern_optional)
		fn(arg, "  <cr>");
	if (*p != '\0')
		return 0;
	fn(arg,
	    "  REGEX                POSIX extended regular expression: "
	    "^ipsec, (aws|azure)");
	return 1 + f->pattern_optional;
}

void
commands_register_filters(struct cli_def *cli)
{
	cli_unregister_all_filters(cli);
}
