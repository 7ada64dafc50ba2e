/*
 * shell/tunsh.c: the front end a login runs.  It connects to tunshd's
 * socket and sends it lines: from GNU readline on a terminal, from stdin
 * in batch mode (a pipe, a file, ssh fw1 < script), or from -c 'LINE;
 * LINE' (ssh fw1 'show running-config' with tunsh as the login shell).
 * Batch mode stops at the first failing line unless --keep-going, and
 * exits 1 if any line failed, 2 if tunshd cannot be reached.  A line
 * longer than one frame is refused here, by its number, never sent.
 */
#include <errno.h>
#include <getopt.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "lib/lib.h"
#include "shell/shell.h"

#define DEFAULT_SOCKET "/run/tunsh/tunshd.sock"

struct client {
	int fd;
	uint8_t *buf; /* received, not yet decoded */
	size_t len;
	size_t used; /* bytes of buf taken by the frame last returned */
	char prompt[128];
	bool uncommitted; /* from the last STATUS */
	bool closed;	  /* the daemon ended the session */
	bool in_line;	  /* a line was sent, its status not yet in */
};

/* Set by the SIGINT handler (interactive only): the line being typed is
 * dropped, or the command that goes on (ping) is told to stop. */
static volatile sig_atomic_t interrupted;

static int
write_all(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len > 0) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
send_frame(struct client *c, uint8_t type, const void *p, size_t len)
{
	uint8_t hdr[SHELL_FRAME_HDR];

	if (shell_frame_header(hdr, type, len) < 0)
		return -1;
	return write_all(c->fd, hdr, sizeof(hdr)) < 0 ||
		(len > 0 && write_all(c->fd, p, len) < 0) ?
	    -1 :
	    0;
}

/* The next frame into *f (valid until the next call); -1 at the end. */
static int
read_frame(struct client *c, struct shell_frame *f)
{
	static const size_t cap = SHELL_FRAME_HDR + SHELL_FRAME_MAX;

	if (c->used > 0) {
		memmove(c->buf, c->buf + c->used, c->len - c->used);
		c->len -= c->used;
		c->used = 0;
	}
	for (;;) {
		int rc = shell_frame_decode(c->buf, c->len, f, &c->used);
		ssize_t n;

		if (rc == 1)
			return 0;
		if (rc < 0) {
			fprintf(stderr, "tunsh: protocol error from tunshd\n");
			return -1;
		}
		n = read(c->fd, c->buf + c->len, cap - c->len);
		if (n < 0 && errno == EINTR) {
			/* Ctrl-C while a line runs: tunshd stops its command
			 * (ping prints its summary); the status follows. */
			if (interrupted && c->in_line) {
				interrupted = 0;
				printf("\n"); /* the terminal has echoed ^C */
				fflush(stdout);
				send_frame(c, SHELL_INTERRUPT, NULL, 0);
			}
			continue;
		}
		if (n <= 0)
			return -1;
		c->len += (size_t)n;
	}
}

/* One key from the terminal, unbuffered and unechoed (for --More--). */
static int
read_key(void)
{
	struct termios saved, raw;
	unsigned char ch = 'q';

	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return 'q';
	raw = saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	if (read(STDIN_FILENO, &ch, 1) != 1)
		ch = 'q';
	tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return ch;
}

/* --More--: space a page, Enter a line, q (or anything else) stops. */
static int
more(struct client *c)
{
	static const char prompt[] = "--More--";
	uint8_t key;
	int ch;

	fputs(prompt, stdout);
	fflush(stdout);
	ch = read_key();
	key = ch == ' ' ? ' ' : (ch == '\r' || ch == '\n') ? '\r' : 'q';
	/* Erase the prompt before the next lines. */
	printf("\r%*s\r", (int)sizeof(prompt) - 1, "");
	fflush(stdout);
	return send_frame(c, SHELL_CONTINUE, &key, 1);
}

/*
 * tunshd closed the session (idle, cleared, over a limit): what it said
 * before closing is still in the socket; print it rather than die
 * silently on the next write.
 */
static void
last_words(struct client *c)
{
	struct shell_frame f;

	while (read_frame(c, &f) == 0)
		if (f.type == SHELL_NOTICE || f.type == SHELL_FATAL)
			fprintf(f.type == SHELL_FATAL ? stderr : stdout,
			    "%.*s\n", (int)f.len, (const char *)f.payload);
	c->closed = true;
}

/*
 * Sends one line and prints what comes back until the next prompt.
 * Returns 0 when the line succeeded, 1 when it failed (msg set), -1 when
 * the session is gone.
 */
static int run_line_frames(struct client *c, char *msg, size_t msglen);

static int
run_line(struct client *c, const char *line, char *msg, size_t msglen)
{
	int result;

	msg[0] = '\0';
	if (send_frame(c, SHELL_LINE, line, strlen(line)) < 0) {
		last_words(c);
		return -1;
	}
	interrupted = 0;
	c->in_line = true;
	result = run_line_frames(c, msg, msglen);
	c->in_line = false;
	return result;
}

static int
run_line_frames(struct client *c, char *msg, size_t msglen)
{
	struct shell_frame f;
	int result = -1;

	while (read_frame(c, &f) == 0) {
		switch (f.type) {
		case SHELL_OUTPUT:
			fwrite(f.payload, 1, f.len, stdout);
			break;
		case SHELL_STATUS:
			if (f.len < 2)
				return -1;
			result = f.payload[0] != 0;
			c->uncommitted = f.payload[1] &
			    SHELL_STATUS_UNCOMMITTED;
			snprintf(msg, msglen, "%.*s", (int)(f.len - 2),
			    (const char *)f.payload + 2);
			break;
		case SHELL_PROMPT:
			snprintf(c->prompt, sizeof(c->prompt), "%.*s",
			    (int)f.len, (const char *)f.payload);
			fflush(stdout);
			return result;
		case SHELL_FATAL:
			fprintf(stderr, "%.*s\n", (int)f.len,
			    (const char *)f.payload);
			c->closed = true;
			return -1;
		case SHELL_MORE:
			if (more(c) < 0)
				return -1;
			break;
		case SHELL_NOTICE:
			printf("%.*s\n", (int)f.len, (const char *)f.payload);
			break;
		}
	}
	/* The daemon closed after the status: exit or logout. */
	fflush(stdout);
	c->closed = true;
	return result;
}

static void
source_of(char *buf, size_t len)
{
	const char *ssh = getenv("SSH_CONNECTION");
	char ip[64] = "", *tty;
	unsigned port = 0;

	if (ssh != NULL && sscanf(ssh, "%63s %u", ip, &port) == 2) {
		/* The variable is the user's to set; tunshd refuses a source
		 * that is not printable, and the session with it. */
		for (char *p = ip; *p != '\0'; p++)
			if (*p < 0x21 || *p > 0x7e)
				*p = '?';
		snprintf(buf, len, "ssh %s %u", ip, port);
	} else if ((tty = ttyname(STDIN_FILENO)) != NULL)
		snprintf(buf, len, "console %s", tty);
	else
		snprintf(buf, len, "pipe");
}

static int
connect_daemon(struct client *c, const char *path, bool terminal)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct shell_hello h = { .version = SHELL_PROTO_VERSION };
	struct winsize ws = { 0 };
	struct shell_frame f;
	char hello[512];
	int n;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr,
		    "tunsh: cannot reach tunshd at %s: path too "
		    "long\n",
		    path);
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "tunsh: cannot reach tunshd at %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	if ((c->buf = malloc(SHELL_FRAME_HDR + SHELL_FRAME_MAX)) == NULL)
		return -1;
	h.terminal = terminal;
	if (terminal && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
		h.width = ws.ws_col;
		h.height = ws.ws_row;
	}
	source_of(h.source, sizeof(h.source));
	n = shell_hello_format(&h, hello, sizeof(hello));
	if (n < 0 || send_frame(c, SHELL_HELLO, hello, (size_t)n) < 0)
		return -1;
	/* The first prompt says the session is open (or why it is not). */
	while (read_frame(c, &f) == 0) {
		if (f.type == SHELL_PROMPT) {
			snprintf(c->prompt, sizeof(c->prompt), "%.*s",
			    (int)f.len, (const char *)f.payload);
			return 0;
		}
		if (f.type == SHELL_FATAL) {
			fprintf(stderr, "%.*s\n", (int)f.len,
			    (const char *)f.payload);
			return -1;
		}
	}
	fprintf(stderr, "tunsh: tunshd at %s closed the connection\n", path);
	return -1;
}

/*
 * Batch: each line in turn, sent as soon as it is read (a script piped in
 * from a slow producer runs as it comes); the first failure ends it
 * unless keep_going.  next() gives the lines, NULL at the end.
 */
struct source {
	char **v; /* -c: the lines */
	size_t n, i;
	FILE *f; /* or a stream */
	char *buf;
	size_t cap;
};

static char *
next_line(struct source *src)
{
	ssize_t len;

	if (src->f == NULL)
		return src->i < src->n ? src->v[src->i++] : NULL;
	if ((len = getline(&src->buf, &src->cap, src->f)) < 0)
		return NULL;
	while (
	    len > 0 && (src->buf[len - 1] == '\n' || src->buf[len - 1] == '\r'))
		src->buf[--len] = '\0';
	return src->buf;
}

/*
 * A line tunshd cannot take in one frame.  Sending it would break the
 * protocol and end the session, so it is refused here, by its number.
 */
static bool
too_long(const char *line)
{
	return strlen(line) > SHELL_FRAME_MAX;
}

/* The line as typed, in an error: a script from elsewhere may hold
 * control characters, which are shown, not obeyed. */
static void
report_line(size_t n, const char *line, const char *msg)
{
	size_t need = lib_escape_ctl(NULL, 0, line) + 1;
	char *esc = malloc(need);

	if (esc != NULL)
		lib_escape_ctl(esc, need, line);
	fprintf(stderr, "tunsh: line %zu: %s: %s\n", n, esc != NULL ? esc : "?",
	    msg);
	free(esc);
}

static int
run_batch(struct client *c, struct source *src, bool keep_going)
{
	char msg[600], *line;
	bool failed = false;
	size_t n = 0;

	while (!c->closed && (line = next_line(src)) != NULL) {
		int rc;

		n++;
		if (too_long(line)) {
			fprintf(stderr,
			    "tunsh: line %zu: longer than %u bytes: not "
			    "sent\n",
			    n, SHELL_FRAME_MAX);
			rc = 1;
		} else if ((rc = run_line(c, line, msg, sizeof(msg))) > 0) {
			report_line(n, line, msg[0] ? msg : "failed");
		}
		if (rc == 0)
			continue;
		failed = true;
		if (rc < 0 || !keep_going)
			break;
	}
	/* Changes that were never committed are lost: a script that makes
	 * them and stops is a script that failed. */
	if (c->uncommitted) {
		fprintf(stderr,
		    "tunsh: %s: uncommitted changes discarded; %s\n",
		    c->closed ? "the session ended" :
			strstr(c->prompt, "(config") != NULL ?
				"end of input in configuration mode" :
				"end of input with a changed candidate",
		    c->closed ? "commit (or discard) before exit" :
				"end the script with commit (or discard)");
		failed = true;
	}
	if (!c->closed)
		send_frame(c, SHELL_HANGUP, NULL, 0);
	free(src->buf);
	return failed ? 1 : 0;
}

/*
 * Splits -c 'LINE; LINE' at each ';' outside quotes: description
 * "Lyon; site B" stays one line.  A backslash keeps the next character
 * from splitting or quoting, as in the lines themselves (tunsh(1)).
 */
static size_t
split_commands(char *s, char **out, size_t max)
{
	char quote = '\0', *start = s;
	size_t n = 0;
	bool last;

	for (char *p = s;; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (quote != '\0' && *p != '\0') {
			quote = *p == quote ? '\0' : quote;
			continue;
		}
		if (*p == '"' || *p == '\'') {
			quote = *p;
			continue;
		}
		if (*p != ';' && *p != '\0')
			continue;
		last = *p == '\0';
		*p = '\0';
		while (*start == ' ' || *start == '\t')
			start++;
		if (*start != '\0' && n < max)
			out[n++] = start;
		if (last)
			break;
		start = p + 1;
	}
	return n;
}

/*
 * Terminal: readline, with Tab and '?' answered by tunshd from the same
 * command tree that runs the lines.  readline's callbacks take no
 * argument, hence these file-scope pointers.
 */
static struct client *term;
static char **words;
static size_t n_words;

static void
free_words(void)
{
	for (size_t i = 0; i < n_words; i++)
		free(words[i]);
	free(words);
	words = NULL;
	n_words = 0;
}

/* Asks tunshd what may follow the line up to the cursor. */
static void
fetch_words(uint8_t type)
{
	struct shell_frame f;
	const char *p, *end;

	free_words();
	if (send_frame(term, type, rl_line_buffer, (size_t)rl_point) < 0)
		return;
	while (read_frame(term, &f) == 0 && f.type != SHELL_COMPLETIONS)
		if (f.type == SHELL_FATAL) {
			term->closed = true;
			return;
		}
	p = (const char *)f.payload;
	end = p + f.len;
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));
		char **v = realloc(words, (n_words + 1) * sizeof(*v));

		if (v == NULL)
			break;
		words = v;
		words[n_words++] = strndup(p, n);
		p += n + 1;
	}
}

static char *
next_word(const char *text, int state)
{
	static size_t i;

	if (state == 0)
		i = 0;
	while (i < n_words)
		if (strncmp(words[i++], text, strlen(text)) == 0)
			return strdup(words[i - 1]);
	return NULL;
}

static char **
complete(const char *text, int start, int end)
{
	(void)start;
	(void)end;
	rl_attempted_completion_over = 1; /* never file names */
	fetch_words(SHELL_COMPLETE);
	return rl_completion_matches(text, next_word);
}

/* '?': the possible next words with their help, the line kept (IOS). */
static int
help_key(int count, int key)
{
	(void)count;
	(void)key;
	fetch_words(SHELL_HELP);
	printf("?\n");
	for (size_t i = 0; i < n_words; i++)
		printf("%s\n", words[i]);
	if (n_words == 0)
		printf("%% no command starts this way\n");
	rl_on_new_line();
	rl_redisplay();
	return 0;
}

/*
 * readline's callback interface, so that Ctrl-C can abandon the line
 * being typed (not the session) outside a signal handler: the handler
 * only sets a flag that the select() loop sees (readline's manual, "A
 * Readline Example" / rl_callback_sigcleanup).
 */
static volatile sig_atomic_t suspended;
static bool end_requested; /* Ctrl-Z: the line is "end", not history */
static char *typed;
static bool line_done;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Ctrl-Z is end, as on a router (the shell is never suspended). */
static void
on_sigtstp(int sig)
{
	(void)sig;
	suspended = 1;
}

static void
on_line(char *line)
{
	typed = line;
	line_done = true;
	rl_callback_handler_remove();
}

/* Another whole frame is already in the buffer (read() took several). */
static bool
frame_buffered(const struct client *c)
{
	struct shell_frame f;
	size_t used;

	return shell_frame_decode(c->buf + c->used, c->len - c->used, &f,
		   &used) == 1;
}

/* Notices from tunshd while the user types: above the line, kept. */
static bool
idle_notice(void)
{
	struct shell_frame f;
	char *saved;
	int point = rl_point;

	saved = rl_copy_text(0, rl_end);
	rl_save_prompt();
	rl_replace_line("", 0);
	rl_redisplay();
	do {
		if (read_frame(term, &f) < 0) {
			term->closed = true; /* tunshd went away */
			break;
		}
		if (f.type == SHELL_NOTICE)
			printf("\r%.*s\n", (int)f.len, (const char *)f.payload);
		/* Why tunshd ends the session (idle, cleared by an admin). */
		if (f.type == SHELL_FATAL) {
			fprintf(stderr, "\r%.*s\n", (int)f.len,
			    (const char *)f.payload);
			term->closed = true;
			break;
		}
	} while (frame_buffered(term));
	rl_restore_prompt();
	rl_replace_line(saved, 0);
	rl_point = point;
	rl_forced_update_display();
	free(saved);
	return !term->closed;
}

/* One line from the terminal; NULL at Ctrl-D or end of input. */
static char *
read_terminal_line(const char *prompt)
{
	typed = NULL;
	line_done = false;
	rl_callback_handler_install(prompt, on_line);
	while (!line_done) {
		fd_set in;

		/* Frames read along with the last answer wait in the buffer. */
		if (frame_buffered(term) && !idle_notice())
			break;
		FD_ZERO(&in);
		FD_SET(STDIN_FILENO, &in);
		FD_SET(term->fd, &in);
		if (select(term->fd + 1, &in, NULL, NULL, NULL) < 0) {
			if (errno != EINTR)
				break;
			if (interrupted) {
				interrupted = 0;
				rl_free_line_state();
				rl_callback_sigcleanup();
				rl_replace_line("", 0);
				printf("\n"); /* the terminal has echoed ^C */
				rl_on_new_line();
				rl_redisplay();
			}
			if (suspended) {
				suspended = 0;
				rl_free_line_state();
				rl_callback_sigcleanup();
				rl_replace_line("", 0);
				printf("\n"); /* the terminal has echoed ^Z */
				rl_callback_handler_remove();
				end_requested = true;
				return strdup("end");
			}
			continue;
		}
		if (FD_ISSET(term->fd, &in) && !idle_notice())
			break;
		if (FD_ISSET(STDIN_FILENO, &in))
			rl_callback_read_char();
	}
	if (!line_done)
		rl_callback_handler_remove();
	return typed;
}

/* "pre-shared-key" alone, in a tunnel's context: the key is asked for. */
static bool
asks_for_key(const struct client *c, const char *line)
{
	static const char cmd[] = "pre-shared-key";
	size_t n;

	while (*line == ' ')
		line++;
	n = strcspn(line, " ");
	if (n < 3 || n > sizeof(cmd) - 1 || strncmp(line, cmd, n) != 0)
		return false;
	for (const char *p = line + n; *p != '\0'; p++)
		if (*p != ' ')
			return false;
	return strstr(c->prompt, "(config-ipsec-tunnel-") != NULL;
}

/* The first word of line, when it is a prefix of at least min
 * characters of word and nothing follows it. */
static bool
only_word(const char *line, const char *word, size_t min)
{
	size_t n;

	while (*line == ' ')
		line++;
	n = strcspn(line, " ");
	if (n < min || n > strlen(word) || strncmp(line, word, n) != 0)
		return false;
	return line[n + strspn(line + n, " ")] == '\0';
}

/*
 * The line takes the session out of configuration mode (end; exit at
 * its top) or ends it (exit, logout), where uncommitted changes would
 * be left behind or lost.
 */
static bool
leaves(const struct client *c, const char *line)
{
	const char *config = strstr(c->prompt, "(config");

	if (config == NULL)
		return only_word(line, "exit", 2) ||
		    only_word(line, "logout", 2);
	return only_word(line, "end", 2) ||
	    (strncmp(config, "(config)", 8) == 0 && only_word(line, "exit", 2));
}

/* "pre-shared-key KEY" typed in full: readline keeps the first word only
 * (recalled, it asks for the key), never the key. */
static bool
sets_key(const struct client *c, const char *line)
{
	size_t n;

	while (*line == ' ')
		line++;
	n = strcspn(line, " ");
	return n >= 2 && n <= strlen("pre-shared-key") &&
	    strncmp(line, "pre-shared-key", n) == 0 &&
	    line[n + strspn(line + n, " ")] != '\0' &&
	    strstr(c->prompt, "(config-ipsec-tunnel-") != NULL;
}

/* A line from the terminal with echo off. */
static bool
read_secret(const char *prompt, char *buf, size_t len)
{
	struct termios saved, quiet;
	bool ok = false;

	fputs(prompt, stdout);
	fflush(stdout);
	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return false;
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	if (fgets(buf, (int)len, stdin) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		ok = true;
	}
	tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	printf("\n");
	return ok;
}

/* The key typed twice, unseen, and sent as one line; never in history. */
static void
run_key_prompt(struct client *c, char *msg, size_t msglen)
{
	char a[256], b[256], line[300];

	if (!read_secret("Pre-shared key: ", a, sizeof(a)) ||
	    !read_secret("Again: ", b, sizeof(b)))
		return;
	if (strcmp(a, b) != 0) {
		printf("%% the two keys differ: nothing changed\n");
	} else {
		snprintf(line, sizeof(line), "pre-shared-key %s", a);
		run_line(c, line, msg, msglen);
		explicit_bzero(line, sizeof(line));
	}
	explicit_bzero(a, sizeof(a));
	explicit_bzero(b, sizeof(b));
}

/*
 * Leaving with uncommitted changes (exit, end, Ctrl-Z, Ctrl-D): asked
 * first, no by default (Junos asks on exit too).  Yes discards the
 * candidate and leaves; no stays where the changes can be committed.
 */
static bool
may_leave(struct client *c, char *msg, size_t msglen)
{
	char answer[16] = "";

	if (!c->uncommitted)
		return true;
	fputs("Uncommitted changes: discard? [no] ", stdout);
	fflush(stdout);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		printf("\n");
	answer[strcspn(answer, "\r\n")] = '\0';
	if (strcasecmp(answer, "y") != 0 && strcasecmp(answer, "yes") != 0) {
		printf("%% nothing discarded: commit the changes, or "
		       "discard them\n");
		return false;
	}
	if (strstr(c->prompt, "(config") != NULL)
		run_line(c, "discard", msg, msglen);
	return !c->closed;
}

static int
run_interactive(struct client *c)
{
	char msg[600], hist[4096] = { 0 }, *line, prompt[140];
	const char *home = getenv("HOME");
	struct sigaction sa = { .sa_handler = on_sigint };

	term = c;
	if (home != NULL) {
		snprintf(hist, sizeof(hist), "%s/.tunsh_history", home);
		read_history(hist);
	}
	rl_catch_signals = 0;
	rl_attempted_completion_function = complete;
	rl_completion_append_character = ' ';
	rl_bind_key('?', help_key);
	sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: select() returns */
	sa.sa_handler = on_sigtstp;
	sigaction(SIGTSTP, &sa, NULL);
	while (!c->closed) {
		snprintf(prompt, sizeof(prompt), "%s ", c->prompt);
		if ((line = read_terminal_line(prompt)) == NULL) {
			printf("\n");
			if (c->closed || may_leave(c, msg, sizeof(msg)))
				break; /* Ctrl-D */
			continue;
		}
		if (sets_key(c, line))
			add_history("pre-shared-key");
		else if (line[0] != '\0' && !end_requested)
			add_history(line);
		/* Ctrl-Z in exec mode: already there (end is no command). */
		if ((end_requested && strstr(c->prompt, "(config") == NULL) ||
		    (leaves(c, line) && !may_leave(c, msg, sizeof(msg)))) {
			end_requested = false;
			free(line);
			continue;
		}
		end_requested = false;
		if (too_long(line))
			printf("%% longer than %u bytes: not sent\n",
			    SHELL_FRAME_MAX);
		else if (asks_for_key(c, line))
			run_key_prompt(c, msg, sizeof(msg));
		else
			run_line(c, line, msg, sizeof(msg));
		free(line);
	}
	free_words();
	if (hist[0] != '\0')
		write_history(hist);
	if (!c->closed)
		send_frame(c, SHELL_HANGUP, NULL, 0);
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tunsh [--socket PATH] [--keep-going] [-c "
	    "'LINE; LINE']\n");
}

/* The session's lines: typed at the terminal, -c's commands, or stdin's;
 * returns tunsh's exit status. */
static int
run(struct client *c, bool terminal, const char *cmd, bool keep_going)
{
	struct source src_stdin = { 0 };
	int rc;

	if (terminal)
		return run_interactive(c);
	if (cmd != NULL) {
		char *copy = strdup(cmd), *v[256];
		struct source src = { .v = v };

		if (copy == NULL) {
			fprintf(stderr, "tunsh: out of memory\n");
			return 2;
		}
		src.n = split_commands(copy, v, 256);
		rc = run_batch(c, &src, keep_going);
		free(copy);
		return rc;
	}
	src_stdin.f = stdin;
	return run_batch(c, &src_stdin, keep_going);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("TUNSH_SOCKET"), *cmd = NULL;
	struct client c = { .fd = -1 };
	bool keep_going = false, terminal;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cmd = optarg;
			break;
		case 's':
			path = optarg;
			break;
		case 'k':
			keep_going = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tunsh %s\n", TUNSH_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (path == NULL || path[0] == '\0')
		path = DEFAULT_SOCKET;
	terminal = cmd == NULL && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	/* A write to a session tunshd has closed fails with EPIPE, and
	 * tunsh then prints why (last_words()). */
	signal(SIGPIPE, SIG_IGN);
	if (connect_daemon(&c, path, terminal) < 0) {
		if (c.fd >= 0)
			close(c.fd);
		free(c.buf);
		return 2;
	}
	rc = run(&c, terminal, cmd, keep_going);
	close(c.fd);
	free(c.buf);
	return rc;
}
