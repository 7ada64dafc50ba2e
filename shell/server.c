/*
 * shell/server.c: tunshd's sessions server.  Listens on the UNIX socket,
 * learns who connected from SO_PEERCRED (shell/peer.c: root and group
 * tunsh-admin are admins, group tunsh operators, anyone else is refused
 * in words), and runs one commands session per connection on the
 * daemon's libevent loop.  It bounds what a client may hold (tunshd(8),
 * LIMITS, Sessions): sessions per user and in total with the last slot
 * kept for admins, the time to HELLO, the idle time, output left unread
 * and the output of one command line.  A bad frame or a bound reached
 * ends that connection only; nothing here blocks the loop.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "shell/server.h"

/*
 * The output queue of a session: above OUT_HIGH bytes tunshd reads no
 * further line of it, and reads again once the client has taken it down
 * to OUT_LOW.  A client that never reads thus costs one command's output
 * (at most max_output) and these bytes, not what it asks for.
 */
#define OUT_HIGH    (256u * 1024)
#define OUT_LOW	    (64u * 1024)
/* Refused connections waiting for their client to read why and close. */
#define REFUSED_MAX 16

enum conn_state {
	CONN_HELLO,   /* accepted, no HELLO yet */
	CONN_SESSION, /* a commands session runs */
	CONN_CLOSING, /* the last frames are queued; closed once written */
	CONN_REFUSED, /* told why; closed when the client has read it */
};

struct conn {
	struct server *srv;
	struct bufferevent *bev;
	struct commands_session *session; /* CONN_SESSION */
	enum conn_state state;
	/* SO_PEERCRED: load and save open files as uid and gid. */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	char user[33];
	enum commands_role role;
	bool throttled;	     /* not reading: output above OUT_HIGH */
	bool running;	     /* the line's command goes on (ping) */
	time_t since;	     /* accepted (monotonic seconds) */
	time_t active;	     /* the client's last frame */
	time_t taken;	     /* the client last took output, or it began */
	size_t out_bytes;    /* output of the line being run */
	bool truncated;	     /* ... which went over max_output */
	size_t lost_notices; /* not queued: the client was not reading */
	/* Paging: the output held back for --More--, and the status and
	 * prompt that follow it. */
	char **pend;
	size_t n_pend, i_pend, cap_pend;
	uint8_t status[2 + 512];
	size_t status_len;
	struct conn *next;
	char last[512]; /* the last line of output, for a failure */
};

struct server {
	struct event_base *base;
	struct commands_env *env;
	struct evconnlistener *listener;
	struct server_limits lim;
	struct event *sweep;	/* each second: the timeouts */
	struct event *resume;	/* accept again after EMFILE */
	unsigned accept_errors; /* in the current burst */
	time_t refusal_logged;	/* rate of the refusal lines */
	unsigned refusals_unlogged;
	struct conn *conns;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static time_t
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static size_t
out_len(const struct conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

static void
send_frame(struct conn *c, uint8_t type, const void *p, size_t len)
{
	uint8_t hdr[SHELL_FRAME_HDR];

	if (shell_frame_header(hdr, type, len) < 0)
		return;
	bufferevent_write(c->bev, hdr, sizeof(hdr));
	if (len > 0)
		bufferevent_write(c->bev, p, len);
}

static void
send_text(struct conn *c, uint8_t type, const char *text)
{
	send_frame(c, type, text, strlen(text));
}

/*
 * A line typed or printed may hold a key (pre-shared-key KEY, show
 * running-config with secrets): copies of ours are wiped before they go
 * back to the allocator.
 */
static void
free_wiped(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void
drop_pending(struct conn *c)
{
	for (size_t i = c->i_pend; i < c->n_pend; i++)
		free_wiped(c->pend[i]);
	c->n_pend = c->i_pend = 0;
}

static void
conn_free(struct conn *c)
{
	struct conn **pp;

	for (pp = &c->srv->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	commands_session_free(c->session);
	bufferevent_free(c->bev);
	drop_pending(c);
	free(c->pend);
	explicit_bzero(c->last, sizeof(c->last));
	free(c);
}

/* No more reading; the connection goes once its output is written (the
 * write callback then sees an empty queue). */
static void
conn_close(struct conn *c)
{
	c->state = CONN_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
}

/* Tell the client why, then close once that is written. */
static void
conn_fatal(struct conn *c, const char *msg)
{
	log_warn("shell", "session of %s closed: %s",
	    c->user[0] ? c->user : "?", msg);
	send_text(c, SHELL_FATAL, msg);
	conn_close(c);
}

/*
 * Ends a running session for a reason (idle, clear session): its user is
 * told why, its candidate is dropped and logged and its configure
 * exclusive released now, even when the client reads nothing more.
 */
static void
conn_end(struct conn *c, const char *why)
{
	struct commands_session *s = c->session;
	char msg[512], fatal[520];
	bool unc = commands_uncommitted(s);
	bool excl = commands_session_exclusive(s);

	snprintf(msg, sizeof(msg), "%% session %u %s%s%s",
	    commands_session_id(s), why,
	    unc ? ": uncommitted changes discarded" : "",
	    excl ? "; configure exclusive released" : "");
	log_info("shell", "session %u of %s %s%s%s", commands_session_id(s),
	    c->user, why, unc ? ": uncommitted changes discarded" : "",
	    excl ? "; configure exclusive released" : "");
	drop_pending(c);
	send_text(c, SHELL_NOTICE, msg);
	snprintf(fatal, sizeof(fatal), "tunshd: %s", msg + 2);
	send_text(c, SHELL_FATAL, fatal);
	/* Closing first: freeing the session logs, and a log line goes to
	 * the sessions (server_notice) that are still running. */
	conn_close(c);
	c->session = NULL;
	commands_session_free(s);
}

/* Output of a command: one frame per line, newline included. */
static void
send_line(struct conn *c, const char *line, size_t n)
{
	char *buf = malloc(n + 1);

	if (buf == NULL)
		return;
	memcpy(buf, line, n);
	buf[n] = '\n';
	send_frame(c, SHELL_OUTPUT, buf, n + 1);
	explicit_bzero(buf, n + 1);
	free(buf);
}

/* A line of output: sent now, or held for paging. */
static void
emit(struct conn *c, const char *line)
{
	char *copy;

	if (commands_page_length(c->session) == 0) {
		send_line(c, line, strlen(line));
		return;
	}
	if (c->n_pend == c->cap_pend) {
		size_t cap = c->cap_pend ? 2 * c->cap_pend : 256;
		char **p = realloc(c->pend, cap * sizeof(*p));

		if (p == NULL)
			return;
		c->pend = p;
		c->cap_pend = cap;
	}
	if ((copy = strdup(line)) != NULL)
		c->pend[c->n_pend++] = copy;
}

/*
 * Output of a command, counted against max_output: a command line runs to
 * its end in one go, so its whole output is in memory at once (queued or
 * held for --More--); past the bound the rest is dropped and the line
 * fails with a word on how to ask for less.
 */
static void
session_out(void *arg, const char *line)
{
	struct conn *c = arg;
	size_t n = strlen(line) + 1;

	if (c->truncated || c->out_bytes + n > c->srv->lim.max_output) {
		c->truncated = true;
		return;
	}
	c->out_bytes += n;
	snprintf(c->last, sizeof(c->last), "%s", line);
	/* A command that goes on streams: no --More-- between replies. */
	if (c->running)
		send_line(c, line, n - 1);
	else
		emit(c, line);
}

static void
send_prompt(struct conn *c)
{
	char prompt[128];

	commands_prompt(c->session, prompt, sizeof(prompt));
	send_text(c, SHELL_PROMPT, prompt);
}

static void
handle_hello(struct conn *c, const struct shell_frame *f)
{
	struct shell_hello h;
	char source[160];

	if (shell_hello_parse(f->payload, f->len, &h) < 0) {
		conn_fatal(c,
		    "tunshd: protocol error: bad HELLO (is tunsh the "
		    "same version as tunshd?)");
		return;
	}
	/* The client's word is checked against /proc, and marked
	 * "(claimed)" where it cannot be: show users and the log show it. */
	peer_source(c->pid, h.source[0] ? h.source : "local", source,
	    sizeof(source));
	c->session = commands_session_new(c->srv->env, c->user, source, c->role,
	    session_out, c);
	if (c->session == NULL) {
		conn_fatal(c, "tunshd: out of memory");
		return;
	}
	commands_session_set_cred(c->session, c->uid, c->gid);
	c->state = CONN_SESSION;
	/* On a terminal, page by its height, as IOS does on a vty. */
	if (h.terminal)
		commands_set_terminal(c->session, h.height, h.width);
	log_info("shell", "session %u of %s (%s) from %s",
	    commands_session_id(c->session), c->user,
	    c->role == COMMANDS_ADMIN ? "admin" : "operator", source);
	send_prompt(c);
}

/* After the output: the line's status, then the prompt (or the end). */
static void
finish_line(struct conn *c)
{
	send_frame(c, SHELL_STATUS, c->status, c->status_len);
	if (commands_session_done(c->session)) {
		conn_close(c);
		return;
	}
	send_prompt(c);
}

/* Sends up to n held lines; --More-- if some remain, else the end. */
static void
page(struct conn *c, size_t n)
{
	for (; n > 0 && c->i_pend < c->n_pend; n--, c->i_pend++) {
		send_line(c, c->pend[c->i_pend], strlen(c->pend[c->i_pend]));
		free_wiped(c->pend[c->i_pend]);
	}
	if (c->i_pend < c->n_pend) {
		send_frame(c, SHELL_MORE, NULL, 0);
		return;
	}
	drop_pending(c);
	finish_line(c);
}

static void line_result(struct conn *c, int rc);

static void
handle_line(struct conn *c, const struct shell_frame *f)
{
	char *line;
	int rc;

	if ((line = strndup((const char *)f->payload, f->len)) == NULL) {
		conn_fatal(c, "tunshd: out of memory");
		return;
	}
	if (memchr(f->payload, '\0', f->len) != NULL ||
	    strchr(line, '\n') != NULL) {
		free_wiped(line);
		conn_fatal(c,
		    "tunshd: protocol error: a line holds a NUL or "
		    "newline byte");
		return;
	}
	if (c->running) {
		free_wiped(line);
		conn_fatal(c,
		    "tunshd: protocol error: a line while the last one runs");
		return;
	}
	drop_pending(c);
	c->last[0] = '\0';
	c->out_bytes = 0;
	c->truncated = false;
	rc = commands_run(c->session, line);
	free_wiped(line);
	if (rc == 1) {
		/* It goes on: what it printed so far goes now, the rest as
		 * it comes; line_done() ends the line. */
		for (; c->i_pend < c->n_pend; c->i_pend++) {
			send_line(c, c->pend[c->i_pend],
			    strlen(c->pend[c->i_pend]));
			free_wiped(c->pend[c->i_pend]);
		}
		drop_pending(c);
		c->running = true;
		return;
	}
	line_result(c, rc);
}

/* The line's status after its output, paged. */
static void
line_result(struct conn *c, int rc)
{
	unsigned length;
	size_t mlen = 0;

	if (c->truncated) {
		snprintf(c->last, sizeof(c->last),
		    "%% output truncated at %zu bytes (tunshd --max-output): "
		    "ask for less, with a filter (| include WORD, | section "
		    "WORD) or a name (show running-config ipsec tunnel NAME)",
		    c->out_bytes);
		emit(c, c->last);
		rc = -1;
	}
	c->status[0] = rc == 0 ? 0 : 1;
	c->status[1] =
	    commands_uncommitted(c->session) ? SHELL_STATUS_UNCOMMITTED : 0;
	if (rc != 0) {
		mlen = strnlen(c->last, sizeof(c->status) - 2);
		memcpy(c->status + 2, c->last, mlen);
	}
	c->status_len = 2 + mlen;
	/* A page is the screen less the --More-- line. */
	length = commands_page_length(c->session);
	page(c, length > 1 ? length - 1 : 1);
}

/* A command that went on (ping) has ended. */
static void
line_done(void *arg, struct commands_session *s, int rc)
{
	struct server *srv = arg;

	for (struct conn *c = srv->conns; c != NULL; c = c->next)
		if (c->session == s && c->running) {
			c->running = false;
			line_result(c, rc);
			return;
		}
}

/* CONTINUE after --More--: ' ' a page, '\r' a line, 'q' the rest away. */
static void
handle_continue(struct conn *c, const struct shell_frame *f)
{
	unsigned length = commands_page_length(c->session);

	if (c->i_pend >= c->n_pend)
		return; /* nothing held: a late key */
	if (f->len >= 1 && (f->payload[0] == 'q' || f->payload[0] == 'Q')) {
		drop_pending(c);
		finish_line(c);
	} else if (f->len >= 1 &&
	    (f->payload[0] == '\r' || f->payload[0] == '\n')) {
		page(c, 1);
	} else {
		page(c, length > 1 ? length - 1 : 1);
	}
}

struct words {
	char *buf;
	size_t len, cap;
	bool full;
};

/* Collects NUL-separated entries for a COMPLETIONS frame. */
static void
add_word(void *arg, const char *w)
{
	struct words *ws = arg;
	size_t n = strlen(w) + 1;

	if (ws->full || ws->len + n > SHELL_FRAME_MAX) {
		ws->full = true;
		return;
	}
	if (ws->len + n > ws->cap) {
		size_t cap = ws->cap ? 2 * ws->cap : 1024;
		char *p;

		while (cap < ws->len + n)
			cap *= 2;
		if ((p = realloc(ws->buf, cap)) == NULL) {
			ws->full = true;
			return;
		}
		ws->buf = p;
		ws->cap = cap;
	}
	memcpy(ws->buf + ws->len, w, n);
	ws->len += n;
}

static void
handle_complete(struct conn *c, const struct shell_frame *f)
{
	struct words ws = { 0 };
	char *line = strndup((const char *)f->payload, f->len);

	if (line == NULL) {
		conn_fatal(c, "tunshd: out of memory");
		return;
	}
	commands_complete(c->session, line, f->type == SHELL_HELP, add_word,
	    &ws);
	send_frame(c, SHELL_COMPLETIONS, ws.buf, ws.len);
	free(ws.buf);
	free_wiped(line);
}

static void
handle_frame(struct conn *c, const struct shell_frame *f)
{
	if (!shell_msg_from_client(f->type)) {
		conn_fatal(c,
		    "tunshd: protocol error: a daemon message from "
		    "a client");
		return;
	}
	if (c->session == NULL && f->type != SHELL_HELLO) {
		conn_fatal(c, "tunshd: protocol error: HELLO expected first");
		return;
	}
	/* Any frame is the client at work: the idle time starts again. */
	c->active = mono();
	if (c->session != NULL)
		commands_session_touch(c->session);
	switch (f->type) {
	case SHELL_HELLO:
		if (c->session != NULL)
			conn_fatal(c, "tunshd: protocol error: a second HELLO");
		else
			handle_hello(c, f);
		break;
	case SHELL_LINE:
		handle_line(c, f);
		break;
	case SHELL_CONTINUE:
		handle_continue(c, f);
		break;
	case SHELL_HANGUP:
		conn_close(c);
		break;
	case SHELL_INTERRUPT:
		if (c->running)
			commands_interrupt(c->session);
		break;
	case SHELL_COMPLETE:
	case SHELL_HELP:
		handle_complete(c, f);
		break;
	}
}

/* The frames that have arrived, until the output queue is too long to
 * read more (the write callback reads on once the client has taken it). */
static void
process_input(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	while (c->state == CONN_HELLO || c->state == CONN_SESSION) {
		size_t avail = evbuffer_get_length(in), used = 0, want;
		uint8_t hdr[SHELL_FRAME_HDR];
		struct shell_frame f;
		const uint8_t *p;
		int rc;

		if (out_len(c) > OUT_HIGH) {
			c->throttled = true;
			bufferevent_disable(c->bev, EV_READ);
			return;
		}
		want = avail < SHELL_FRAME_HDR ? avail : SHELL_FRAME_HDR;
		evbuffer_copyout(in, hdr, want);
		rc = shell_frame_decode(hdr, want, &f, &used);
		if (rc == -EMSGSIZE) {
			conn_fatal(c,
			    "tunshd: line too long: at most 65536 "
			    "bytes");
			return;
		}
		if (rc < 0) {
			conn_fatal(c,
			    "tunshd: protocol error: not a tunsh "
			    "frame");
			return;
		}
		if (want < SHELL_FRAME_HDR)
			return;
		/* The header is good: wait for the whole frame. */
		p = evbuffer_pullup(in, (ssize_t)avail);
		if (shell_frame_decode(p, avail, &f, &used) != 1)
			return;
		handle_frame(c, &f);
		evbuffer_drain(in, used);
	}
	/* Closing with nothing left to write: no write callback will come. */
	if (c->state == CONN_CLOSING && out_len(c) == 0)
		conn_free(c);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->state == CONN_REFUSED) {
		/* Told why already: what it sends now is not read. */
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
		return;
	}
	process_input(c);
}

/* The output went down to OUT_LOW (to 0 when closing). */
static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->state == CONN_CLOSING && out_len(c) == 0) {
		conn_free(c);
	} else if (c->throttled && c->state == CONN_SESSION) {
		c->throttled = false;
		bufferevent_enable(c->bev, EV_READ);
		process_input(c); /* the frames read before the pause */
	}
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		/* The client went away (an SSH drop): the candidate goes. */
		conn_free(c);
	}
}

/* Each time the client takes output (or output starts to wait), the
 * clock of output_seconds starts again. */
static void
out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;

	(void)buf;
	if (info->n_deleted > 0 || (info->orig_size == 0 && info->n_added > 0))
		c->taken = mono();
}

static struct conn *
conn_new(struct server *srv, evutil_socket_t fd, enum conn_state state)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->srv = srv;
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		free(c);
		return NULL;
	}
	c->state = state;
	c->since = c->active = c->taken = mono();
	c->next = srv->conns;
	srv->conns = c;
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	evbuffer_add_cb(bufferevent_get_output(c->bev), out_cb, c);
	/* Read no further ahead than one whole frame: a client that floods
	 * costs one frame of memory, not what it sends. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    SHELL_FRAME_HDR + SHELL_FRAME_MAX);
	bufferevent_setwatermark(c->bev, EV_WRITE, OUT_LOW, 0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return c;
}

/* One log line a second at most for refusals: a flood of connections
 * must not become a flood of lines. */
static void
log_refusal(struct server *srv, const char *msg)
{
	time_t now = mono();

	if (now == srv->refusal_logged) {
		srv->refusals_unlogged++;
		return;
	}
	if (srv->refusals_unlogged > 0)
		log_warn("shell",
		    "%s (and %u more refusals in the second "
		    "before)",
		    msg, srv->refusals_unlogged);
	else
		log_warn("shell", "%s", msg);
	srv->refusal_logged = now;
	srv->refusals_unlogged = 0;
}

/*
 * Refuses a connection in words.  The connection stays until the client
 * has sent its HELLO and read why (closing at once would make its HELLO
 * fail with EPIPE before it reads the reason), at most hello_seconds;
 * past REFUSED_MAX such, the reason is sent best-effort and it goes now.
 */
static void
refuse(struct server *srv, evutil_socket_t fd, const char *msg)
{
	size_t n_refused = 0;
	struct conn *c;

	log_refusal(srv, msg);
	for (c = srv->conns; c != NULL; c = c->next)
		n_refused += c->state == CONN_REFUSED;
	if (n_refused < REFUSED_MAX &&
	    (c = conn_new(srv, fd, CONN_REFUSED)) != NULL) {
		send_text(c, SHELL_FATAL, msg);
		return;
	}
	{
		uint8_t buf[SHELL_FRAME_HDR + 512];
		size_t len = strnlen(msg, sizeof(buf) - SHELL_FRAME_HDR);

		if (shell_frame_header(buf, SHELL_FATAL, len) == 0) {
			memcpy(buf + SHELL_FRAME_HDR, msg, len);
			(void)!send(fd, buf, SHELL_FRAME_HDR + len,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
		}
	}
	close(fd);
}

/* Whether a new connection of uid and role fits the limits; else why. */
static bool
fits(struct server *srv, uid_t uid, const char *user, enum commands_role role,
    char *why, size_t len)
{
	const struct server_limits *l = &srv->lim;
	unsigned total = 0, mine = 0;

	for (struct conn *c = srv->conns; c != NULL; c = c->next)
		if (c->state != CONN_REFUSED) {
			total++;
			mine += c->uid == uid;
		}
	if (mine >= l->max_per_user) {
		snprintf(why, len,
		    "tunshd: too many sessions for user %s (%u, the limit): "
		    "close one (show users lists them) or raise tunshd "
		    "--max-sessions-per-user",
		    user, l->max_per_user);
		return false;
	}
	/* The last slot is an admin's: an operator flood cannot lock an
	 * admin out. */
	if (total >= l->max_sessions ||
	    (role != COMMANDS_ADMIN && total + 1 >= l->max_sessions)) {
		snprintf(why, len,
		    "tunshd: too many sessions (%u open, the limit is %u%s): "
		    "close one (show users lists them) or raise tunshd "
		    "--max-sessions",
		    total, l->max_sessions,
		    role != COMMANDS_ADMIN ? ", the last kept for admins" : "");
		return false;
	}
	return true;
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct server *srv = arg;
	struct ucred cred = { 0 };
	socklen_t clen = sizeof(cred);
	enum commands_role role;
	char user[33] = "?", why[300];
	struct conn *c;

	(void)l;
	(void)sa;
	(void)salen;
	if (srv->accept_errors > 0) {
		log_info("shell",
		    "accepting sessions again on %s (%u failed "
		    "accept() calls before)",
		    srv->path, srv->accept_errors);
		srv->accept_errors = 0;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		close(fd);
		return;
	}
	if (peer_role(cred.uid, user, sizeof(user), &role) < 0) {
		snprintf(why, sizeof(why),
		    "tunshd: user %s may not use tunsh: add it to group "
		    "tunsh (operators) or tunsh-admin (admins)",
		    user);
		refuse(srv, fd, why);
		return;
	}
	if (!fits(srv, cred.uid, user, role, why, sizeof(why))) {
		refuse(srv, fd, why);
		return;
	}
	if ((c = conn_new(srv, fd, CONN_HELLO)) == NULL) {
		close(fd);
		return;
	}
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	c->role = role;
	snprintf(c->user, sizeof(c->user), "%s", user);
}

/*
 * accept() failed.  EMFILE and ENFILE leave the connection in the backlog
 * and the socket readable: accepting again at once would spin.  Pause one
 * second, and log once per burst (the first failure, then a count when
 * accepting works again).
 */
static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct server *srv = arg;
	struct timeval second = { 1, 0 };
	int err = EVUTIL_SOCKET_ERROR();

	if (srv->accept_errors++ == 0)
		log_err("shell",
		    "cannot accept sessions on %s: %s; pausing a second each "
		    "time until it works (raise LimitNOFILE or lower "
		    "--max-sessions)",
		    srv->path, strerror(err));
	evconnlistener_disable(l);
	event_add(srv->resume, &second);
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(srv->listener);
}

/* A session idle past idle_seconds is ended, unless it ran the commit
 * confirmed that waits for its confirmation. */
static void
check_idle(struct conn *c, time_t now)
{
	unsigned idle = c->srv->lim.idle_seconds;
	char words[32], why[80];

	if (idle == 0 || now - c->active < (time_t)idle ||
	    commands_session_confirming(c->session))
		return;
	config_duration_words(idle, words, sizeof(words));
	snprintf(why, sizeof(why),
	    "idle for %s: closed (tunshd --idle-timeout)", words);
	conn_end(c, why);
}

/* Each second: the HELLO, idle and unread-output timeouts. */
static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	const struct server_limits *l = &srv->lim;
	time_t now = mono();
	struct conn *c, *next;
	char msg[200];

	(void)fd;
	(void)what;
	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state == CONN_REFUSED || c->state == CONN_HELLO) {
			if (now - c->since < (time_t)l->hello_seconds)
				continue;
			if (c->state == CONN_REFUSED) {
				conn_free(c);
				continue;
			}
			snprintf(msg, sizeof(msg),
			    "tunshd: no HELLO within %u seconds: closed (is "
			    "this a tunsh client?)",
			    l->hello_seconds);
			conn_fatal(c, msg);
		} else if (out_len(c) > 0 &&
		    now - c->taken >= (time_t)l->output_seconds) {
			/* It reads nothing: a FATAL would wait as well. */
			log_warn("shell",
			    "session of %s dropped: %zu bytes of output "
			    "waited %u seconds unread (tunshd "
			    "--output-timeout)",
			    c->user, out_len(c), l->output_seconds);
			conn_free(c);
		} else if (c->state == CONN_SESSION) {
			check_idle(c, now);
		}
	}
}

static void
end_session(void *arg, struct commands_session *s, const char *why)
{
	struct server *srv = arg;

	for (struct conn *c = srv->conns; c != NULL; c = c->next)
		if (c->session == s) {
			conn_end(c, why);
			return;
		}
}

struct server *
server_new(struct event_base *base, struct commands_env *env, const char *path,
    const struct server_limits *lim, struct diag *d)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval second = { 1, 0 };
	struct server *srv;
	mode_t old_mask;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		diag_error(d, "socket path %s is too long", path);
		return NULL;
	}
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->base = base;
	srv->env = env;
	/* Commands that go on after their line (ping) run on this loop. */
	env->base = base;
	env->line_done = line_done;
	env->line_done_arg = srv;
	srv->lim = *lim;
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	srv->sweep = event_new(base, -1, EV_PERSIST, sweep_cb, srv);
	srv->resume = evtimer_new(base, resume_cb, srv);
	if (srv->sweep == NULL || srv->resume == NULL)
		goto fail;
	unlink(path); /* a socket left by a daemon that died */
	/* Born 0600: nobody may connect before the listener is complete. */
	old_mask = umask(0177);
	srv->listener = evconnlistener_new_bind(base, accept_cb, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	    (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (srv->listener == NULL) {
		diag_error(d, "cannot listen on %s: %s", path, strerror(errno));
		goto fail;
	}
	evconnlistener_set_error_cb(srv->listener, accept_error_cb);
	/*
	 * Mode 0666: anyone may connect, and SO_PEERCRED decides (admins,
	 * operators, or refused in words), so that a user in tunsh-admin
	 * only is let in as tunshd(8) says.  A group-owned 0660 socket can
	 * admit one group, not two.
	 */
	if (chmod(path, 0666) < 0)
		diag_warn(d,
		    "cannot make %s mode 0666: %s: only root can "
		    "connect",
		    path, strerror(errno));
	env->end_session = end_session;
	env->end_arg = srv;
	event_add(srv->sweep, &second);
	return srv;
fail:
	if (srv->sweep != NULL)
		event_free(srv->sweep);
	if (srv->resume != NULL)
		event_free(srv->resume);
	free(srv);
	return NULL;
}

void
server_notice(struct server *srv, const char *text, bool monitor_only)
{
	char lost[120];

	for (struct conn *c = srv->conns; c != NULL; c = c->next) {
		if (c->state != CONN_SESSION ||
		    (monitor_only && !commands_monitor(c->session)))
			continue;
		/* A client that does not read gets no more to not read. */
		if (out_len(c) > OUT_HIGH) {
			c->lost_notices++;
			continue;
		}
		if (c->lost_notices > 0) {
			snprintf(lost, sizeof(lost),
			    "%% %zu notices lost: this session did not read "
			    "its output",
			    c->lost_notices);
			send_text(c, SHELL_NOTICE, lost);
			c->lost_notices = 0;
		}
		send_text(c, SHELL_NOTICE, text);
	}
}

void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	srv->env->end_session = NULL;
	while (srv->conns != NULL)
		conn_free(srv->conns);
	evconnlistener_free(srv->listener);
	event_free(srv->sweep);
	event_free(srv->resume);
	unlink(srv->path);
	free(srv);
}
