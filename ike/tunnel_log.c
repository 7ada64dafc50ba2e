/*
 * ike/tunnel_log.c: what a tunnel remembers for the show commands: its
 * events (logged, counted, the newest few kept) and its last error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ike/engine.h"

static void
record(struct ike_engine *e, struct ike_tunnel *t, enum ike_event ev,
    const char *text)
{
	struct ike_tunnel_status *st = &t->st;

	if (st->n_events < IKE_HISTORY_EVENTS)
		st->n_events++;
	memmove(&st->events[1], &st->events[0],
	    (st->n_events - 1) * sizeof(st->events[0]));
	st->events[0].ev = ev;
	st->events[0].wall = engine_wall(e);
	st->event_last[ev] = st->events[0].wall;
	snprintf(st->events[0].text, sizeof(st->events[0].text), "%s", text);
	st->event_counts[ev]++;
}

void
tunnel_event(struct ike_engine *e, struct ike_tunnel *t, enum ike_event ev,
    const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_info("ike", "tunnel %s: %s", t->conf.name, text);
	record(e, t, ev, text);
}

/* An event that is also the tunnel's last error, for show commands. */
void
tunnel_error(struct ike_engine *e, struct ike_tunnel *t, enum ike_event ev,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->st.last_error, sizeof(t->st.last_error), fmt, ap);
	va_end(ap);
	log_warn("ike", "tunnel %s: %s", t->conf.name, t->st.last_error);
	record(e, t, ev, t->st.last_error);
}
