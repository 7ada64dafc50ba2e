/*
 * shell/monitor_state.c: the counting of a traffic monitor: which probe
 * is due, which went unanswered, when the tunnel is down for routing and
 * when it is to be negotiated again.  Pure: no socket, no clock, no log;
 * the caller (shell/monitor.c) gives the time and does what the bits it
 * gets back say, and the unit tests drive it on a fake clock.
 *
 * A probe is unanswered when its wait passes (the interval, 2 s at most)
 * or when it could not be sent.  After threshold in a row the monitor is
 * down and asks for a restart; after each further threshold it asks
 * again, for a peer whose data path a new negotiation may mend.  It stays
 * down across the restart (the new CHILD SA proves nothing) until a probe
 * is answered, so the routes do not return to a tunnel that still
 * carries nothing.
 */
#include <string.h>

#include "shell/monitor.h"

void
monitor_count_init(struct monitor_count *m, const struct monitor_conf *c,
    uint64_t now)
{
	memset(m, 0, sizeof(*m));
	m->interval_us =
	    (uint64_t)(c->interval_ms ? c->interval_ms : 1000) * 1000;
	m->wait_us = c->wait_ms ? (uint64_t)c->wait_ms * 1000 : m->interval_us;
	if (m->wait_us > m->interval_us)
		m->wait_us = m->interval_us;
	m->threshold = c->threshold ? c->threshold : 1;
	m->since = now;
}

void
monitor_count_carrier(struct monitor_count *m, bool up, uint64_t now)
{
	if (m->carrier == up)
		return;
	m->carrier = up;
	m->waiting = false;
	m->misses = 0;
	m->next_at = now;
	if (!m->down)
		m->since = now; /* off <-> up; down stays down */
}

/* One more unanswered: down at threshold, a restart at each threshold. */
static unsigned
miss(struct monitor_count *m, uint64_t now)
{
	unsigned act = 0;

	m->waiting = false;
	m->misses++;
	if (m->misses % m->threshold != 0)
		return 0;
	if (!m->down) {
		m->down = true;
		m->since = now;
		act |= MONITOR_DO_DOWN;
	}
	m->restarts++;
	return act | MONITOR_DO_RESTART;
}

unsigned
monitor_count_due(struct monitor_count *m, uint64_t now)
{
	unsigned act = 0;

	if (!m->carrier)
		return 0;
	if (m->waiting && now >= m->sent_at + m->wait_us)
		act |= miss(m, now);
	/* A restart drops the carrier: the next probe waits for it. */
	if (m->carrier && now >= m->next_at)
		act |= MONITOR_DO_SEND;
	return act;
}

unsigned
monitor_count_sent(struct monitor_count *m, int err, uint64_t now)
{
	m->sent++;
	m->seq++;
	m->next_at = now + m->interval_us;
	if (err < 0)
		return miss(m, now);
	m->waiting = true;
	m->sent_at = now;
	return 0;
}

unsigned
monitor_count_answer(struct monitor_count *m, uint16_t seq, uint64_t now)
{
	uint64_t rtt;

	/* A late answer, to a probe already counted, proves as much, but
	 * counting it would make sent and answered disagree. */
	if (!m->waiting || seq != m->seq)
		return 0;
	rtt = now - m->sent_at;
	m->last_rtt_us = rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
	m->has_rtt = true;
	m->answered++;
	m->waiting = false;
	m->misses = 0;
	if (!m->down)
		return 0;
	m->down = false;
	m->since = now;
	return MONITOR_DO_UP;
}

uint64_t
monitor_count_next(const struct monitor_count *m)
{
	uint64_t next;

	if (!m->carrier)
		return UINT64_MAX;
	next = m->next_at;
	if (m->waiting && m->sent_at + m->wait_us < next)
		next = m->sent_at + m->wait_us;
	return next;
}

const char *
monitor_count_state(const struct monitor_count *m)
{
	if (m->down)
		return "down";
	return m->carrier ? "up" : "off";
}
