/*
 * lib/log.c: levelled logging with a replaceable sink.  The default sink
 * writes "LEVEL subsys func: message" to stderr.
 */
#include <stdio.h>

#include "lib/lib.h"

static log_sink_fn sink;
static void *sink_arg;
static enum log_level max_level = LOG_LVL_INFO;

void
log_set_sink(log_sink_fn fn, void *arg)
{
	sink = fn;
	sink_arg = arg;
}

void
log_set_level(enum log_level max)
{
	max_level = max;
}

const char *
log_level_name(enum log_level lvl)
{
	static const char *const names[] = { "ERR", "WARN", "INFO", "DEBUG" };

	return (unsigned)lvl < 4 ? names[lvl] : "?";
}

void
log_msg(enum log_level lvl, const char *subsys, const char *func,
    const char *fmt, ...)
{
	char msg[1024];
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
