/*
 * config/render_json.c: the configuration as one JSON document, for the
 * json form of show running-config.  Unlike the CLI form it gives every
 * setting's effective value (scripts should not need the defaults), and
 * lists under "set" the settings given explicitly.  Keys are masked unless
 * show_secrets.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "config/config_private.h"

#define LINE 1024

struct out {
	config_line_fn fn;
	void *arg;
	int rc;
};

static void line(struct out *o, const char *fmt, ...) TUNSH_PRINTF(2, 3);

static void
line(struct out *o, const char *fmt, ...)
{
	char buf[LINE];
	va_list ap;

	if (o->rc < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o->rc = o->fn(o->arg, buf);
	OPENSSL_cleanse(buf, sizeof(buf)); /* a line may hold a key */
}

/* A JSON string, or null for an empty one. */
static const char *
jstr(const char *s, char *buf, size_t len)
{
	if (s[0] == '\0' || json_string(s, buf, len) < 0)
		snprintf(buf, len, "null");
	return buf;
}

static void
tunnel_value(const struct config_tunnel *t, enum config_field f, bool secrets,
    char *buf, size_t len)
{
	const struct config_field_info *fi = config_field_info(f);
	char v[CONFIG_PROPOSAL_LEN + CONFIG_HOST_MAX], q[2 * sizeof(v)];
	size_t n, off;

	n = config_tunnel_format(t, f, 0, secrets, v, sizeof(v));
	switch (fi->kind) {
	case CFK_FLAG:
	case CFK_YESNO:
		snprintf(buf, len, "%s",
		    strcmp(v, "yes") == 0 ? "true" : "false");
		break;
	case CFK_SECONDS:
	case CFK_COUNT:
		/* A policy-based tunnel has no interface to have an MTU:
		 * its default means nothing (one set is refused). */
		snprintf(buf, len, "%s",
		    f == CF_MTU && t->type != CONFIG_TUNNEL_ROUTE &&
			    !config_tunnel_is_set(t, f) ?
			"null" :
			v);
		break;
	case CFK_PREFIXES:
	case CFK_LOCALNETS:
	case CFK_PROPOSALS:
		off = (size_t)snprintf(buf, len, "[");
		for (size_t i = 0; i < n && off < len; i++) {
			config_tunnel_format(t, f, i, secrets, v, sizeof(v));
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    i ? ", " : "", jstr(v, q, sizeof(q)));
		}
		if (off < len)
			snprintf(buf + off, len - off, "]");
		break;
	default:
		snprintf(buf, len, "%s", n ? jstr(v, q, sizeof(q)) : "null");
		break;
	}
	/* v and q held the key when secrets were asked for. */
	OPENSSL_cleanse(v, sizeof(v));
	OPENSSL_cleanse(q, sizeof(q));
}

static void
tunnel(struct out *o, const struct config_tunnel *t, bool secrets, bool last)
{
	char v[LINE - 64], q[128], set[LINE - 16];
	size_t off = 0;

	line(o, "    {");
	line(o, "      \"name\": %s,", jstr(t->name, q, sizeof(q)));
	line(o, "      \"settings\": {");
	for (enum config_field f = 0; f < CF__COUNT; f++) {
		tunnel_value(t, f, secrets, v, sizeof(v));
		line(o, "        \"%s\": %s%s", config_field_info(f)->key, v,
		    f + 1 < CF__COUNT ? "," : "");
		if (config_tunnel_is_set(t, f) && off < sizeof(set))
			off += (size_t)snprintf(set + off, sizeof(set) - off,
			    "%s\"%s\"", off ? ", " : "",
			    config_field_info(f)->key);
	}
	if (off == 0)
		set[0] = '\0';
	OPENSSL_cleanse(v, sizeof(v));
	line(o, "      },");
	line(o, "      \"set\": [%s]", set);
	line(o, "    }%s", last ? "" : ",");
}

int
config_render_json(const struct config *c, const struct config_render_opts *opt,
    config_line_fn fn, void *arg)
{
	struct out o = { fn, arg, 0 };
	bool secrets = opt != NULL && opt->show_secrets;
	const struct config_tunnel *only = NULL;
	char a[ADDR4_STRLEN], g[ADDR4_STRLEN], p[PREFIX4_STRLEN], q[128];

	if (opt != NULL && opt->only_tunnel != NULL &&
	    (only = config_tunnel_find(c, opt->only_tunnel)) == NULL)
		return -ENOENT;
	line(&o, "{");
	line(&o, "  \"version\": %llu,", (unsigned long long)c->version);
	line(&o, "  \"hostname\": %s,", jstr(c->hostname, q, sizeof(q)));
	line(&o, "  \"interfaces\": [");
	for (size_t i = 0; i < c->n_ifaces; i++) {
		const struct config_interface *f = &c->ifaces[i];
		/* Quoted "A.B.C.D/NNN" and "A.B.C.D", or null. */
		char addr[24] = "null", gw[20] = "null";

		if (f->addr != 0) {
			addr4_format(f->addr, a, sizeof(a));
			snprintf(addr, sizeof(addr), "\"%s/%u\"", a, f->len);
		}
		if (f->gateway != 0) {
			addr4_format(f->gateway, g, sizeof(g));
			snprintf(gw, sizeof(gw), "\"%s\"", g);
		}
		line(&o,
		    "    { \"name\": %s, \"address\": %s, \"gateway\": %s }%s",
		    jstr(f->name, q, sizeof(q)), addr, gw,
		    i + 1 < c->n_ifaces ? "," : "");
	}
	line(&o, "  ],");
	line(&o, "  \"vlans\": [");
	for (size_t i = 0; i < c->n_vlans; i++) {
		const struct config_vlan *v = &c->vlans[i];

		prefix4_format(&v->subnet, p, sizeof(p));
		line(&o,
		    "    { \"id\": %u, \"name\": %s, \"subnet\": %s%s%s }%s",
		    v->id, jstr(v->name, q, sizeof(q)),
		    v->has_subnet ? "\"" : "null", v->has_subnet ? p : "",
		    v->has_subnet ? "\"" : "", i + 1 < c->n_vlans ? "," : "");
	}
	line(&o, "  ],");
	prefix4_format(&c->pool, p, sizeof(p));
	line(&o, "  \"client_vpn\": { \"pool\": %s%s%s },",
	    c->has_pool ? "\"" : "null", c->has_pool ? p : "",
	    c->has_pool ? "\"" : "");
	line(&o, "  \"metrics\": { \"listen\": %s },",
	    jstr(c->metrics_listen, q, sizeof(q)));
	line(&o, "  \"tunnels\": [");
	if (only != NULL) {
		tunnel(&o, only, secrets, true);
	} else {
		for (size_t i = 0; i < c->n_tunnels; i++)
			tunnel(&o, c->tunnels[i], secrets,
			    i + 1 == c->n_tunnels);
	}
	line(&o, "  ]");
	line(&o, "}");
	return o.rc;
}
