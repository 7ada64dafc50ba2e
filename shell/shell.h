/*
 * shell/shell.h: what tunsh and tunshd share: the framed protocol on the
 * UNIX socket between them.  Versioned, small, and strict: a malformed or
 * oversized frame ends that session only.
 *
 * A frame is an 8-byte header and a payload:
 *   0      1        2       3       4..7
 *   'T'    version  type    flags   payload length (big endian)
 * Client to daemon: HELLO (key=value lines), LINE, COMPLETE, HELP (text
 * of the line so far), HANGUP, INTERRUPT (Ctrl-C: the command of the
 * line, if it still runs, as ping does, stops; its STATUS follows).  Daemon to client: OUTPUT (text), PROMPT,
 * STATUS (a result byte, 0 success or 1 failure; a flags byte,
 * SHELL_STATUS_UNCOMMITTED when the session's candidate differs from
 * running; then the failure's message, if any),
 * COMPLETIONS (NUL-separated words), FATAL (a message; the daemon then
 * closes the connection), MORE (a page of output is out; the client
 * shows --More-- and answers CONTINUE: ' ' a page, '\r' a line, 'q' stop),
 * NOTICE (a message for the user now, between lines too: a commit
 * confirmed rolled back, terminal monitor's log lines).
 */
#ifndef TUNSH_SHELL_H
#define TUNSH_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHELL_PROTO_MAGIC   'T'
#define SHELL_PROTO_VERSION 1
#define SHELL_FRAME_HDR	    8
#define SHELL_FRAME_MAX	    (64u * 1024) /* payload bytes */

enum shell_msg {
	/* client -> daemon */
	SHELL_HELLO = 1,
	SHELL_LINE = 2,
	SHELL_COMPLETE = 3,
	SHELL_HELP = 4,
	SHELL_HANGUP = 5,
	SHELL_CONTINUE = 6,
	SHELL_INTERRUPT = 7, /* Ctrl-C while a line's command goes on */
	/* daemon -> client */
	SHELL_OUTPUT = 16,
	SHELL_PROMPT = 17,
	SHELL_STATUS = 18,
	SHELL_COMPLETIONS = 19,
	SHELL_FATAL = 20,
	SHELL_MORE = 21,
	SHELL_NOTICE = 22,
};

#define SHELL_STATUS_UNCOMMITTED 0x01

struct shell_frame {
	uint8_t type;
	const uint8_t *payload;
	size_t len;
};

/*
 * Decodes one frame at the start of buf.  Returns 1 with *f and *used set
 * when a whole frame is there, 0 when more bytes are needed, -EPROTO for a
 * bad magic, version, flags or type, -EMSGSIZE for a payload longer than
 * SHELL_FRAME_MAX (known from the header alone, before it arrives).
 */
int shell_frame_decode(const uint8_t *buf, size_t len, struct shell_frame *f,
    size_t *used);
/* Writes the header of a frame of type with len payload bytes. */
int shell_frame_header(uint8_t hdr[SHELL_FRAME_HDR], uint8_t type, size_t len);
bool shell_msg_from_client(uint8_t type);
bool shell_msg_from_daemon(uint8_t type);

/* The HELLO a client sends first. */
struct shell_hello {
	unsigned version;
	bool terminal; /* interactive: prompts and paging */
	unsigned width, height;
	char source[128]; /* "ssh 192.0.2.9 52100" or "console /dev/ttyS0" */
};

/* "key=value\n" lines; unknown keys are ignored (newer clients). */
int shell_hello_parse(const uint8_t *p, size_t len, struct shell_hello *h);
/* Formats h into buf; returns the length, or -ENOSPC. */
int shell_hello_format(const struct shell_hello *h, char *buf, size_t len);

#endif
