/*
 * commands/show_sa.c: show ipsec sa, the IKE and CHILD SAs the engine
 * holds for each tunnel: SPIs and state one line each, or with detail
 * their algorithms, endpoints, timers and traffic; in JSON one array of
 * every IKE SA and one of every CHILD SA.  Duplicates are marked.  The
 * SAs of every tunnel named are read before the first line, so that out
 * of memory prints no half list (show_walk.c, SHOW_SAS_FIRST).
 */
#include <inttypes.h>
#include <stdio.h>

#include "commands/show_ipsec.h"

static void
print_ike_line(struct cli_def *cli, const struct show_sas *l, size_t i)
{
	const struct ike_sa_status *s = &l->ike[i];

	cli_print(cli, "  IKE   %016" PRIx64 "_i %016" PRIx64 "_r  %-11s  %s%s",
	    s->spi_i, s->spi_r, s->state, show_role(s->initiator),
	    show_ike_duplicate(l, i) ? "  duplicate" : "");
}

static void
print_child_line(struct cli_def *cli, const struct show_sas *l, size_t i)
{
	const struct ike_child_status *c = &l->child[i];
	char a[320], b[320];

	show_nets(c->local_nets, c->n_local_nets, a, sizeof(a));
	show_nets(c->remote_nets, c->n_remote_nets, b, sizeof(b));
	cli_print(cli, "  CHILD %08" PRIx32 "_i %08" PRIx32 "_o  %s <-> %s%s",
	    c->spi_in, c->spi_out, a, b,
	    show_child_duplicate(l, i) ? "  duplicate" : "");
}

static void
print_ike_detail(struct cli_def *cli, const struct show_sas *l, size_t i)
{
	const struct ike_sa_status *s = &l->ike[i];
	char a[40], b[40], when[32];

	cli_print(cli, "  IKE SA %016" PRIx64 "_i %016" PRIx64 "_r%s", s->spi_i,
	    s->spi_r, show_ike_duplicate(l, i) ? "  duplicate" : "");
	show_field(cli, "  State", "%s, %s", s->state, show_role(s->initiator));
	show_endpoint(&s->local, a, sizeof(a));
	show_endpoint(&s->remote, b, sizeof(b));
	show_field(cli, "  Local", "%s", a);
	show_field(cli, "  Remote", "%s", b);
	show_field(cli, "  Algorithms", "%s", s->algs);
	show_time(s->established, when, sizeof(when));
	show_field(cli, "  Established", "%s", when);
	show_in(s->rekey_in, a, sizeof(a));
	show_in(s->expires, b, sizeof(b));
	show_field(cli, "  Rekey", "%s", a);
	show_field(cli, "  Expires", "%s", b);
}

static void
print_child_detail(struct cli_def *cli, const struct show_sas *l, size_t i)
{
	const struct ike_child_status *c = &l->child[i];
	char a[320], b[320], r[40], x[40], when[32];

	show_nets(c->local_nets, c->n_local_nets, a, sizeof(a));
	show_nets(c->remote_nets, c->n_remote_nets, b, sizeof(b));
	cli_print(cli, "  CHILD SA %08" PRIx32 "_i %08" PRIx32 "_o%s",
	    c->spi_in, c->spi_out,
	    show_child_duplicate(l, i) ? "  duplicate" : "");
	show_field(cli, "  Networks", "%s <-> %s", a, b);
	show_field(cli, "  Algorithms", "%s", c->algs);
	show_field(cli, "  NAT-T", "%s", c->natt ? "yes (UDP 4500)" : "no");
	show_field(cli, "  In", "%" PRIu64 " bytes, %" PRIu64 " packets",
	    c->in.bytes, c->in.packets);
	show_field(cli, "  Out", "%" PRIu64 " bytes, %" PRIu64 " packets",
	    c->out.bytes, c->out.packets);
	show_time(c->installed, when, sizeof(when));
	show_field(cli, "  Installed", "%s", when);
	show_in(c->rekey_in, r, sizeof(r));
	show_in(c->expires, x, sizeof(x));
	show_field(cli, "  Rekey", "%s", r);
	show_field(cli, "  Expires", "%s", x);
}

static void
print_sas_text(struct cli_def *cli, const char *name, const struct show_sas *l,
    bool detail)
{
	cli_print(cli, "Tunnel %s", name);
	for (size_t i = 0; i < l->n_ike; i++)
		(detail ? print_ike_detail : print_ike_line)(cli, l, i);
	for (size_t i = 0; i < l->n_child; i++)
		(detail ? print_child_detail : print_child_line)(cli, l, i);
	if (l->n_ike == 0 && l->n_child == 0)
		cli_print(cli, "  no SAs");
}

static void
json_ike_sas(struct json_writer *j, const struct show_sas *l)
{
	char spi[20];

	for (size_t i = 0; i < l->n_ike; i++) {
		const struct ike_sa_status *s = &l->ike[i];

		json_object(j, NULL, JSON_LINES);
		json_str(j, "tunnel", s->tunnel);
		snprintf(spi, sizeof(spi), "%016" PRIx64, s->spi_i);
		json_str(j, "spi_i", spi);
		snprintf(spi, sizeof(spi), "%016" PRIx64, s->spi_r);
		json_str(j, "spi_r", spi);
		json_str(j, "state", s->state);
		json_str(j, "role", show_role(s->initiator));
		json_str(j, "algorithms", show_known_or_null(s->algs));
		show_json_endpoint(j, "local", &s->local);
		show_json_endpoint(j, "remote", &s->remote);
		show_json_u64_or_null(j, "established", s->established);
		show_json_u64_or_null(j, "rekey_in", s->rekey_in);
		show_json_u64_or_null(j, "expires", s->expires);
		json_bool(j, "duplicate", show_ike_duplicate(l, i));
		json_end(j);
	}
}

static void
json_child_sas(struct json_writer *j, const struct show_sas *l)
{
	for (size_t i = 0; i < l->n_child; i++) {
		const struct ike_child_status *c = &l->child[i];

		json_object(j, NULL, JSON_LINES);
		json_str(j, "tunnel", c->tunnel);
		show_json_spi32(j, "spi_in", c->spi_in);
		show_json_spi32(j, "spi_out", c->spi_out);
		json_str(j, "algorithms", show_known_or_null(c->algs));
		show_json_prefix(j, "local_ts", &c->local_ts);
		show_json_prefix(j, "remote_ts", &c->remote_ts);
		show_json_nets(j, "local_networks", c->local_nets,
		    c->n_local_nets);
		show_json_nets(j, "remote_networks", c->remote_nets,
		    c->n_remote_nets);
		json_bool(j, "natt", c->natt);
		show_json_u64_or_null(j, "installed", c->installed);
		show_json_u64_or_null(j, "rekey_in", c->rekey_in);
		show_json_u64_or_null(j, "expires", c->expires);
		json_u64(j, "bytes_in", c->in.bytes);
		json_u64(j, "packets_in", c->in.packets);
		json_u64(j, "bytes_out", c->out.bytes);
		json_u64(j, "packets_out", c->out.packets);
		json_bool(j, "duplicate", show_child_duplicate(l, i));
		json_end(j);
	}
}

static void
sa_text(const struct show_walk *w, const struct show_view *v)
{
	print_sas_text(w->cli, v->conf->name, &v->sas, w->a.detail);
}

static void
sa_json(struct json_writer *j, const struct show_walk *w,
    const struct show_view *v, size_t pass)
{
	(void)w;
	if (pass == 0)
		json_ike_sas(j, &v->sas);
	else
		json_child_sas(j, &v->sas);
}

/* Every IKE SA first, then every CHILD SA: a pass of the walk each. */
static const char *const sa_keys[] = { "ike_sas", "child_sas", NULL };

static const struct show_cmd sa_cmd = {
	.what = "show ipsec sa",
	.usage = "[tunnel NAME] [detail] [json]",
	.need = SHOW_SAS | SHOW_ENGINE | SHOW_SAS_FIRST,
	.json_keys = sa_keys,
	.text = sa_text,
	.json = sa_json,
	.oom = "show ipsec sa: out of memory; try again",
};

int
show_sa_cmd(struct cli_def *cli, const char *cmd, char **argv, int argc)
{
	(void)cmd;
	return show_walk(cli, &sa_cmd, argv, argc);
}
