/*
 * commands/commands.h: the command tree of the shell and the sessions
 * that run it.  One session is one libcli cli_def with its own mode, its
 * own candidate configuration and its own output sink; tunshd feeds it one
 * line at a time (libcli's blocking cli_loop() is never used).
 */
#ifndef TUNSH_COMMANDS_H
#define TUNSH_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config/config.h"
#include "ike/ike.h"

/* What every session of one daemon shares. */
struct commands_session;

/* A route of a route-based tunnel, as tunshd holds it in the kernel. */
struct commands_route {
	struct prefix4 dst;
	uint32_t metric;     /* its own: 100, 110 ... */
	uint32_t metric_now; /* in the kernel: 1000 more while withdrawn */
	bool best; /* no route of tunshd's to dst has a lower metric now */
	/* The kernel refused to move it where the tunnel's state wants it
	 * (the log says why): metric_now is where it stayed. */
	bool stuck;
};

/* A route-based tunnel's interface and routes (shell/dataplane.c). */
struct commands_dataplane {
	char ifname[16];
	bool xfrmi;	       /* an XFRM interface, else a VTI */
	struct prefix4 inside; /* its inside address; len 0: none */
	bool up;	       /* it has a CHILD SA: the routes are active */
	uint64_t since;	       /* wall seconds up last changed; 0: never up */
	size_t n_routes;
	struct commands_route routes[CONFIG_NETS_MAX];
};

struct commands_env {
	struct config_store *store;
	/* The live IKE engine for show ipsec, clear and test; NULL when
	 * tunshd runs without one (then those commands say so). */
	struct ike_engine *ike;
	/*
	 * The interface and routes of a route-based tunnel, for show ipsec
	 * tunnel: fills out and returns true when the tunnel has them.
	 * NULL: none are known (then nothing is said of routes).
	 */
	bool (*dataplane)(void *arg, const char *tunnel,
	    struct commands_dataplane *out);
	void *dataplane_arg;
	const char *version; /* for show version */
	/* Kept by commands/: every session, and who holds configure
	 * exclusive. */
	struct commands_session *sessions;
	struct commands_session *exclusive;
	unsigned last_id; /* the id of the newest session */
	/*
	 * Set by the owner of the sessions (tunshd's server): ends session s
	 * for clear session, telling its user why; s is freed before it
	 * returns.  NULL: clear session says it cannot.
	 */
	void (*end_session)(void *arg, struct commands_session *s,
	    const char *why);
	void *end_arg;
};

enum commands_role {
	COMMANDS_OPERATOR, /* exec-mode commands, secrets masked */
	COMMANDS_ADMIN,	   /* may configure and see secrets */
};

/* Receives each line of output, without its newline. */
typedef void (*commands_out_fn)(void *arg, const char *line);

struct commands_session *commands_session_new(struct commands_env *env,
    const char *user, const char *source, enum commands_role role,
    commands_out_fn out, void *arg);
/*
 * Who the session's user is (SO_PEERCRED), set after commands_session_new:
 * load and save open files with these rights.  Without it a session opens
 * no file at all.
 */
void commands_session_set_cred(struct commands_session *s, uid_t uid,
    gid_t gid);
/* Ends a session; an uncommitted candidate is dropped and logged. */
void commands_session_free(struct commands_session *s);
/* Runs one line; returns 0 when it succeeded, -1 when it failed. */
int commands_run(struct commands_session *s, const char *line);
/* The session asked to end (exit at exec, logout). */
bool commands_session_done(const struct commands_session *s);
/* "fw1#", "fw1(config-ipsec-tunnel-aws-1)#", "fw1>" for operators. */
void commands_prompt(const struct commands_session *s, char *buf, size_t len);
/*
 * What may follow a line in progress: completions of its last word (Tab),
 * or each possible next word with its help ('?'), one per call of fn.
 * Returns how many, or -1.
 */
int commands_complete(struct commands_session *s, const char *line, bool help,
    commands_out_fn fn, void *arg);
/* Lines per page of output (terminal length; 0: no paging). */
unsigned commands_page_length(const struct commands_session *s);
void commands_set_terminal(struct commands_session *s, unsigned length,
    unsigned width);
/* terminal monitor: the session wants the daemon's log lines. */
bool commands_monitor(const struct commands_session *s);
/* The candidate differs from running. */
bool commands_uncommitted(const struct commands_session *s);

/* commands/sessions.c: the bookkeeping the server's limits read. */

/* The number show users lists and clear session takes (1, 2, ...). */
unsigned commands_session_id(const struct commands_session *s);
/* The client did something (a line, Tab, '?', a key at --More--). */
void commands_session_touch(struct commands_session *s);
/* This session ran the commit confirmed that is waiting for its
 * confirmation: the idle timeout spares it. */
bool commands_session_confirming(const struct commands_session *s);
/* This session holds configure exclusive. */
bool commands_session_exclusive(const struct commands_session *s);
/* The sessions open now (those show users lists). */
size_t commands_session_count(const struct commands_env *env);

#endif
