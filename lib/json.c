/*
 * lib/json.c: writing JSON text (RFC 8259) line by line, and quoting one
 * string for it (section 7).  The shapes of documents are the callers';
 * this places commas, indentation and brackets, and makes strings safe.
 * It never prints: whole lines go to the caller's function.
 *
 * Written here rather than taken from jansson or json-c: those build a
 * tree of allocated nodes and then dump it in one layout for the whole
 * document (indented, or compact), while the documents here mix
 * one-line and one-member-a-line containers, end an empty indented
 * array on a line of its own, and are streamed straight from the
 * engine's and the configuration's tables.  Reproducing the layout
 * scripts already read would mean post-processing their output, and
 * the tree costs allocations a value; this is one line buffer on the
 * stack and about 300 lines, with no dependency the tree does not
 * already have.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/json.h"

/*
 * The escape of one byte into out (at least 7 bytes); its length.  Bytes
 * from 0x80 up are copied: UTF-8 passes through as the user gave it.
 */
static size_t
escape_byte(unsigned char ch, char *out)
{
	static const char hex[] = "0123456789abcdef";

	if (ch == '"' || ch == '\\') {
		out[0] = '\\';
		out[1] = (char)ch;
		return 2;
	}
	if (ch < 0x20) {
		memcpy(out, "\\u00", 4);
		out[4] = hex[ch >> 4];
		out[5] = hex[ch & 0xf];
		return 6;
	}
	out[0] = (char)ch;
	return 1;
}

int
json_string(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 3)
		goto nospace;
	buf[o++] = '"';
	for (; *s != '\0'; s++) {
		char esc[8];
		size_t n = escape_byte((unsigned char)*s, esc);

		if (o + n + 2 > len)
			goto nospace;
		memcpy(buf + o, esc, n);
		o += n;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return (int)o;
nospace:
	if (len > 0)
		buf[0] = '\0';
	return -ENOSPC;
}

void
json_writer_init(struct json_writer *w, json_line_fn fn, void *arg)
{
	memset(w, 0, sizeof(*w));
	w->fn = fn;
	w->arg = arg;
	w->level[0].first = true;
}

/* Room for n more bytes and the NUL, else the writer stops. */
static bool
reserve(struct json_writer *w, size_t n)
{
	if (w->rc < 0)
		return false;
	if (w->len + n + 1 > sizeof(w->line)) {
		w->rc = -ENOSPC;
		return false;
	}
	return true;
}

static void
put(struct json_writer *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->line + w->len, s, n);
	w->len += n;
}

static void
put_string(struct json_writer *w, const char *s)
{
	char esc[8];
	size_t n = 2;

	for (const char *p = s; *p != '\0'; p++)
		n += escape_byte((unsigned char)*p, esc);
	if (!reserve(w, n))
		return;
	w->line[w->len++] = '"';
	for (; *s != '\0'; s++)
		w->len += escape_byte((unsigned char)*s, w->line + w->len);
	w->line[w->len++] = '"';
}

/* Sends the line written so far, with a comma when a member follows. */
static void
flush(struct json_writer *w, bool comma)
{
	int rc;

	if (w->len == 0 || w->rc < 0)
		return;
	if (comma)
		put(w, ",", 1);
	if (w->rc < 0)
		return; /* no room for the comma: the line would lie */
	w->line[w->len] = '\0';
	if ((rc = w->fn(w->arg, w->line)) < 0)
		w->rc = rc;
	w->len = 0;
}

static void
indent(struct json_writer *w)
{
	static const char spaces[] = "                                ";
	size_t n = 2 * (size_t)w->depth;

	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		put(w, spaces, k);
		n -= k;
	}
}

/*
 * Where a value goes: after ", " (or "{ " first) on a one-line
 * container's line; else on a line of its own, the line before it
 * getting its comma now that a member follows.
 */
static void
begin_value(struct json_writer *w, const char *key)
{
	bool first = w->level[w->depth].first;

	if (w->one_line != 0) {
		if (!first)
			put(w, ", ", 2);
		else if (w->level[w->depth].object)
			put(w, " ", 1);
	} else {
		flush(w, !first);
		indent(w);
	}
	w->level[w->depth].first = false;
	if (key != NULL) {
		put_string(w, key);
		put(w, ": ", 2);
	}
}

static void
open_container(struct json_writer *w, const char *key, bool object,
    enum json_form form)
{
	if (w->rc < 0)
		return;
	if (w->depth == JSON_DEPTH_MAX) {
		w->rc = -E2BIG;
		return;
	}
	begin_value(w, key);
	put(w, object ? "{" : "[", 1);
	w->depth++;
	w->level[w->depth].object = object;
	w->level[w->depth].first = true;
	if (form == JSON_ONE_LINE && w->one_line == 0)
		w->one_line = w->depth;
}

void
json_object(struct json_writer *w, const char *key, enum json_form form)
{
	open_container(w, key, true, form);
}

void
json_array(struct json_writer *w, const char *key, enum json_form form)
{
	open_container(w, key, false, form);
}

void
json_end(struct json_writer *w)
{
	bool object = w->level[w->depth].object;

	if (w->rc < 0)
		return;
	if (w->depth == 0) {
		w->rc = -EINVAL;
		return;
	}
	w->depth--;
	if (w->one_line != 0) {
		if (object && !w->level[w->depth + 1].first)
			put(w, " ", 1);
		if (w->depth < w->one_line)
			w->one_line = 0;
	} else {
		flush(w, false);
		indent(w);
	}
	put(w, object ? "}" : "]", 1);
}

static void
scalar(struct json_writer *w, const char *key, const char *text)
{
	if (w->rc < 0)
		return;
	begin_value(w, key);
	put(w, text, strlen(text));
}

void
json_str(struct json_writer *w, const char *key, const char *s)
{
	if (s == NULL) {
		scalar(w, key, "null");
		return;
	}
	if (w->rc < 0)
		return;
	begin_value(w, key);
	put_string(w, s);
}

void
json_u64(struct json_writer *w, const char *key, uint64_t v)
{
	char n[24];

	snprintf(n, sizeof(n), "%" PRIu64, v);
	scalar(w, key, n);
}

void
json_i64(struct json_writer *w, const char *key, int64_t v)
{
	char n[24];

	snprintf(n, sizeof(n), "%" PRId64, v);
	scalar(w, key, n);
}

void
json_bool(struct json_writer *w, const char *key, bool v)
{
	scalar(w, key, v ? "true" : "false");
}

void
json_null(struct json_writer *w, const char *key)
{
	scalar(w, key, "null");
}

int
json_writer_finish(struct json_writer *w)
{
	int rc;

	if (w->depth != 0 && w->rc == 0)
		w->rc = -EINVAL; /* a container left open */
	flush(w, false);
	rc = w->rc;
	OPENSSL_cleanse(w->line, sizeof(w->line));
	w->len = 0;
	w->depth = 0;
	w->one_line = 0;
	return rc;
}
