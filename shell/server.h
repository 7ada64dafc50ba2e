/*
 * shell/server.h: tunshd's sessions server, private to shell/.
 */
#ifndef TUNSH_SHELL_SERVER_H
#define TUNSH_SHELL_SERVER_H

#include <event2/event.h>
#include <sys/types.h>

#include "commands/commands.h"
#include "shell/shell.h"

/* The defaults of the bounds below (tunshd(8), LIMITS, Sessions). */
#define SERVER_MAX_SESSIONS	 64
#define SERVER_MAX_SESSIONS_USER 8
#define SERVER_IDLE_SECONDS	 (30 * 60)
#define SERVER_HELLO_SECONDS	 10
#define SERVER_OUTPUT_SECONDS	 60
#define SERVER_MAX_OUTPUT	 (16u * 1024 * 1024)
/* File descriptors kept for the daemon's own work (commit writes, the
 * history, netlink, IKE sockets, syslog), never given to sessions. */
#define SERVER_FD_RESERVE	 128

/* What one client may hold; every field is an option of tunshd. */
struct server_limits {
	unsigned max_sessions;	 /* in total, admins' last slot included */
	unsigned max_per_user;	 /* per uid, root's too */
	unsigned idle_seconds;	 /* no line for this long: ended; 0 never */
	unsigned hello_seconds;	 /* connected without a HELLO for this long */
	unsigned output_seconds; /* output waiting, none of it taken */
	size_t max_output;	 /* bytes of output of one command line */
};

struct server;

/* Listens on path, mode 0666: who may do what is SO_PEERCRED's. */
struct server *server_new(struct event_base *base, struct commands_env *env,
    const char *path, const struct server_limits *lim, struct diag *d);
/* Tells every session now (monitor_only: those with terminal monitor). */
void server_notice(struct server *srv, const char *text, bool monitor_only);
/* Ends every session (uncommitted candidates are dropped and logged). */
void server_free(struct server *srv);

/* shell/peer.c: who is at the other end of a connection. */

/* Root and group tunsh-admin administer, group tunsh operates: 0, or
 * -EPERM for anyone else.  user gets the name of uid either way. */
int peer_role(uid_t uid, char *user, size_t len, enum commands_role *role);
/*
 * The source a client claims in its HELLO, checked against the process
 * at the other end (pid from SO_PEERCRED): an "ssh ADDR PORT" claim holds
 * when an sshd run by root among the process's ancestors has that TCP
 * connection; "console TTY" when the process's standard input is TTY.
 * out gets the claim as it is when it holds, else the claim followed by
 * " (claimed)".  Returns true when it holds.
 */
bool peer_source(pid_t pid, const char *claim, char *out, size_t len);

#endif
