/*
 * shell/daemon.c: tunshd running: the configuration store, the sessions
 * server and the timers on one libevent loop, signals, and logging to
 * syslog (or stderr in the foreground).  The IKE daemon and the kernel
 * layer will join this loop as the store's apply ops.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "shell/daemon.h"
#include "shell/server.h"

static void
syslog_sink(enum log_level lvl, const char *subsys, const char *func,
    const char *msg, void *arg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	(void)arg;
	(void)func;
	syslog(prio[lvl], "%s: %s", subsys, msg);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	log_info("shell", "signal %d: stopping", (int)sig);
	event_base_loopbreak(arg);
}

/* commit confirmed: revert when its time is up. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct diag d;

	(void)fd;
	(void)what;
	diag_init(&d);
	if (config_store_poll(arg, &d) < 0)
		for (size_t i = 0; i < d.count; i++)
			log_err("config", "%s", d.entries[i].text);
	diag_clear(&d);
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

int
daemon_run(const struct daemon_opts *o)
{
	struct config_store_params p = { 0 };
	struct commands_env env = { .version = TUNSH_VERSION };
	struct event *sigterm, *sigint, *tick;
	struct timeval second = { 1, 0 };
	struct server *srv = NULL;
	struct event_base *base;
	char hist[4096], sockdir[4096];
	struct diag d;
	int rc = 1;

	log_ring_init(1000); /* the recent lines, for show log */
	snprintf(hist, sizeof(hist), "%s/commits", o->state_dir);
	snprintf(sockdir, sizeof(sockdir), "%s", o->socket);
	if (strrchr(sockdir, '/') != NULL)
		*strrchr(sockdir, '/') = '\0';
	if (make_dir(o->state_dir, 0700) < 0 ||
	    (sockdir[0] != '\0' && make_dir(sockdir, 0755) < 0))
		return 1;
	p.path = o->config;
	p.history_dir = hist;
	diag_init(&d);
	env.store = config_store_open(&p, &d);
	print_all(&d);
	diag_clear(&d);
	if (env.store == NULL) {
		fprintf(stderr, "tunshd: %s: not started\n", o->config);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		goto out;
	srv = server_new(base, &env, o->socket, &d);
	print_all(&d);
	diag_clear(&d);
	if (srv == NULL)
		goto out;
	if (!o->foreground) {
		if (daemon(0, 0) < 0 || event_reinit(base) < 0)
			goto out;
		openlog("tunshd", LOG_PID, LOG_DAEMON);
		log_set_sink(syslog_sink, NULL);
	}
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	tick = event_new(base, -1, EV_PERSIST, on_tick, env.store);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	event_add(tick, &second);
	log_info("shell", "tunshd %s: %s, listening on %s", TUNSH_VERSION,
	    o->config, o->socket);
	rc = event_base_dispatch(base) < 0;
	event_free(sigterm);
	event_free(sigint);
	event_free(tick);
out:
	server_free(srv);
	if (base != NULL)
		event_base_free(base);
	config_store_free(env.store);
	log_ring_init(0);
	return rc;
}
