/*
 * shell/metrics.h: GET /metrics for Prometheus on tunshd's loop, private
 * to shell/.
 */
#ifndef TUNSH_SHELL_METRICS_H
#define TUNSH_SHELL_METRICS_H

#include "config/config.h"
#include "ike/ike.h"

struct event_base;
struct evbuffer;
struct metrics;

/* Listens on listen ("ADDR:PORT", "[ADDR6]:PORT"), or nowhere when it is
 * NULL (metrics_render alone); NULL with the reason in d. */
struct metrics *metrics_new(struct event_base *base, const char *listen,
    struct ike_engine *ike, const struct config_store *store, struct diag *d);
void metrics_free(struct metrics *m);
/* 0 when listen is ADDR:PORT, else -EINVAL (for the option's parser). */
int metrics_listen_check(const char *listen);
/* The page, appended to b; 0 or -ENOMEM. */
int metrics_render(struct metrics *m, struct evbuffer *b);

#endif
