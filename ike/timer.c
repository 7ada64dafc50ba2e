/*
 * ike/timer.c: the engine's timers, a binary min-heap on the engine's own
 * clock.  Every SA keeps its timers inside itself; arming one is O(log n)
 * and firing the earliest O(log n), so 100,000 SAs with six timers each
 * cost nothing while idle.  No I/O: the caller runs what is due.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ike/engine.h"

void
timer_init(struct ike_timer *t,
    void (*fn)(struct ike_engine *, struct ike_timer *))
{
	t->at = 0;
	t->idx = SIZE_MAX;
	t->fn = fn;
}

bool
timer_armed(const struct ike_timer *t)
{
	return t->idx != SIZE_MAX;
}

static void
place(struct ike_engine *e, size_t i, struct ike_timer *t)
{
	e->heap[i] = t;
	t->idx = i;
}

static void
sift_up(struct ike_engine *e, size_t i)
{
	struct ike_timer *t = e->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (e->heap[parent]->at <= t->at)
			break;
		place(e, i, e->heap[parent]);
		i = parent;
	}
	place(e, i, t);
}

static void
sift_down(struct ike_engine *e, size_t i)
{
	struct ike_timer *t = e->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, m = i;
		uint64_t best = t->at;

		if (l < e->n_heap && e->heap[l]->at < best) {
			m = l;
			best = e->heap[l]->at;
		}
		if (l + 1 < e->n_heap && e->heap[l + 1]->at < best)
			m = l + 1;
		if (m == i)
			break;
		place(e, i, e->heap[m]);
		i = m;
	}
	place(e, i, t);
}

void
timer_disarm(struct ike_engine *e, struct ike_timer *t)
{
	size_t i = t->idx;
	struct ike_timer *last;

	if (i == SIZE_MAX)
		return;
	t->idx = SIZE_MAX;
	last = e->heap[--e->n_heap];
	if (last == t)
		return;
	place(e, i, last);
	sift_up(e, i);
	sift_down(e, last->idx);
}

/* On allocation failure the timer stays unarmed: the SA then relies on
 * its other timers and the peer, which is the best memory pressure allows. */
void
timer_arm(struct ike_engine *e, struct ike_timer *t, uint64_t at)
{
	timer_disarm(e, t);
	if (e->n_heap == e->cap_heap) {
		size_t cap = e->cap_heap ? 2 * e->cap_heap : 256;
		struct ike_timer **h = realloc(e->heap, cap * sizeof(*h));

		if (h == NULL)
			return;
		e->heap = h;
		e->cap_heap = cap;
	}
	t->at = at;
	place(e, e->n_heap++, t);
	sift_up(e, t->idx);
	if (t->idx == 0 && e->p.wakeup != NULL)
		e->p.wakeup(e->p.wakeup_arg);
}

void
timers_run(struct ike_engine *e, uint64_t now)
{
	while (e->n_heap > 0 && e->heap[0]->at <= now) {
		struct ike_timer *t = e->heap[0];

		timer_disarm(e, t);
		t->fn(e, t);
	}
}

uint64_t
timers_next(const struct ike_engine *e)
{
	return e->n_heap > 0 ? e->heap[0]->at : UINT64_MAX;
}

/* The heap keeps its size while SAs come and go; after a mass expiry
 * (sa.c) it halves down to what is armed, as the SPI tables do. */
void
timers_shrink(struct ike_engine *e)
{
	size_t cap = e->cap_heap;

	while (cap > 256 && e->n_heap < cap / 4)
		cap /= 2;
	if (cap < e->cap_heap) {
		struct ike_timer **h = realloc(e->heap, cap * sizeof(*h));

		if (h == NULL)
			return;
		e->heap = h;
		e->cap_heap = cap;
	}
}

void
timers_free(struct ike_engine *e)
{
	free(e->heap);
	e->heap = NULL;
	e->n_heap = e->cap_heap = 0;
}
