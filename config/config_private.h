/*
 * config/config_private.h: helpers shared inside config/ only.
 */
#ifndef TUNSH_CONFIG_PRIVATE_H
#define TUNSH_CONFIG_PRIVATE_H

#include "config/config.h"

/* The member a row says the setting lives in. */
#define AT(t, fi, type) ((type *)(void *)((char *)(t) + (fi)->off))
#define AT_C(t, fi, type) \
	((const type *)(const void *)((const char *)(t) + (fi)->off))

/* Enums live in an int-sized member of the row's .off. */
_Static_assert(sizeof(enum config_partner) == sizeof(int) &&
	sizeof(enum config_tunnel_type) == sizeof(int) &&
	sizeof(enum config_ts_mode) == sizeof(int) &&
	sizeof(enum config_dpd_action) == sizeof(int),
    "enum settings are stored as int");

void tunnel_apply_defaults(struct config_tunnel *t);
/* Frees what a list or an address owns; a preset's list is left. */
void tunnel_proposals_clear(struct config_proposals *l);
void tunnel_host_clear(struct config_host *h);
/* The heap members of a tunnel: deep copies into n (a byte copy of t)
 * for copy on write, -ENOMEM with n's own freed; and their release. */
int tunnel_members_dup(struct config_tunnel *n, const struct config_tunnel *t);
void tunnel_members_free(struct config_tunnel *t);
bool config_ifname_valid(const char *s);
/* monitor.c: the monitor setting's text, parsed into t->monitor (errors
 * named after who) and formatted back; 0 when it has none. */
int tunnel_monitor_set(struct config_tunnel *t, const char *v, const char *who,
    struct diag *d);
size_t tunnel_monitor_format(const struct config_monitor *m, char *buf,
    size_t len);
/* True if s holds only printable ASCII (0x20-0x7e), whatever the locale. */
bool text_printable(const char *s);
struct config_tunnel *tunnel_new(const char *name);
struct config_tunnel *tunnel_clone(const struct config_tunnel *t);
void tunnel_unref(struct config_tunnel *t);
/* Index of name in c->tunnels, or -(insertion point) - 1. */
ssize_t tunnel_search(const struct config *c, const char *name);
/* Calls fn with each tunnel name of a or b: (in a or NULL, in b or NULL). */
typedef int (*tunnel_pair_fn)(void *arg, const struct config_tunnel *a,
    const struct config_tunnel *b);
int tunnels_walk(const struct config *a, const struct config *b,
    tunnel_pair_fn fn, void *arg);
/* Records that tunnel name changed in a candidate. */
int config_touch(struct config *c, const char *name);
/* Bit mask of the settings whose effective values differ. */
uint32_t tunnel_diff_fields(const struct config *ca,
    const struct config_tunnel *a, const struct config *cb,
    const struct config_tunnel *b);
/* Loads a file that may hold a commit record (a history .info file). */
struct config *config_load_history(const char *path,
    struct config_commit_info *info, struct diag *d);
struct config *config_load_string_info(const char *text, const char *name,
    struct config_commit_info *info, struct diag *d);
int config_write_record(const struct config_commit_info *info, FILE *f);

/* Writes through write_fn into a temporary file, fsync, rename, fsync of
 * the directory; mode 0600. */
int save_atomic(const char *path, int (*write_fn)(FILE *, const void *),
    const void *arg, void (*before_rename)(void *), void *hook_arg,
    struct diag *d);
/* Makes a rename inside path's directory durable: fsync of the directory. */
void sync_dir(const char *path);

#endif
