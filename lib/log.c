/*
 * lib/log.c: levelled logging with one replaceable sink.  The default sink
 * writes "LEVEL subsys func: message" to stderr; tunshd installs its own.
 * It formats and hands over; what reaches the log is the caller's
 * business, and key material must never be passed in.
 */
#include <stdio.h>

#include "lib/lib.h"

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "ERR",
	[LOG_LVL_WARN] = "WARN",
	[LOG_LVL_INFO] = "INFO",
	[LOG_LVL_DEBUG] = "DEBUG",
};

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

void
log_msg(enum log_level lvl, const char *subsys, const char *func,
    const char *fmt, ...)
{
	char msg[1024]; /* longer messages are cut, not lost */
	va_list ap;

	if (lvl > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sink != NULL)
		sink(lvl, subsys, func, msg, sink_arg);
	else
		fprintf(stderr, "%s %s %s: %s\n", log_level_name(lvl), subsys,
		    func, msg);
}
