/*
 * ike/tunnel_log.c: what a tunnel remembers for the show commands: its
 * events (logged, counted, the newest few kept), its last error and why
 * the last reauthentication a commit asked for failed.  Most tunnels
 * have none of it most of the time, so it costs one pointer until the
 * first event, and each text costs its own length: a configured, idle
 * tunnel stays a few hundred bytes however many there are (issue 13).
 * The texts are cut where the fixed fields of struct ike_tunnel_status
 * cut them, so what the show commands print is the same.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

/* The longest texts struct ike_tunnel_status holds, NUL excluded. */
#define EVENT_TEXT_MAX (sizeof(((struct ike_event_record *)0)->text) - 1)
#define ERROR_TEXT_MAX (sizeof(((struct ike_tunnel_status *)0)->last_error) - 1)

struct tunnel_log {
	unsigned counts[IKE_EV_COUNT];
	uint64_t last[IKE_EV_COUNT]; /* wall seconds of the last; 0 */
	struct tunnel_log_event {
		uint64_t wall;
		enum ike_event ev;
		char *text;
	} events[IKE_HISTORY_EVENTS]; /* newest first */
	size_t n_events;
	char *last_error;   /* NULL: none */
	char *reauth_error; /* NULL: none */
};

/* A copy of s cut to max bytes; NULL when out of memory. */
static char *
text_dup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* t's log, made on first use; NULL when out of memory (the event is
 * still logged, only show loses it). */
static struct tunnel_log *
log_of(struct ike_tunnel *t)
{
	if (t->log == NULL)
		t->log = calloc(1, sizeof(*t->log));
	return t->log;
}

/* Replaces *slot by a copy of text cut to max; on no memory, by none. */
static void
text_set(char **slot, const char *text, size_t max)
{
	free(*slot);
	*slot = text_dup(text, max);
}

static void
record(struct ike_engine *e, struct ike_tunnel *t, enum ike_event ev,
    const char *text)
{
	struct tunnel_log *l = log_of(t);
	struct tunnel_log_event *first;

	if (l == NULL)
		return;
	if (l->n_events < IKE_HISTORY_EVENTS)
		l->n_events++;
	else
		free(l->events[IKE_HISTORY_EVENTS - 1].text);
	memmove(&l->events[1], &l->events[0],
	    (l->n_events - 1) * sizeof(l->events[0]));
	first = &l->events[0];
	first->ev = ev;
	first->wall = engine_wall(e);
	first->text = text_dup(text, EVENT_TEXT_MAX);
	l->last[ev] = first->wall;
	l->counts[ev]++;
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
	char text[ERROR_TEXT_MAX + 1];
	struct tunnel_log *l;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_warn("ike", "tunnel %s: %s", t->conf.name, text);
	if ((l = log_of(t)) != NULL)
		text_set(&l->last_error, text, ERROR_TEXT_MAX);
	record(e, t, ev, text);
}

void
tunnel_error_clear(struct ike_tunnel *t)
{
	if (t->log == NULL)
		return;
	free(t->log->last_error);
	t->log->last_error = NULL;
}

const char *
tunnel_last_error(const struct ike_tunnel *t)
{
	return t->log && t->log->last_error ? t->log->last_error : "";
}

void
tunnel_reauth_error_set(struct ike_tunnel *t, const char *text)
{
	struct tunnel_log *l = log_of(t);

	if (l != NULL)
		text_set(&l->reauth_error, text, ERROR_TEXT_MAX);
}

void
tunnel_reauth_error_clear(struct ike_tunnel *t)
{
	if (t->log == NULL)
		return;
	free(t->log->reauth_error);
	t->log->reauth_error = NULL;
}

const char *
tunnel_reauth_error(const struct ike_tunnel *t)
{
	return t->log && t->log->reauth_error ? t->log->reauth_error : "";
}

void
tunnel_log_status(const struct ike_tunnel *t, struct ike_tunnel_status *out)
{
	const struct tunnel_log *l = t->log;

	if (l == NULL)
		return;
	snprintf(out->last_error, sizeof(out->last_error), "%s",
	    tunnel_last_error(t));
	memcpy(out->event_counts, l->counts, sizeof(out->event_counts));
	memcpy(out->event_last, l->last, sizeof(out->event_last));
	out->n_events = l->n_events;
	for (size_t i = 0; i < l->n_events; i++) {
		out->events[i].ev = l->events[i].ev;
		out->events[i].wall = l->events[i].wall;
		snprintf(out->events[i].text, sizeof(out->events[i].text), "%s",
		    l->events[i].text ? l->events[i].text : "");
	}
}

void
tunnel_log_free(struct ike_tunnel *t)
{
	struct tunnel_log *l = t->log;

	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n_events; i++)
		free(l->events[i].text);
	free(l->last_error);
	free(l->reauth_error);
	free(l);
	t->log = NULL;
}
