/*
 * commands/ipsec_act.c: the commands that act on the engine's live
 * state, admins only: clear ipsec sa (delete a tunnel's SAs and
 * renegotiate), test ipsec tunnel (negotiate now and say how it went)
 * and request ipsec rekey (new keys now).  Each runs on the daemon's
 * event loop, so it says what it started, never what the peer answered.
 */
#include <stdio.h>
#include <string.h>

#include "commands/show_ipsec.h"

/* Admins only, with the engine running: else an error naming the fix. */
static bool
may_act(struct cli_def *cli, const char *what)
{
	struct commands_session *s = session_of(cli);

	if (s->role != COMMANDS_ADMIN) {
		cmd_error(cli,
		    "%s: permission denied: only admins may act on SAs "
		    "(admins are root and group tunsh-admin); show ipsec "
		    "tunnel shows the state",
		    what);
		return false;
	}
	if (s->env->ike == NULL) {
		cmd_error(cli, "%s: %s", what, SHOW_NO_ENGINE_FIX);
		return false;
	}
	return true;
}

static int
clear_one(struct cli_def *cli, struct ike_engine *e,
    const struct config_tunnel *t)
{
	struct ike_tunnel_status st, after;
	char msg[256];
	struct diag d;
	int rc;

	if (ike_tunnel_status(e, t->name, &st) < 0) {
		cli_print(cli,
		    "ipsec tunnel %s: not in the IKE engine; nothing to clear",
		    t->name);
		return 0;
	}
	diag_init(&d);
	rc = ike_tunnel_terminate(e, t->name, true, &d);
	print_diag(cli, &d);
	diag_clear(&d);
	if (rc < 0)
		return rc;
	if (ike_tunnel_status(e, t->name, &after) < 0)
		after.state = IKE_TUNNEL_DOWN;
	snprintf(msg, sizeof(msg),
	    "ipsec tunnel %s: cleared %zu IKE SA%s and %zu CHILD SA%s; %s",
	    t->name, st.n_ike_sas, show_plural(st.n_ike_sas), st.n_child_sas,
	    show_plural(st.n_child_sas),
	    after.state == IKE_TUNNEL_CONNECTING   ? "renegotiating" :
		after.state == IKE_TUNNEL_WAITING  ? "waiting for the peer "
						     "(initiator is off)" :
		after.state == IKE_TUNNEL_DISABLED ? "it is disabled" :
						     "it stays down");
	show_wrapped(cli, "", 0, msg);
	return 0;
}

int
ipsec_clear_sa_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	struct show_args a;
	size_t from, to;
	int rc = 0;

	(void)cmd;
	if (!may_act(cli, "clear ipsec sa") ||
	    !show_args_get(cli, "clear ipsec sa", "[tunnel NAME]", argv, argc,
		&a) ||
	    !show_select(cli, c, a.name, &from, &to))
		return CLI_ERROR;
	for (size_t i = from; i < to; i++)
		if (clear_one(cli, s->env->ike, c->tunnels[i]) < 0)
			rc = -1;
	if (from == to)
		cli_print(cli, "(no tunnels in the running configuration)");
	if (rc < 0)
		session_of(cli)->failed = true;
	return rc < 0 ? CLI_ERROR : CLI_OK;
}

static size_t
event_total(const struct ike_tunnel_status *st)
{
	size_t n = 0;

	for (int ev = 0; ev < IKE_EV_COUNT; ev++)
		n += st->event_counts[ev];
	return n;
}

/* The engine recorded a new error during the call. */
static bool
new_error(const struct ike_tunnel_status *before,
    const struct ike_tunnel_status *now)
{
	return event_total(now) > event_total(before) && now->last_error[0] &&
	    strcmp(now->last_error, before->last_error) != 0;
}

/*
 * test ipsec tunnel NAME.  Commands run on the daemon's event loop, so no
 * answer from the peer can arrive while this one runs: what is known
 * right after ike_tunnel_initiate() is "already up", a failure the engine
 * found before sending (no key, the kernel refused an SPI), or "started",
 * and that is what it says, with the previous attempt's error if any.
 */
static int
test_initiate(struct cli_def *cli, struct ike_engine *e,
    const struct config_tunnel *t, const struct ike_tunnel_status *before)
{
	struct ike_tunnel_status now;
	char buf[64];
	struct diag d;
	size_t errors;
	int rc;

	diag_init(&d);
	rc = ike_tunnel_initiate(e, t->name, &d);
	print_diag(cli, &d);
	errors = d.errors;
	diag_clear(&d);
	if (ike_tunnel_status(e, t->name, &now) < 0)
		return cmd_error(cli,
		    "test ipsec tunnel %s: the tunnel left "
		    "the IKE engine; see show log",
		    t->name);
	if (new_error(before, &now))
		return cmd_error(cli, "test ipsec tunnel %s: failed: %s",
		    t->name, now.last_error);
	if (rc < 0)
		return errors > 0 ?
		    CLI_ERROR :
		    cmd_error(cli, "test ipsec tunnel %s: %s; see show log",
			t->name, strerror(-rc));
	show_endpoint(&now.remote, buf, sizeof(buf));
	cli_print(cli, "ipsec tunnel %s: negotiation started with %s", t->name,
	    buf);
	cli_print(cli, "see show ipsec tunnel %s for how it goes", t->name);
	if (before->last_error[0])
		show_wrapped(cli, "the previous attempt failed:", 29,
		    before->last_error);
	return CLI_OK;
}

int
ipsec_test_tunnel_cmd(struct cli_def *cli, const char *cmd, char **argv,
    int argc)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	struct ike_tunnel_status before;
	const struct config_tunnel *t;
	char when[32];

	(void)cmd;
	if (!may_act(cli, "test ipsec tunnel") ||
	    grammar_extra(cli, "test ipsec tunnel", "the tunnel's NAME", argv,
		argc) != CLI_OK)
		return CLI_ERROR;
	if ((t = show_tunnel_of(cli, c, grammar_get(cli, "NAME"))) == NULL)
		return CLI_ERROR;
	if (ike_tunnel_status(s->env->ike, t->name, &before) < 0)
		return cmd_error(cli,
		    "test ipsec tunnel %s: the IKE engine does not have this "
		    "tunnel; see show log for why its commit did not reach it",
		    t->name);
	if (before.state != IKE_TUNNEL_UP)
		return test_initiate(cli, s->env->ike, t, &before);
	show_time(before.established, when, sizeof(when));
	cli_print(cli,
	    "ipsec tunnel %s is up: established %s as %s, %zu CHILD SA%s; "
	    "nothing to do",
	    t->name, when, show_role(before.initiator_role), before.n_child_sas,
	    show_plural(before.n_child_sas));
	return CLI_OK;
}

/*
 * request ipsec rekey tunnel NAME [ike].  Like test ipsec tunnel, it runs
 * on the event loop, so it can only say the rekey started; the new SPIs
 * are for show ipsec sa once the peer answered.
 */
int
ipsec_request_rekey_cmd(struct cli_def *cli, const char *cmd, char **argv,
    int argc)
{
	struct commands_session *s = session_of(cli);
	const struct config *c = config_store_running(s->env->store);
	const struct config_tunnel *t;
	struct ike_tunnel_status st;
	bool ike;
	struct diag d;
	int rc;

	(void)cmd;
	if (!may_act(cli, "request ipsec rekey") ||
	    grammar_extra(cli, "request ipsec rekey", "tunnel NAME [ike]", argv,
		argc) != CLI_OK)
		return CLI_ERROR;
	ike = grammar_has(cli, "ike");
	if ((t = show_tunnel_of(cli, c, grammar_get(cli, "NAME"))) == NULL)
		return CLI_ERROR;
	if (ike_tunnel_status(s->env->ike, t->name, &st) < 0)
		return cmd_error(cli,
		    "request ipsec rekey: tunnel %s is not in the IKE engine; "
		    "see show log for why its commit did not reach it",
		    t->name);
	diag_init(&d);
	rc = ike_tunnel_rekey(s->env->ike, t->name, ike, &d);
	print_diag(cli, &d);
	diag_clear(&d);
	if (rc < 0)
		return CLI_ERROR;
	if (ike)
		cli_print(cli, "ipsec tunnel %s: %s the IKE SA started",
		    t->name, t->reauth ? "reauthentication of" : "rekey of");
	else
		cli_print(cli,
		    "ipsec tunnel %s: rekey of %zu CHILD SA%s started; the "
		    "IKE SA stays",
		    t->name, st.n_child_sas, show_plural(st.n_child_sas));
	cli_print(cli, "see show ipsec sa tunnel %s for the new SPIs", t->name);
	return CLI_OK;
}
