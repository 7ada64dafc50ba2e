/*
 * shell/metrics.h: GET /metrics for Prometheus on tunshd's loop, private
 * to shell/.
 */
#ifndef TUNSH_SHELL_METRICS_H
#define TUNSH_SHELL_METRICS_H

#include "commands/commands.h"
#include "config/config.h"
#include "ike/ike.h"

struct event_base;
struct evbuffer;
struct metrics;

/* Serves nothing until metrics_listen(); NULL (out of memory, in d). */
struct metrics *metrics_new(struct event_base *base, struct ike_engine *ike,
    struct diag *d);
void metrics_free(struct metrics *m);
/* What the page reads besides the engine, once they exist: the running
 * configuration's tunnels and the open sessions (NULL: none). */
void metrics_set_sources(struct metrics *m, const struct config_store *store,
    const struct commands_env *env);
/*
 * Serves GET /metrics on listen ("A.B.C.D:PORT", "[IPv6]:PORT") alone,
 * or nowhere when it is NULL or "".  A failure (the port taken, an
 * address not of this host) keeps what was served before, with the
 * reason in d: 0 or -errno.
 */
int metrics_listen(struct metrics *m, const char *listen, struct diag *d);
/* The configuration's metrics listen as its owner last applied it,
 * served or not ("": off): shell/apply.c keeps it here. */
void metrics_set_wanted(struct metrics *m, const char *listen);
const char *metrics_wanted(const struct metrics *m);
/* The page, appended to b; 0 or -ENOMEM. */
int metrics_render(struct metrics *m, struct evbuffer *b);

#endif
