/*
 * shell/daemon.c: tunshd running: the configuration store, the sessions
 * server and the timers on one libevent loop, signals, and logging to
 * syslog (or stderr in the foreground).  The IKE engine and the kernel
 * (shell/live.c) are on the same loop and are the store's apply ops, and
 * so is GET /metrics (shell/metrics.c), where metrics listen says.
 * Under systemd (tunshd.service, Type=notify) it says READY=1 once the
 * socket listens and the configuration is applied, and sends the
 * watchdog's keep-alives from a timer on this loop, so that a loop that
 * hangs stops them and systemd restarts tunshd.
 */
#include <errno.h>
#include <event2/event.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "shell/daemon.h"
#include "shell/metrics.h"
#include "shell/monitor.h"
#include "shell/resolve.h"
#include "shell/server.h"

/* What the loop's callbacks share. */
struct daemon {
	struct config_store *store;
	struct server *srv;
	bool to_syslog;
	bool to_journal; /* stderr is the journal: "<3>" prefixes */
};

/* Log lines go to syslog (or stderr in the foreground) and to every
 * session that asked for them with terminal monitor. */
static void
log_sink(enum log_level lvl, const char *subsys, const char *func,
    const char *msg, void *arg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	struct daemon *dm = arg;
	char line[1100];

	if (dm->to_syslog)
		syslog(prio[lvl], "%s: %s", subsys, msg);
	else if (dm->to_journal) /* sd-daemon(3): the line's priority */
		fprintf(stderr, "<%d>%s %s: %s\n", prio[lvl], subsys, func,
		    msg);
	else
		fprintf(stderr, "%s %s %s: %s\n", log_level_name(lvl), subsys,
		    func, msg);
	if (dm->srv != NULL) {
		snprintf(line, sizeof(line), "%s %s: %s", log_level_name(lvl),
		    subsys, msg);
		server_notice(dm->srv, line, true);
	}
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	log_info("shell", "signal %d: stopping", (int)sig);
	event_base_loopbreak(arg);
}

/* commit confirmed: revert when its time is up, and tell everyone. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *dm = arg;
	const struct config_commit_info *h;
	char msg[300];
	struct diag d;
	int rc;

	(void)fd;
	(void)what;
	diag_init(&d);
	rc = config_store_poll(dm->store, &d);
	if (rc < 0)
		for (size_t i = 0; i < d.count; i++)
			log_err("config", "%s", d.entries[i].text);
	if (rc == 1 && (h = config_store_history(dm->store, 0)) != NULL) {
		snprintf(msg, sizeof(msg), "%% %s (now version %llu)",
		    h->comment, (unsigned long long)h->version);
		server_notice(dm->srv, msg, false);
	}
	diag_clear(&d);
}

/* Whether stderr is the journal's stream that systemd gave us (it names
 * it in $JOURNAL_STREAM as "DEVICE:INODE"), not a terminal or file that
 * a process under a unit passed on. */
static bool
stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (env == NULL || sscanf(env, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* WatchdogSec: a keep-alive from the loop itself, twice a period. */
static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}

/*
 * The keep-alive timer when systemd asked for one ($WATCHDOG_USEC for
 * this pid), or NULL.  Only the loop sends them: a callback that never
 * returns stops them, and systemd kills and restarts tunshd.
 */
static struct event *
watchdog_start(struct event_base *base)
{
	struct timeval half;
	struct event *ev;
	uint64_t usec;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return NULL;
	usec /= 2;
	half.tv_sec = (time_t)(usec / 1000000);
	half.tv_usec = (suseconds_t)(usec % 1000000);
	if ((ev = event_new(base, -1, EV_PERSIST, on_watchdog, NULL)) == NULL)
		return NULL;
	event_add(ev, &half);
	log_info("shell", "watchdog: a keep-alive every %llu ms",
	    (unsigned long long)(usec / 1000));
	return ev;
}

static void
print_all(const struct diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		fprintf(stderr, "tunshd: %s\n", d->entries[i].text);
}

/* /run/tunsh for the socket, /var/lib/tunsh/commits for the history. */
static int
make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "tunshd: cannot create %s: %s\n", path,
	    strerror(errno));
	return -1;
}

/*
 * Sessions must never take the descriptors the daemon's own work needs
 * (a commit's writes, the history, netlink, IKE sockets): the soft limit
 * goes up to the hard one, and max_sessions must leave SERVER_FD_RESERVE
 * of it, or tunshd does not start.
 */
static int
raise_nofile(unsigned max_sessions)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)max_sessions + SERVER_FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0; /* nothing known: nothing to check */
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		fprintf(stderr,
		    "tunshd: --max-sessions %u needs %llu file descriptors "
		    "(%u kept for the daemon), and RLIMIT_NOFILE is %llu: "
		    "lower --max-sessions or raise the limit (LimitNOFILE=, "
		    "ulimit -n)\n",
		    max_sessions, (unsigned long long)need, SERVER_FD_RESERVE,
		    (unsigned long long)rl.rlim_cur);
		return -1;
	}
	return 0;
}

/*
 * The directories tunshd writes to, made if absent (the state directory
 * 0700, the socket's 0755), and the descriptor limit its sessions need;
 * hist gets the commit history's directory.  Says what failed on stderr.
 */
static int
prepare(const struct daemon_opts *o, char *hist, size_t len)
{
	char sockdir[4096];

	snprintf(hist, len, "%s/commits", o->state_dir);
	snprintf(sockdir, sizeof(sockdir), "%s", o->socket);
	if (strrchr(sockdir, '/') != NULL)
		*strrchr(sockdir, '/') = '\0';
	else
		sockdir[0] = '\0'; /* a socket in the current directory */
	if (raise_nofile(o->limits.max_sessions) < 0)
		return -1;
	if (make_dir(o->state_dir, 0700) < 0 ||
	    (sockdir[0] != '\0' && make_dir(sockdir, 0755) < 0))
		return -1;
	return 0;
}

/*
 * The loop, until SIGTERM or SIGINT: detached and logging to syslog
 * unless in the foreground, a tick every second, systemd's watchdog fed
 * and told when tunshd is ready and when it stops.  0, or 1 when the loop
 * could not run.
 */
static int
serve(struct event_base *base, struct daemon *dm, const struct daemon_opts *o)
{
	struct event *sigterm, *sigint, *tick, *watchdog;
	struct timeval second = { 1, 0 };
	int rc;

	if (!o->foreground) {
		if (daemon(0, 0) < 0 || event_reinit(base) < 0)
			return 1;
		openlog("tunshd", LOG_PID, LOG_DAEMON);
		dm->to_syslog = true;
	} else
		dm->to_journal = stderr_is_journal();
	log_set_sink(log_sink, dm);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	tick = event_new(base, -1, EV_PERSIST, on_tick, dm);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	event_add(tick, &second);
	watchdog = watchdog_start(base);
	log_info("shell", "tunshd %s: %s, listening on %s", TUNSH_VERSION,
	    o->config, o->socket);
	/* The socket listens and the store applied the file: ready. */
	sd_notifyf(0, "READY=1\nMAINPID=%ld\nSTATUS=listening on %s",
	    (long)getpid(), o->socket);
	rc = event_base_dispatch(base) < 0;
	sd_notify(0, "STOPPING=1");
	if (watchdog != NULL)
		event_free(watchdog);
	event_free(sigterm);
	event_free(sigint);
	event_free(tick);
	return rc;
}

int
daemon_run(const struct daemon_opts *o)
{
	struct config_store_params p = { 0 };
	struct commands_env env = { .version = TUNSH_VERSION };
	struct daemon dm = { 0 };
	struct server *srv = NULL;
	struct metrics *metrics = NULL;
	struct live_opts lo = { o->kernel, o->ike_port, o->natt_port,
		o->ike_half_open_per_peer, o->ike_half_open_max,
		o->ike_fragment_size, o->ike_fragment_off, o->clamp };
	struct live *live = NULL;
	struct event_base *base;
	char hist[4096];
	struct diag d;
	int rc = 1;

	log_ring_init(1000); /* the recent lines, for show log */
	if (prepare(o, hist, sizeof(hist)) < 0)
		return 1;
	p.path = o->config;
	p.history_dir = hist;
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		return 1;
	diag_init(&d);
	live = live_open(base, &lo, &d);
	print_all(&d);
	diag_clear(&d);
	if (live == NULL) {
		fprintf(stderr,
		    "tunshd: the kernel cannot be reached: not "
		    "started (--kernel none runs without one)\n");
		goto out;
	}
	p.apply = &live_apply_ops;
	p.apply_arg = live;
	env.ike = live_engine(live);
	/* Before the store: opening it applies metrics listen. */
	if ((metrics = metrics_new(base, env.ike, &d)) == NULL) {
		print_all(&d);
		diag_clear(&d);
		goto out;
	}
	live_set_metrics(live, metrics);
	env.dataplane = live_dataplane_status;
	env.dataplane_arg = live;
	env.monitor = monitor_set_status;
	env.monitor_arg = live_monitor(live);
	env.names_pending = resolver_config_pending;
	env.names_check = resolver_config_check;
	env.names_arg = live_resolver(live);
	env.store = config_store_open(&p, &d);
	print_all(&d);
	diag_clear(&d);
	if (env.store == NULL) {
		fprintf(stderr, "tunshd: %s: not started\n", o->config);
		goto out;
	}
	live_set_started(live);
	/* The file's parse tree and the first plan are freed but glibc keeps
	 * their pages: given back, an idle tunnel costs 2 kB of RSS, not 3.2
	 * (bench/config_rss). */
	malloc_trim(0);
	metrics_set_sources(metrics, env.store, &env);
	srv = server_new(base, &env, o->socket, &o->limits, &d);
	print_all(&d);
	diag_clear(&d);
	if (srv == NULL)
		goto out;
	dm.store = env.store;
	dm.srv = srv;
	rc = serve(base, &dm, o);
out:
	log_set_sink(NULL, NULL); /* dm and srv go now */
	if (live != NULL)
		live_set_metrics(live, NULL);
	metrics_free(metrics);
	server_free(srv);
	config_store_free(env.store);
	live_free(live);
	event_base_free(base);
	log_ring_init(0);
	return rc;
}
