/*
 * shell/server.c: tunshd's sessions server.  Listens on the UNIX socket,
 * learns who connected from SO_PEERCRED (root and group tunsh-admin are
 * admins, group tunsh operators, anyone else is refused), and runs one
 * commands session per connection on the daemon's libevent loop.  A bad
 * frame ends that connection only; nothing here blocks the loop.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "shell/server.h"

struct conn {
	struct server *srv;
	struct bufferevent *bev;
	struct commands_session *session; /* after HELLO */
	char user[33];
	uid_t uid; /* SO_PEERCRED: load and save open files as them */
	gid_t gid;
	enum commands_role role;
	bool closing; /* close once the output is written */
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
	struct conn *conns;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

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
	for (size_t i = c->i_pend; i < c->n_pend; i++)
		free(c->pend[i]);
	free(c->pend);
	free(c);
}

/* Tell the client why, then close once that is written. */
static void
conn_fatal(struct conn *c, const char *msg)
{
	log_warn("shell", "session of %s closed: %s",
	    c->user[0] ? c->user : "?", msg);
	send_text(c, SHELL_FATAL, msg);
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
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
	free(buf);
}

/* Output of a command: one frame per line, or held for paging. */
static void
session_out(void *arg, const char *line)
{
	struct conn *c = arg;
	char *copy;

	snprintf(c->last, sizeof(c->last), "%s", line);
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
	snprintf(source, sizeof(source), "%s",
	    h.source[0] ? h.source : "local");
	c->session = commands_session_new(c->srv->env, c->user, source, c->role,
	    session_out, c);
	if (c->session == NULL) {
		conn_fatal(c, "tunshd: out of memory");
		return;
	}
	commands_session_set_cred(c->session, c->uid, c->gid);
	/* On a terminal, page by its height, as IOS does on a vty. */
	if (h.terminal)
		commands_set_terminal(c->session, h.height, h.width);
	log_info("shell", "session of %s (%s) from %s", c->user,
	    c->role == COMMANDS_ADMIN ? "admin" : "operator", source);
	send_prompt(c);
}

/* After the output: the line's status, then the prompt (or the end). */
static void
finish_line(struct conn *c)
{
	send_frame(c, SHELL_STATUS, c->status, c->status_len);
	if (commands_session_done(c->session)) {
		c->closing = true;
		bufferevent_disable(c->bev, EV_READ);
		return;
	}
	send_prompt(c);
}

static void
drop_pending(struct conn *c)
{
	for (size_t i = c->i_pend; i < c->n_pend; i++)
		free(c->pend[i]);
	c->n_pend = c->i_pend = 0;
}

/* Sends up to n held lines; --More-- if some remain, else the end. */
static void
page(struct conn *c, size_t n)
{
	for (; n > 0 && c->i_pend < c->n_pend; n--, c->i_pend++) {
		send_line(c, c->pend[c->i_pend], strlen(c->pend[c->i_pend]));
		free(c->pend[c->i_pend]);
	}
	if (c->i_pend < c->n_pend) {
		send_frame(c, SHELL_MORE, NULL, 0);
		return;
	}
	drop_pending(c);
	finish_line(c);
}

static void
handle_line(struct conn *c, const struct shell_frame *f)
{
	unsigned length;
	char *line;
	size_t mlen = 0;
	int rc;

	if ((line = strndup((const char *)f->payload, f->len)) == NULL) {
		conn_fatal(c, "tunshd: out of memory");
		return;
	}
	if (memchr(f->payload, '\0', f->len) != NULL ||
	    strchr(line, '\n') != NULL) {
		free(line);
		conn_fatal(c,
		    "tunshd: protocol error: a line holds a NUL or "
		    "newline byte");
		return;
	}
	drop_pending(c);
	c->last[0] = '\0';
	rc = commands_run(c->session, line);
	free(line);
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
	free(line);
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
		c->closing = true;
		bufferevent_disable(c->bev, EV_READ);
		break;
	case SHELL_COMPLETE:
	case SHELL_HELP:
		handle_complete(c, f);
		break;
	}
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (!c->closing) {
		size_t avail = evbuffer_get_length(in), used = 0, want;
		uint8_t hdr[SHELL_FRAME_HDR];
		struct shell_frame f;
		const uint8_t *p;
		int rc;

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
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->closing)
		conn_free(c);
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

/* The gid of a group, or -1: getgrnam() returns static storage, so the
 * gid is copied out at once (two calls must not share one result). */
static long
group_id(const char *name)
{
	struct group *g = getgrnam(name);

	return g != NULL ? (long)g->gr_gid : -1;
}

/* Root and group tunsh-admin administer; group tunsh operates. */
static int
role_of(uid_t uid, char *user, size_t len, enum commands_role *role)
{
	struct passwd *pw = getpwuid(uid);
	gid_t groups[256];
	int n = (int)(sizeof(groups) / sizeof(groups[0]));
	long admin = group_id("tunsh-admin"), oper = group_id("tunsh");
	bool is_oper = false;

	snprintf(user, len, "%s", pw ? pw->pw_name : "?");
	if (uid == 0) {
		*role = COMMANDS_ADMIN;
		return 0;
	}
	if (pw == NULL || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return -EPERM;
	for (int i = 0; i < n; i++) {
		if (admin >= 0 && groups[i] == (gid_t)admin) {
			*role = COMMANDS_ADMIN;
			return 0;
		}
		is_oper |= oper >= 0 && groups[i] == (gid_t)oper;
	}
	if (!is_oper)
		return -EPERM;
	*role = COMMANDS_OPERATOR;
	return 0;
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct server *srv = arg;
	struct ucred cred = { 0 };
	socklen_t clen = sizeof(cred);
	struct conn *c;

	(void)l;
	(void)sa;
	(void)salen;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->srv = srv;
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->next = srv->conns;
	srv->conns = c;
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	/* Read no further ahead than one whole frame: a client that floods
	 * costs one frame of memory, not what it sends. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    SHELL_FRAME_HDR + SHELL_FRAME_MAX);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 ||
	    role_of(cred.uid, c->user, sizeof(c->user), &c->role) < 0) {
		char msg[200];

		snprintf(msg, sizeof(msg),
		    "tunshd: user %s may not use tunsh: add it to group "
		    "tunsh (operators) or tunsh-admin (admins)",
		    c->user[0] ? c->user : "?");
		conn_fatal(c, msg);
	}
	c->uid = cred.uid;
	c->gid = cred.gid;
}

struct server *
server_new(struct event_base *base, struct commands_env *env, const char *path,
    struct diag *d)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct server *srv;
	struct group *gr;
	mode_t old_mask;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		diag_error(d, "socket path %s is too long", path);
		return NULL;
	}
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->base = base;
	srv->env = env;
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path); /* a socket left by a daemon that died */
	/* Born 0600: nobody may connect before the mode below is set. */
	old_mask = umask(0177);
	srv->listener = evconnlistener_new_bind(base, accept_cb, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	    (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (srv->listener == NULL) {
		diag_error(d, "cannot listen on %s: %s", path, strerror(errno));
		free(srv);
		return NULL;
	}
	/* Mode 0660, group tunsh: who may connect at all. */
	if ((gr = getgrnam("tunsh")) != NULL && chown(path, 0, gr->gr_gid) < 0)
		diag_warn(d, "cannot give %s to group tunsh: %s", path,
		    strerror(errno));
	chmod(path, gr != NULL ? 0660 : 0600);
	return srv;
}

void
server_notice(struct server *srv, const char *text, bool monitor_only)
{
	for (struct conn *c = srv->conns; c != NULL; c = c->next)
		if (c->session != NULL && !c->closing &&
		    (!monitor_only || commands_monitor(c->session)))
			send_text(c, SHELL_NOTICE, text);
}

void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	while (srv->conns != NULL)
		conn_free(srv->conns);
	evconnlistener_free(srv->listener);
	unlink(srv->path);
	free(srv);
}
