/*
 * commands/show_walk.c: the one walk of the live IPsec show commands:
 * read the arguments, select the tunnels of the running configuration
 * they name (or say the one named does not exist), gather what the
 * engine and the data plane hold for each, and hand it to the command's
 * text or JSON form, with the framing of the JSON document, the blank
 * lines between tunnels and the errors written here once.  What a
 * command says of a tunnel is its own file's; this never reads a field
 * of the engine's status.
 */
#include <stdlib.h>
#include <string.h>

#include "commands/show_ipsec.h"

/* Appends item to the array *v of *n (capacity *cap); false on OOM. */
static bool
append(void *v, size_t *n, size_t *cap, const void *item, size_t size)
{
	void **arr = v;

	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 4;
		void *p = realloc(*arr, c * size);

		if (p == NULL)
			return false;
		*arr = p;
		*cap = c;
	}
	memcpy((char *)*arr + *n * size, item, size);
	(*n)++;
	return true;
}

static void
ike_cb(void *arg, const struct ike_sa_status *s)
{
	struct show_sas *l = arg;

	if (!append(&l->ike, &l->n_ike, &l->cap_ike, s, sizeof(*s)))
		l->oom = true;
}

static void
child_cb(void *arg, const struct ike_child_status *s)
{
	struct show_sas *l = arg;

	if (!append(&l->child, &l->n_child, &l->cap_child, s, sizeof(*s)))
		l->oom = true;
}

void
show_sas_get(const struct ike_engine *e, const char *name, struct show_sas *l)
{
	memset(l, 0, sizeof(*l));
	ike_sa_each(e, name, ike_cb, l);
	ike_child_each(e, name, child_cb, l);
}

void
show_sas_free(struct show_sas *l)
{
	free(l->ike);
	free(l->child);
}

bool
show_ike_established(const struct ike_sa_status *s)
{
	return strcmp(s->state, "established") == 0;
}

bool
show_ike_duplicate(const struct show_sas *l, size_t i)
{
	if (!show_ike_established(&l->ike[i]))
		return false;
	for (size_t k = 0; k < l->n_ike; k++)
		if (k != i && show_ike_established(&l->ike[k]) &&
		    strcmp(l->ike[k].tunnel, l->ike[i].tunnel) == 0)
			return true;
	return false;
}

bool
show_child_duplicate(const struct show_sas *l, size_t i)
{
	const struct ike_child_status *c = &l->child[i];

	for (size_t k = 0; k < l->n_child; k++) {
		const struct ike_child_status *o = &l->child[k];

		if (k != i && strcmp(o->tunnel, c->tunnel) == 0 &&
		    ipaddr_cmp(&o->local_ts, &c->local_ts) == 0 &&
		    ipaddr_cmp(&o->remote_ts, &c->remote_ts) == 0)
			return true;
	}
	return false;
}

bool
show_args_get(struct cli_def *cli, const char *what, const char *usage,
    char **argv, int argc, struct show_args *a)
{
	memset(a, 0, sizeof(*a));
	a->name = grammar_get(cli, "NAME");
	if (a->name == NULL)
		a->name = grammar_get(cli, "tunnel");
	a->detail = grammar_has(cli, "detail");
	a->brief = grammar_has(cli, "brief");
	a->json = grammar_has(cli, "json");
	if (grammar_extra(cli, what, usage, argv, argc) != CLI_OK)
		return false;
	if (a->detail && a->brief) {
		cmd_error(cli,
		    "%s: brief and detail exclude each other; give %s", what,
		    usage);
		return false;
	}
	return true;
}

const struct config_tunnel *
show_tunnel_of(struct cli_def *cli, const struct config *c, const char *name)
{
	const struct config_tunnel *t = config_tunnel_find(c, name);

	if (t == NULL)
		cmd_error(cli,
		    "ipsec tunnel %s does not exist in the running "
		    "configuration; show running-config lists the tunnels",
		    name);
	return t;
}

bool
show_select(struct cli_def *cli, const struct config *c, const char *name,
    size_t *from, size_t *to)
{
	if (name == NULL) {
		*from = 0;
		*to = c->n_tunnels;
		return true;
	}
	for (size_t i = 0; i < c->n_tunnels; i++)
		if (strcmp(c->tunnels[i]->name, name) == 0) {
			*from = i;
			*to = i + 1;
			return true;
		}
	show_tunnel_of(cli, c, name);
	return false;
}

/* The interface and routes tunshd made for a route-based tunnel. */
static void
view_dataplane(const struct commands_env *env, struct show_view *v)
{
	v->has_dp = env->dataplane != NULL &&
	    env->dataplane(env->dataplane_arg, v->conf->name, &v->dp);
	/* apply.c lets tunshd start when an interface cannot be made. */
	v->dp_missing = !v->has_dp && env->dataplane != NULL &&
	    v->conf->enable && v->conf->type == CONFIG_TUNNEL_ROUTE;
	v->has_mon = env->monitor != NULL &&
	    env->monitor(env->monitor_arg, v->conf->name, &v->mon);
}

/* What cmd needs of tunnel t; the SAs from sas when gathered first. */
static void
view_get(const struct show_walk *w, const struct show_cmd *cmd,
    const struct config_tunnel *t, const struct show_sas *sas,
    struct show_view *v)
{
	memset(v, 0, sizeof(*v));
	v->conf = t;
	if (cmd->need & SHOW_STATUS)
		v->known = w->e != NULL &&
		    ike_tunnel_status(w->e, t->name, &v->st) == 0;
	if (sas != NULL)
		v->sas = *sas;
	else if ((cmd->need & SHOW_SAS) && w->e != NULL &&
	    (v->known || !(cmd->need & SHOW_STATUS)))
		show_sas_get(w->e, t->name, &v->sas);
	if (cmd->need & SHOW_DATAPLANE)
		view_dataplane(w->s->env, v);
}

/*
 * Every tunnel's SAs, for SHOW_SAS_FIRST: NULL when memory ran out, and
 * then nothing is kept.
 */
static struct show_sas *
sas_first(const struct show_walk *w, size_t from, size_t to)
{
	struct show_sas *l = calloc(to - from + 1, sizeof(*l));
	bool oom = l == NULL;

	for (size_t i = from; i < to && l != NULL; i++) {
		show_sas_get(w->e, w->c->tunnels[i]->name, &l[i - from]);
		oom |= l[i - from].oom;
	}
	if (oom && l != NULL) {
		for (size_t i = from; i < to; i++)
			show_sas_free(&l[i - from]);
		free(l);
		l = NULL;
	}
	return l;
}

/* One pass over the tunnels: their JSON into j, or their text; whether
 * SAs were lost to memory. */
static bool
each(const struct show_walk *w, const struct show_cmd *cmd, size_t from,
    size_t to, const struct show_sas *first, struct json_writer *j, size_t pass)
{
	struct show_view v;
	bool oom = false;

	for (size_t i = from; i < to; i++) {
		view_get(w, cmd, w->c->tunnels[i],
		    first != NULL ? &first[i - from] : NULL, &v);
		oom |= v.sas.oom;
		if (j != NULL) {
			cmd->json(j, w, &v, pass);
		} else {
			if (i > from && cmd->blank_between && !w->a.brief)
				cli_print(w->cli, "%s", "");
			cmd->text(w, &v);
		}
		if (first == NULL)
			show_sas_free(&v.sas);
	}
	return oom;
}

/* The JSON document into j: one array of the tunnels, or an object of
 * arrays, one a pass; whether SAs were lost to memory. */
static bool
json_doc(const struct show_walk *w, const struct show_cmd *cmd, size_t from,
    size_t to, const struct show_sas *first, struct json_writer *j)
{
	bool oom = false;

	if (cmd->json_keys == NULL) {
		json_array(j, NULL, JSON_LINES);
		oom = each(w, cmd, from, to, first, j, 0);
		json_end(j);
	} else {
		json_object(j, NULL, JSON_LINES);
		for (size_t p = 0; cmd->json_keys[p] != NULL; p++) {
			json_array(j, cmd->json_keys[p], JSON_LINES);
			oom |= each(w, cmd, from, to, first, j, p);
			json_end(j);
		}
		json_end(j);
	}
	return oom;
}

int
show_walk(struct cli_def *cli, const struct show_cmd *cmd, char **argv,
    int argc)
{
	struct commands_session *s = session_of(cli);
	struct show_walk w = { .cli = cli, .s = s, .e = s->env->ike };
	struct show_sas *first = NULL;
	struct json_writer j;
	size_t from, to;
	bool oom;
	int rc = CLI_OK;

	w.c = config_store_running(s->env->store);
	if (!show_args_get(cli, cmd->what, cmd->usage, argv, argc, &w.a) ||
	    !show_select(cli, w.c, w.a.name, &from, &to))
		return CLI_ERROR;
	if ((cmd->need & SHOW_ENGINE) && w.e == NULL)
		return cmd_error(cli, "%s: %s", cmd->what, SHOW_NO_ENGINE_FIX);
	if ((cmd->need & SHOW_SAS_FIRST) &&
	    (first = sas_first(&w, from, to)) == NULL)
		return cmd_error(cli, "%s", cmd->oom);
	if (w.a.json) {
		json_writer_init(&j, cli_line, cli);
		oom = json_doc(&w, cmd, from, to, first, &j);
		rc = json_done(cli, cmd->what, &j);
	} else {
		if (cmd->head != NULL)
			cmd->head(&w);
		oom = each(&w, cmd, from, to, first, NULL, 0);
		if (from == to && cmd->say_none)
			cli_print(cli,
			    "(no tunnels in the running configuration)");
	}
	if (first != NULL) {
		for (size_t i = from; i < to; i++)
			show_sas_free(&first[i - from]);
		free(first);
	}
	if (oom && rc == CLI_OK)
		return cmd_error(cli, "%s", cmd->oom);
	return rc;
}
