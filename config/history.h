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

/*
 * Reads the records in dir (created if missing); dir may be NULL.  What a
 * crash leaves there is removed and logged: temporary files, a .conf
 * without its record, a record that does not read, an .undo of no pending
 * commit confirmed.
 */
int history_open(struct history *h, const char *dir, unsigned max);
void history_free(struct history *h);
/*
 * Writes commit info with its configuration c: N.conf, then N.info,
 * which is the commit point.  Nothing is left on failure.  The record
 * joins h only with history_push().
 */
int history_record(struct history *h, const struct config *c,
    const struct config_commit_info *info, struct diag *d);
/* Takes back a record written but not pushed (the apply failed). */
void history_unrecord(struct history *h, uint64_t version);
/* Adds a written record to h and drops the oldest beyond the maximum. */
int history_push(struct history *h, const struct config_commit_info *info);
/* Newest first: 0 is the last commit. */
const struct config_commit_info *history_get(const struct history *h, size_t n);
struct config *history_load(const struct history *h, size_t n, struct diag *d);
/* DIR/N.conf, or DIR/N.undo: what commit confirmed N reverts to.  Returns
 * -ENOENT when no history is kept. */
int history_path(const struct history *h, uint64_t version, const char *ext,
    char *buf, size_t len);

#endif
