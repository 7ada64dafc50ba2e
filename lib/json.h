/*
 * lib/json.h: JSON text (RFC 8259) for the json forms of the show
 * commands and of show running-config.  A writer hands whole lines to
 * its caller's function and places the commas, the indentation and the
 * closing brackets itself, so callers emit members in order and never
 * count them.  Library code: it writes nothing but through that
 * function.
 */
#ifndef TUNSH_LIB_JSON_H
#define TUNSH_LIB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Receives each line, without its newline; a negative return stops the
 * writer, which then returns it from json_writer_finish(). */
typedef int (*json_line_fn)(void *arg, const char *line);

/*
 * How a container is laid out.  JSON_LINES: one member a line, two
 * spaces an indent a level, the closing bracket on a line of its own.
 * JSON_ONE_LINE: the container and all it holds on the line it opens on,
 * as { "a": 1, "b": null } and ["x", "y"] (empty: {} and []).
 */
enum json_form {
	JSON_LINES,
	JSON_ONE_LINE,
};

#define JSON_DEPTH_MAX 16   /* containers open at once */
#define JSON_LINE_MAX  4096 /* bytes of a line, with its NUL */

/*
 * The line being written lives in the writer, on its caller's stack: no
 * allocation, and no copy of a key left in freed memory.  A line longer
 * than JSON_LINE_MAX (none of the documents here comes near: their
 * longest is a list of 32 networks) stops the writer with -ENOSPC.
 */
struct json_writer {
	json_line_fn fn;
	void *arg;
	int rc;		/* the first error: fn's, -ENOSPC, -E2BIG or -EINVAL */
	unsigned depth; /* containers open */
	unsigned one_line; /* depth of the outermost one-line one, or 0 */
	struct {
		bool object;
		bool first; /* no member yet */
	} level[JSON_DEPTH_MAX + 1];
	size_t len;		  /* of line */
	char line[JSON_LINE_MAX]; /* being written, not sent yet */
};

void json_writer_init(struct json_writer *w, json_line_fn fn, void *arg);
/*
 * Sends the last line, wipes the line buffer (a line may have held a
 * key), and returns 0 or the first error.  The writer may be initialised
 * again after.
 */
int json_writer_finish(struct json_writer *w);

/*
 * Each value is a member of the container open (key: its name) or an
 * element of an array (key NULL), or the document itself.
 */
void json_object(struct json_writer *w, const char *key, enum json_form form);
void json_array(struct json_writer *w, const char *key, enum json_form form);
void json_end(struct json_writer *w); /* closes the innermost one */
void json_str(struct json_writer *w, const char *key,
    const char *s); /* NULL: null */
void json_u64(struct json_writer *w, const char *key, uint64_t v);
void json_i64(struct json_writer *w, const char *key, int64_t v);
void json_bool(struct json_writer *w, const char *key, bool v);
void json_null(struct json_writer *w, const char *key);

/*
 * One string value, quoted and escaped, into buf: '"' and '\' get a
 * backslash, control characters below 0x20 are \u00XX, every other byte
 * (UTF-8 included) is copied.  Returns the length, or -ENOSPC when buf
 * is too small (buf then holds "").
 */
int json_string(const char *s, char *buf, size_t len);

#endif /* TUNSH_LIB_JSON_H */
