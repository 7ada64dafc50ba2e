/*
 * lib/log.c: levelled logging with one replaceable sink.  The default sink
 * writes "LEVEL subsys func: message" to stderr; tunshd installs its own.
 * It formats and hands over; what reaches the log is the caller's
 * business, and key material must never be passed in.  Messages carry
 * text users gave (commit comments, names, where a session came from),
 * so control characters are escaped here, once, before the ring, the
 * sink (syslog, terminal monitor) or stderr sees them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/lib.h"

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "ERR",
	[LOG_LVL_WARN] = "WARN",
	[LOG_LVL_INFO] = "INFO",
	[LOG_LVL_DEBUG] = "DEBUG",
};

/* The recent lines, for show log: a ring of fixed-size entries. */
#define RING_LINE 256
static char (*ring)[RING_LINE];
static size_t ring_cap, ring_next, ring_count;

static log_sink_fn sink;
static void *sink_arg;
static enum log_level max_level = LOG_LVL_INFO;

void
log_set_sink(log_sink_fn fn, void *arg)
{
	sink = fn;
	sink_arg = fn != NULL ? arg : NULL;
}

void
log_set_level(enum log_level max)
{
	max_level = max;
}

const char *
log_level_name(enum log_level lvl)
{
	if ((size_t)lvl >= sizeof(level_names) / sizeof(level_names[0]))
		return "?";
	return level_names[lvl];
}

static void
ring_add(enum log_level lvl, const char *subsys, const char *msg)
{
	char *line = ring[ring_next], when[24];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	n = snprintf(line, RING_LINE, "%s %s %s: ", when, log_level_name(lvl),
	    subsys);
	/* A long message is cut to the ring's line. */
	if (n > 0 && (size_t)n < RING_LINE) {
		size_t m = strnlen(msg, RING_LINE - (size_t)n - 1);

		memcpy(line + n, msg, m);
		line[(size_t)n + m] = '\0';
	}
	ring_next = (ring_next + 1) % ring_cap;
	if (ring_count < ring_cap)
		ring_count++;
}

void
log_msg(enum log_level lvl, const char *subsys, const char *func,
    const char *fmt, ...)
{
	char raw[1024], msg[1024]; /* longer messages are cut, not lost */
	va_list ap;

	if (lvl > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	lib_escape_ctl(msg, sizeof(msg), raw);
	if (ring != NULL)
		ring_add(lvl, subsys, msg);
	if (sink != NULL)
		sink(lvl, subsys, func, msg, sink_arg);
	else
		fprintf(stderr, "%s %s %s: %s\n", log_level_name(lvl), subsys,
		    func, msg);
}

int
log_ring_init(size_t lines)
{
	void *p = lines ? calloc(lines, RING_LINE) : NULL;

	if (lines && p == NULL)
		return -ENOMEM;
	free(ring);
	ring = p;
	ring_cap = lines;
	ring_next = ring_count = 0;
	return 0;
}

size_t
log_ring_each(size_t last, void (*fn)(void *arg, const char *line), void *arg)
{
	size_t n = last < ring_count ? last : ring_count;

	for (size_t i = 0; i < n; i++)
		fn(arg, ring[(ring_next + ring_cap - n + i) % ring_cap]);
	return n;
}
