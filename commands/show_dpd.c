/*
 * commands/show_dpd.c: show ipsec dpd, dead peer detection of each
 * tunnel: its settings from the running configuration, and from the
 * engine when the peer was last heard, the checks in flight, the last
 * check's result and the actions taken; in text and JSON.
 */
#include <stdio.h>

#include "commands/show_ipsec.h"

static const char *
dpd_result(int r)
{
	return r > 0 ? "answered" :
	    r < 0    ? "no answer: timed out" :
		       "no answer yet";
}

static void
print_dpd_text(struct cli_def *cli, const struct config_tunnel *t,
    const struct ike_engine *e, const struct show_view *v)
{
	const struct ike_dpd_status *d = &v->st.dpd;
	char dur[32], when[32];

	cli_print(cli, "Tunnel %s", t->name);
	if (t->dpd_timeout == 0) {
		show_field(cli, "DPD",
		    "off (dpd timeout 0): no liveness checks");
	} else {
		config_duration_words(t->dpd_timeout, dur, sizeof(dur));
		show_field(cli, "Timeout",
		    "%s: a check after this much silence "
		    "from the peer",
		    dur);
		config_duration_words(t->dpd_delay, dur, sizeof(dur));
		show_field(cli, "Delay",
		    "%s: the wait for the answer before "
		    "the action",
		    dur);
	}
	show_field(cli, "Action", "%s", config_dpd_action_name(t->dpd_action));
	if (!v->known) {
		show_field(cli, "State", "unknown: %s", show_unknown_reason(e));
		return;
	}
	show_time(d->last_heard, when, sizeof(when));
	show_field(cli, "Last heard", "%s", when);
	show_field(cli, "In flight", "%u check%s", d->in_flight,
	    show_plural(d->in_flight));
	show_time(d->last_check, when, sizeof(when));
	if (d->last_check == 0)
		show_field(cli, "Last check", "never");
	else
		show_field(cli, "Last check", "%s, %s", when,
		    dpd_result(d->last_result));
	show_time(d->last_action, when, sizeof(when));
	if (d->actions == 0)
		show_field(cli, "Actions", "none");
	else
		show_field(cli, "Actions", "%u, the last %s", d->actions, when);
}

static void
print_dpd_json(struct json_writer *j, const struct config_tunnel *t,
    const struct ike_engine *e, const struct show_view *v)
{
	const struct ike_dpd_status *d = &v->st.dpd;

	json_object(j, NULL, JSON_LINES);
	json_str(j, "tunnel", t->name);
	json_bool(j, "enabled", t->dpd_timeout != 0);
	json_u64(j, "timeout", t->dpd_timeout);
	json_u64(j, "delay", t->dpd_delay);
	json_str(j, "action", config_dpd_action_name(t->dpd_action));
	if (!v->known) {
		json_str(j, "state", "unknown");
		json_str(j, "reason", show_unknown_reason(e));
		json_end(j);
		return;
	}
	show_json_u64_or_null(j, "last_heard", d->last_heard);
	json_u64(j, "in_flight", d->in_flight);
	show_json_u64_or_null(j, "last_check", d->last_check);
	json_str(j, "last_result",
	    d->last_check == 0	   ? NULL :
		d->last_result > 0 ? "answered" :
		d->last_result < 0 ? "timed out" :
				     "pending");
	json_u64(j, "actions", d->actions);
	show_json_u64_or_null(j, "last_action", d->last_action);
	json_end(j);
}

static void
dpd_text(const struct show_walk *w, const struct show_view *v)
{
	print_dpd_text(w->cli, v->conf, w->e, v);
}

static void
dpd_json(struct json_writer *j, const struct show_walk *w,
    const struct show_view *v, size_t pass)
{
	(void)pass;
	print_dpd_json(j, v->conf, w->e, v);
}

static const struct show_cmd dpd_cmd = {
	.what = "show ipsec dpd",
	.usage = "[tunnel NAME] [json]",
	.need = SHOW_STATUS,
	.blank_between = true,
	.say_none = true,
	.text = dpd_text,
	.json = dpd_json,
};

int
show_dpd_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	return show_walk(cli, &dpd_cmd, argv, argc);
}
