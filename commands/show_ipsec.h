/*
 * commands/show_ipsec.h: what the files of the live IPsec commands share
 * (show ipsec tunnel|sa|dpd|counters in show_*.c, clear ipsec sa, test
 * ipsec tunnel and request ipsec rekey in ipsec_act.c): the walk over the
 * tunnels a command names (show_walk.c) and the pieces of text and JSON
 * every one of them writes alike (show_format.c).
 *
 * Times are UTC like show configuration history; durations are hh:mm:ss
 * like show users, with days in front when there are any.  In JSON,
 * times are epoch seconds and durations seconds, as every json form
 * gives them, and what is not known is null (tunsh(1), JSON).
 */
#ifndef TUNSH_COMMANDS_SHOW_IPSEC_H
#define TUNSH_COMMANDS_SHOW_IPSEC_H

#include "commands/private.h"

#define SHOW_WIDTH     80 /* of every line of text output */
#define SHOW_LABEL_COL 17 /* where the values of "  Label:" lines start */
#define SHOW_NO_ENGINE "the IKE engine is not running"
#define SHOW_NO_ENGINE_FIX \
	SHOW_NO_ENGINE "; restart tunshd, and see show log if it stays so"

/* show_walk.c: what the engine holds for one tunnel: its SAs, copied. */
struct show_sas {
	struct ike_sa_status *ike;
	size_t n_ike, cap_ike;
	struct ike_child_status *child;
	size_t n_child, cap_child;
	bool oom;
};

void show_sas_get(const struct ike_engine *e, const char *name,
    struct show_sas *l);
void show_sas_free(struct show_sas *l);
bool show_ike_established(const struct ike_sa_status *s);
/* More than one established IKE SA for its tunnel (VyOS T8952). */
bool show_ike_duplicate(const struct show_sas *l, size_t i);
/*
 * Another CHILD SA of the tunnel with the same selectors.  ike.h does not
 * say which CHILD SA is being replaced, so the old and new SA of a rekey
 * are marked too in the moment both exist.
 */
bool show_child_duplicate(const struct show_sas *l, size_t i);

/* One tunnel of the walk: its settings and what tunshd knows of it. */
struct show_view {
	const struct config_tunnel *conf;
	bool known; /* the engine has the tunnel (SHOW_STATUS) */
	struct ike_tunnel_status st;
	struct show_sas sas;
	bool has_dp;	 /* a route-based tunnel's interface and routes */
	bool dp_missing; /* route-based, and tunshd could not make them */
	struct commands_dataplane dp;
	bool has_mon; /* its traffic monitor runs */
	struct commands_monitor mon;
};

/* What a command's arguments said. */
struct show_args {
	const char *name; /* the tunnel, or NULL for all */
	bool detail, brief, json;
};

/*
 * What libcli found of [NAME] or [tunnel NAME], [detail], [brief] and
 * [json] (grammar.c); words it did not take are an error naming the
 * command (what) and what it takes (usage).
 */
bool show_args_get(struct cli_def *cli, const char *what, const char *usage,
    char **argv, int argc, struct show_args *a);
/* The tunnel of the running configuration, or an error naming it. */
const struct config_tunnel *show_tunnel_of(struct cli_def *cli,
    const struct config *c, const char *name);

/* The tunnels the arguments name: the one named, or all of running
 * (sorted), as c->tunnels[*from..*to); false after an error naming it. */
bool show_select(struct cli_def *cli, const struct config *c, const char *name,
    size_t *from, size_t *to);

struct show_walk;

/* What a view holds besides the settings (show_cmd.need). */
#define SHOW_STATUS    0x1 /* the engine's status of the tunnel */
#define SHOW_SAS       0x2 /* its SAs: of a known tunnel with SHOW_STATUS */
#define SHOW_DATAPLANE 0x4 /* its interface, routes and monitor */
#define SHOW_ENGINE    0x8 /* no engine is an error, not "unknown" */
/* Every tunnel's SAs before the first line: out of memory prints
 * nothing (a document of SAs is whole or absent). */
#define SHOW_SAS_FIRST 0x10

/*
 * A command of the walk: for each tunnel the arguments name (every one of
 * the running configuration without a name), its text or its JSON.
 */
struct show_cmd {
	const char *what;  /* "show ipsec tunnel", for errors */
	const char *usage; /* its arguments, for errors */
	unsigned need;	   /* SHOW_* */
	/* A blank line between two tunnels' text, but for brief. */
	bool blank_between;
	/* "(no tunnels in the running configuration)" when there are none
	 * and the form is text. */
	bool say_none;
	/* The JSON document: NULL for an array of the tunnels' values; else
	 * an object of one array a key, filled by a walk each (pass). */
	const char *const *json_keys;
	/* Text before the first tunnel (a table's head), or NULL. */
	void (*head)(const struct show_walk *w);
	void (*text)(const struct show_walk *w, const struct show_view *v);
	void (*json)(struct json_writer *j, const struct show_walk *w,
	    const struct show_view *v, size_t pass);
	const char *oom; /* the error when SAs were lost to memory */
};

struct show_walk {
	struct cli_def *cli;
	struct commands_session *s;
	const struct config *c; /* running */
	struct ike_engine *e;	/* NULL: not running */
	struct show_args a;
};

/* Runs cmd for the line (argv, argc): a CLI_* code. */
int show_walk(struct cli_def *cli, const struct show_cmd *cmd, char **argv,
    int argc);

/* show_format.c: the pieces every command writes alike. */

/*
 * The engine's wall clock.  ike.h offers no accessor for it, so this is
 * the real clock, which is what the engine's own default clock returns
 * (ike/engine.c engine_wall); an engine on a fake clock (tests) must keep
 * its wall clock in step with the real one.
 */
uint64_t show_wall_now(void);
void show_time(uint64_t wall, char *buf, size_t len); /* 0: never */
void show_duration(uint64_t s, char *buf, size_t len);
/* A timer of the engine: seconds from now, 0 when not armed. */
void show_in(uint64_t s, char *buf, size_t len);
void show_endpoint(const struct ike_endpoint *ep, char *buf, size_t len);
/* "10.1.0.0/24, 10.3.0.0/24": every selector of a side; "-" for none. */
void show_nets(const struct ipaddr *p, size_t n, char *buf, size_t len);
/*
 * "  Label:        text", the text wrapped at word boundaries to
 * SHOW_WIDTH columns with its continuation lines under the first word.
 * Engine texts (last error, events) run to 200 characters.
 */
void show_wrapped(struct cli_def *cli, const char *head, size_t col,
    const char *text);
void show_field(struct cli_def *cli, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *show_role(bool initiator);
const char *show_plural(size_t n); /* "" or "s" */
/* The engine's text for a value it does not know yet ("-" for the
 * algorithms of a half-open SA) is null in JSON (tunsh(1), JSON). */
const char *show_known_or_null(const char *s);
/* Why the state of a tunnel the engine lacks is unknown. */
const char *show_unknown_reason(const struct ike_engine *e);

void show_json_u64_or_null(struct json_writer *j, const char *key,
    uint64_t v); /* 0: null */
void show_json_endpoint(struct json_writer *j, const char *key,
    const struct ike_endpoint *ep);
void show_json_prefix(struct json_writer *j, const char *key,
    const struct ipaddr *p);
void show_json_nets(struct json_writer *j, const char *key,
    const struct ipaddr *p, size_t n);
void show_json_spi32(struct json_writer *j, const char *key,
    uint32_t spi); /* 8 hex */

/* The commands, registered by show_ipsec_register() (show_ipsec.c). */
int show_tunnel_cmd(struct cli_def *cli, const char *cmd, char **argv,
    int argc);
/* The validator of show ipsec tunnel's NAME. */
int show_tunnel_valid_word(struct cli_def *cli, const char *name,
    const char *value);
int show_sa_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_dpd_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc);
int show_counters_cmd(struct cli_def *cli, const char *cmd, char **argv,
    int argc);
int ipsec_clear_sa_cmd(struct cli_def *cli, const char *cmd, char **argv,
    int argc);
int ipsec_test_tunnel_cmd(struct cli_def *cli, const char *cmd, char **argv,
    int argc);
int ipsec_request_rekey_cmd(struct cli_def *cli, const char *cmd, char **argv,
    int argc);

#endif
