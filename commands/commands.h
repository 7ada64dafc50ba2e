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
	struct ipaddr dst;
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
	bool xfrmi;	      /* an XFRM interface, else a VTI */
	struct ipaddr inside; /* its inside address; family 0: none */
	bool up;	/* the routes are active: a CHILD SA, no monitor down */
	uint64_t since; /* wall seconds up last changed; 0: never up */
	/* It has a CHILD SA, but its monitor is down: routes withdrawn. */
	bool probe_down;
	uint64_t probe_since;
	size_t n_routes;
	struct commands_route routes[CONFIG_NETS_MAX];
};

/* A tunnel's traffic monitor (shell/monitor.c), for show ipsec tunnel. */
struct commands_monitor {
	uint32_t dst, src; /* src: 0 when none was found */
	const char *state; /* "up", "down" or "off" (no CHILD SA) */
	uint64_t since;	   /* wall seconds the state last changed */
	uint64_t sent, answered;
	uint32_t misses; /* unanswered in a row */
	uint32_t threshold, interval;
	bool has_rtt;
	uint32_t last_rtt_us; /* of the last answer */
	uint64_t restarts;    /* negotiations it asked for */
	char last_error[128]; /* why the last probe could not go; "" */
};

struct event_base;

/*
 * What diagnose asks of this host beyond the IKE engine (commands/
 * host.c has the real ones; tests give their own).  Each returns 0 or a
 * negative errno.
 */
struct commands_host_ops {
	/* Whether addr (a single address of either family) is an address of
	 * one of this host's interfaces. */
	int (*addr_is_local)(void *arg, const struct ipaddr *addr, bool *yes);
	/* The source address the kernel would use towards dst, of dst's
	 * family; -ENETUNREACH when there is no route to it. */
	int (*route_src)(void *arg, const struct ipaddr *dst,
	    struct ipaddr *src);
	/* An address of this host inside the prefix p, of p's family (for
	 * ping source vlan ID); -EADDRNOTAVAIL when none is. */
	int (*addr_in)(void *arg, const struct ipaddr *p, struct ipaddr *out);
};

struct commands_env {
	struct config_store *store;
	/*
	 * The loop that commands which go on after their line (ping,
	 * traceroute, diagnose's second sample) run on, and who is told
	 * when such a line ends, rc 0 or -1.  NULL: those commands say they
	 * cannot run (diagnose then states what needs a second sample as
	 * unknown).
	 */
	struct event_base *base;
	void (*line_done)(void *arg, struct commands_session *s, int rc);
	void *line_done_arg;
	/* NULL: commands/host.c's, on this host's kernel. */
	const struct commands_host_ops *host;
	void *host_arg;
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
	/* The tunnel's monitor, when it has one; NULL: none are known. */
	bool (*monitor)(void *arg, const char *tunnel,
	    struct commands_monitor *out);
	void *monitor_arg;
	const char *version; /* for show version */
	/*
	 * Names in a candidate (peers and local addresses given by name),
	 * for commit and commit check (commands/names.c): names_pending
	 * asks for each one not known now and says how many are still
	 * being asked; names_check adds a warning to d for each that does
	 * not resolve now (and, for check, what the commit would refuse).
	 * NULL: names are not asked.
	 */
	size_t (*names_pending)(void *arg, const struct config *cfg);
	void (*names_check)(void *arg, const struct config *cfg,
	    bool check_only, struct diag *d);
	void *names_arg;
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
/*
 * Runs one line; returns 0 when it succeeded, -1 when it failed, 1 when
 * its command goes on (ping): its output keeps coming through out, and
 * env->line_done says when it ended and how.  No line may be run on the
 * session until then.
 */
int commands_run(struct commands_session *s, const char *line);
/* A command that goes on (commands_run returned 1) has not ended yet. */
bool commands_running(const struct commands_session *s);
/* Ctrl-C: the command that goes on stops soon (ping prints its summary);
 * nothing when none does. */
void commands_interrupt(struct commands_session *s);
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
