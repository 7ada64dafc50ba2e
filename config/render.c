/*
 * config/render.c: the configuration as the CLI command lines that would
 * build it (what "show running-config" prints and "load merge" reads), and
 * the Junos-style differences between two configurations.  Only settings
 * that were set are shown; secrets are masked unless asked for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "config/config_private.h"

#define LINE_MAX_LEN 512

/* A growing list of lines, for diffs. */
struct lines {
	char **v;
	size_t n, cap;
	int err;
};

static int
lines_add(void *arg, const char *line)
{
	struct lines *l = arg;
	char **p;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;

		if ((p = realloc(l->v, cap * sizeof(*p))) == NULL)
			return l->err = -ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	if ((l->v[l->n] = strdup(line)) == NULL)
		return l->err = -ENOMEM;
	l->n++;
	return 0;
}

static void
lines_free(struct lines *l)
{
	/* Diffs are rendered with secrets (so a changed key shows as a
	 * change): wipe them before the memory goes back. */
	for (size_t i = 0; i < l->n; i++) {
		explicit_bzero(l->v[i], strlen(l->v[i]));
		free(l->v[i]);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int emit(config_line_fn fn, void *arg, const char *fmt, ...)
    TUNSH_PRINTF(3, 4);

static int
emit(config_line_fn fn, void *arg, const char *fmt, ...)
{
	char line[LINE_MAX_LEN];
	va_list ap;

	int rc;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rc = fn(arg, line);
	OPENSSL_cleanse(line, sizeof(line)); /* a line may hold a key */
	return rc;
}

/* The body of a tunnel: one-space-indented lines, in table order. */
static int
render_tunnel_body(const struct config_tunnel *t, bool secrets,
    config_line_fn fn, void *arg)
{
	char val[LINE_MAX_LEN];
	int rc = 0;

	for (enum config_field f = 0; f < CF__COUNT && rc == 0; f++) {
		const struct config_field_info *fi = config_field_info(f);
		size_t n;

		if (!config_tunnel_is_set(t, f))
			continue;
		n = config_tunnel_format(t, f, 0, secrets, val, sizeof(val));
		for (size_t i = 0; i < n; i++) {
			if (i > 0)
				config_tunnel_format(t, f, i, secrets, val,
				    sizeof(val));
			if (fi->kind == CFK_FLAG)
				rc = emit(fn, arg, " %s%s",
				    strcmp(val, "yes") == 0 ? "" : "no ",
				    fi->cli);
			else
				rc = emit(fn, arg, " %s %s", fi->cli, val);
			if (rc < 0)
				break;
		}
	}
	OPENSSL_cleanse(val, sizeof(val)); /* it held the key */
	return rc;
}

static int
render_iface_body(const struct config_interface *f, config_line_fn fn,
    void *arg)
{
	char a[IPADDR_STRLEN];
	int rc = 0;

	/* One line per family, IPv4 first: "address" takes either. */
	for (int i = 0; i < CONFIG_FAMILIES && rc == 0; i++) {
		if (f->addr[i].family == 0)
			continue;
		ipaddr_format_prefix(&f->addr[i], a, sizeof(a));
		rc = emit(fn, arg, " address %s", a);
	}
	for (int i = 0; i < CONFIG_FAMILIES && rc == 0; i++) {
		if (f->gateway[i].family == 0)
			continue;
		ipaddr_format(&f->gateway[i], a, sizeof(a));
		rc = emit(fn, arg, " gateway %s", a);
	}
	return rc;
}

static int
render_vlan_body(const struct config_vlan *v, config_line_fn fn, void *arg)
{
	char p[IPADDR_STRLEN];
	int rc = 0;

	if (v->name[0] != '\0')
		rc = emit(fn, arg, " name %s", v->name);
	for (int i = 0; i < CONFIG_FAMILIES && rc == 0; i++) {
		if (v->subnet[i].family == 0)
			continue;
		ipaddr_format_prefix(&v->subnet[i], p, sizeof(p));
		rc = emit(fn, arg, " subnet %s", p);
	}
	return rc;
}

static int
render_pool_body(const struct config *c, config_line_fn fn, void *arg)
{
	char p[IPADDR_STRLEN];

	if (c->pool.family == 0)
		return 0;
	ipaddr_format_prefix(&c->pool, p, sizeof(p));
	return emit(fn, arg, " pool %s", p);
}

int
config_render(const struct config *c, const struct config_render_opts *o,
    config_line_fn fn, void *arg)
{
	bool secrets = o != NULL && o->show_secrets;
	const struct config_tunnel *only = NULL;
	int rc = 0;

	if (o != NULL && o->only_tunnel != NULL) {
		if ((only = config_tunnel_find(c, o->only_tunnel)) == NULL)
			return -ENOENT;
		if ((rc = emit(fn, arg, "ipsec tunnel %s", only->name)) < 0 ||
		    (rc = render_tunnel_body(only, secrets, fn, arg)) < 0)
			return rc;
		return fn(arg, "!");
	}
	if ((rc = emit(fn, arg, "hostname %s", c->hostname)) < 0 ||
	    (rc = fn(arg, "!")) < 0)
		return rc;
	for (size_t i = 0; i < c->n_ifaces && rc == 0; i++)
		if ((rc = emit(fn, arg, "interface %s", c->ifaces[i].name)) ==
			0 &&
		    (rc = render_iface_body(&c->ifaces[i], fn, arg)) == 0)
			rc = fn(arg, "!");
	for (size_t i = 0; i < c->n_vlans && rc == 0; i++)
		if ((rc = emit(fn, arg, "vlan %u", c->vlans[i].id)) == 0 &&
		    (rc = render_vlan_body(&c->vlans[i], fn, arg)) == 0)
			rc = fn(arg, "!");
	if (rc == 0 && c->pool.family != 0 &&
	    (rc = fn(arg, "client-vpn")) == 0 &&
	    (rc = render_pool_body(c, fn, arg)) == 0)
		rc = fn(arg, "!");
	if (rc == 0 && c->metrics_listen[0] != '\0' &&
	    (rc = emit(fn, arg, "metrics listen %s", c->metrics_listen)) == 0)
		rc = fn(arg, "!");
	for (size_t i = 0; i < c->n_tunnels && rc == 0; i++)
		if ((rc = emit(fn, arg, "ipsec tunnel %s",
			 c->tunnels[i]->name)) == 0 &&
		    (rc = render_tunnel_body(c->tunnels[i], secrets, fn,
			 arg)) == 0)
			rc = fn(arg, "!");
	return rc;
}

/*
 * One object's difference.  Present in both: lines of a missing from b
 * are "-", lines of b missing from a are "+", under "[edit HEAD]".  Only
 * in one: the whole object under "[edit]".  Bodies are a few dozen lines,
 * so the quadratic line match costs nothing.
 */
#define PSK_PREFIX " pre-shared-key "

static int
emit_line(config_line_fn fn, void *arg, char sign, const char *line,
    bool secrets)
{
	if (!secrets && strncmp(line, PSK_PREFIX, strlen(PSK_PREFIX)) == 0)
		line = PSK_PREFIX "********";
	return emit(fn, arg, "%c %s", sign, line);
}

static int
diff_object(const char *head, const struct lines *a, const struct lines *b,
    bool in_a, bool in_b, bool secrets, config_line_fn fn, void *arg)
{
	bool header = false;
	int rc = 0;

	if (in_a != in_b) {
		const struct lines *l = in_a ? a : b;
		char sign = in_a ? '-' : '+';

		if ((rc = fn(arg, "[edit]")) < 0 ||
		    (rc = emit(fn, arg, "%c %s", sign, head)) < 0)
			return rc;
		for (size_t i = 0; i < l->n && rc == 0; i++)
			rc = emit_line(fn, arg, sign, l->v[i], secrets);
		return rc;
	}
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		const struct lines *x = pass == 0 ? a : b,
				   *y = pass == 0 ? b : a;

		for (size_t i = 0; i < x->n && rc == 0; i++) {
			size_t j = 0;

			while (j < y->n && strcmp(x->v[i], y->v[j]) != 0)
				j++;
			if (j < y->n)
				continue;
			if (!header) {
				header = true;
				if ((rc = emit(fn, arg, "[edit %s]", head)) < 0)
					return rc;
			}
			rc = emit_line(fn, arg, pass == 0 ? '-' : '+', x->v[i],
			    secrets);
		}
	}
	return rc;
}

typedef int (
    *body_fn)(const void *obj, bool secrets, config_line_fn fn, void *arg);

static int
body_tunnel(const void *o, bool s, config_line_fn fn, void *arg)
{
	return render_tunnel_body(o, s, fn, arg);
}

static int
body_iface(const void *o, bool s, config_line_fn fn, void *arg)
{
	(void)s;
	return render_iface_body(o, fn, arg);
}

static int
body_vlan(const void *o, bool s, config_line_fn fn, void *arg)
{
	(void)s;
	return render_vlan_body(o, fn, arg);
}

static int
body_pool(const void *o, bool s, config_line_fn fn, void *arg)
{
	(void)s;
	return render_pool_body(o, fn, arg);
}

static int
diff_pair(const char *head, body_fn body, const void *oa, const void *ob,
    bool secrets, config_line_fn fn, void *arg)
{
	struct lines a = { 0 }, b = { 0 };
	int rc = 0;

	if (oa != NULL)
		rc = body(oa, true, lines_add, &a);
	if (rc == 0 && ob != NULL)
		rc = body(ob, true, lines_add, &b);
	if (rc == 0)
		rc = diff_object(head, &a, &b, oa != NULL, ob != NULL, secrets,
		    fn, arg);
	lines_free(&a);
	lines_free(&b);
	return rc;
}

struct diff_walk {
	bool secrets;
	config_line_fn fn;
	void *arg;
};

static int
diff_tunnel(void *arg, const struct config_tunnel *x,
    const struct config_tunnel *y)
{
	struct diff_walk *w = arg;
	char head[64];

	/* Shared tunnels are unchanged: skip without rendering. */
	if (x == y)
		return 0;
	snprintf(head, sizeof(head), "ipsec tunnel %s", x ? x->name : y->name);
	return diff_pair(head, body_tunnel, x, y, w->secrets, w->fn, w->arg);
}

int
config_render_diff(const struct config *a, const struct config *b, bool secrets,
    config_line_fn fn, void *arg)
{
	char head[64];
	size_t i, j;
	int rc = 0;

	if (strcmp(a->hostname, b->hostname) != 0 &&
	    ((rc = fn(arg, "[edit]")) < 0 ||
		(rc = emit(fn, arg, "- hostname %s", a->hostname)) < 0 ||
		(rc = emit(fn, arg, "+ hostname %s", b->hostname)) < 0))
		return rc;
	/* Merge walks over lists sorted the same way in a and b. */
	for (i = j = 0; rc == 0 && (i < a->n_ifaces || j < b->n_ifaces);) {
		const struct config_interface *x =
		    i < a->n_ifaces ? &a->ifaces[i] : NULL;
		const struct config_interface *y =
		    j < b->n_ifaces ? &b->ifaces[j] : NULL;
		int r = x == NULL ? 1 :
		    y == NULL	  ? -1 :
				    strcmp(x->name, y->name);

		snprintf(head, sizeof(head), "interface %s",
		    r <= 0 ? x->name : y->name);
		rc = diff_pair(head, body_iface, r <= 0 ? x : NULL,
		    r >= 0 ? y : NULL, secrets, fn, arg);
		i += r <= 0;
		j += r >= 0;
	}
	for (i = j = 0; rc == 0 && (i < a->n_vlans || j < b->n_vlans);) {
		const struct config_vlan *x = i < a->n_vlans ? &a->vlans[i] :
							       NULL;
		const struct config_vlan *y = j < b->n_vlans ? &b->vlans[j] :
							       NULL;
		int r = x == NULL ? 1 :
		    y == NULL	  ? -1 :
				    (x->id > y->id) - (x->id < y->id);

		snprintf(head, sizeof(head), "vlan %u", r <= 0 ? x->id : y->id);
		rc = diff_pair(head, body_vlan, r <= 0 ? x : NULL,
		    r >= 0 ? y : NULL, secrets, fn, arg);
		i += r <= 0;
		j += r >= 0;
	}
	if (rc == 0 && (a->pool.family != 0 || b->pool.family != 0))
		rc = diff_pair("client-vpn", body_pool,
		    a->pool.family != 0 ? a : NULL,
		    b->pool.family != 0 ? b : NULL, secrets, fn, arg);
	/* One line, as the hostname: the old one goes, the new one comes. */
	if (rc == 0 && strcmp(a->metrics_listen, b->metrics_listen) != 0) {
		rc = fn(arg, "[edit]");
		if (rc == 0 && a->metrics_listen[0] != '\0')
			rc = emit(fn, arg, "- metrics listen %s",
			    a->metrics_listen);
		if (rc == 0 && b->metrics_listen[0] != '\0')
			rc = emit(fn, arg, "+ metrics listen %s",
			    b->metrics_listen);
	}
	if (rc == 0) {
		struct diff_walk w = { secrets, fn, arg };

		rc = tunnels_walk(a, b, diff_tunnel, &w);
	}
	return rc;
}
