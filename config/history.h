/*
 * config/history.h: the commit history on disk, private to config/.
 */
#ifndef TUNSH_CONFIG_HISTORY_H
#define TUNSH_CONFIG_HISTORY_H

#include "config/config.h"

struct history {
	char *dir; /* NULL: no history kept */
	unsigned max;
	struct config_commit_info *v; /* oldest first */
	size_t n;
};

/* Reads the records in dir (created if missing); dir may be NULL. */
int history_open(struct history *h, const char *dir, unsigned max);
void history_free(struct history *h);
/* Records commit info whose configuration c was just saved at saved. */
int history_add(struct history *h, const char *saved, const struct config *c,
    const struct config_commit_info *info, struct diag *d);
/* Newest first: 0 is the last commit. */
const struct config_commit_info *history_get(const struct history *h, size_t n);
struct config *history_load(const struct history *h, size_t n, struct diag *d);

#endif
