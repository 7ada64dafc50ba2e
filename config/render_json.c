/*
 * config/render_json.c: the configuration as one JSON document, for the
 * json form of show running-config.  Unlike the CLI form it gives every
 * setting's effective value (scripts should not need the defaults), and
 * lists under "set" the settings given explicitly.  Keys are masked unless
 * show_secrets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "config/config_private.h"
#include "lib/json.h"

/* A string setting or name: null when empty, as every absent value. */
static void
str_or_null(struct json_writer *w, const char *key, const char *s)
{
	json_str(w, key, s[0] != '\0' ? s : NULL);
}

static void
tunnel_value(struct json_writer *w, const struct config_tunnel *t,
    enum config_field f, bool secrets)
{
	const struct config_field_info *fi = config_field_info(f);
	char v[CONFIG_PROPOSAL_LEN + CONFIG_HOST_MAX];
	size_t n;

	n = config_tunnel_format(t, f, 0, secrets, v, sizeof(v));
	switch (fi->kind) {
	case CFK_FLAG:
	case CFK_YESNO:
		json_bool(w, fi->key, strcmp(v, "yes") == 0);
		break;
	case CFK_SECONDS:
	case CFK_COUNT:
		/* A policy-based tunnel has no interface to have an MTU:
		 * its default means nothing (one set is refused). */
		if (f == CF_MTU && t->type != CONFIG_TUNNEL_ROUTE &&
		    !config_tunnel_is_set(t, f))
			json_null(w, fi->key);
		else
			json_u64(w, fi->key, strtoull(v, NULL, 10));
		break;
	case CFK_PREFIXES:
	case CFK_LOCALNETS:
	case CFK_PROPOSALS:
		json_array(w, fi->key, JSON_ONE_LINE);
		for (size_t i = 0; i < n; i++) {
			config_tunnel_format(t, f, i, secrets, v, sizeof(v));
			str_or_null(w, NULL, v);
		}
		json_end(w);
		break;
	default:
		if (n != 0)
			str_or_null(w, fi->key, v);
		else
			json_null(w, fi->key);
		break;
	}
	/* v held the key when secrets were asked for. */
	OPENSSL_cleanse(v, sizeof(v));
}

static void
tunnel(struct json_writer *w, const struct config_tunnel *t, bool secrets)
{
	json_object(w, NULL, JSON_LINES);
	str_or_null(w, "name", t->name);
	json_object(w, "settings", JSON_LINES);
	for (enum config_field f = 0; f < CF__COUNT; f++)
		tunnel_value(w, t, f, secrets);
	json_end(w);
	json_array(w, "set", JSON_ONE_LINE);
	for (enum config_field f = 0; f < CF__COUNT; f++)
		if (config_tunnel_is_set(t, f))
			json_str(w, NULL, config_field_info(f)->key);
	json_end(w);
	json_end(w);
}

void
config_json_per_family(struct json_writer *w, const char *key,
    const struct ipaddr *slots, bool prefix)
{
	char a[IPADDR_STRLEN], k6[32];

	if (prefix)
		ipaddr_format_prefix(&slots[CONFIG_V4], a, sizeof(a));
	else
		ipaddr_format(&slots[CONFIG_V4], a, sizeof(a));
	json_str(w, key, slots[CONFIG_V4].family != 0 ? a : NULL);
	if (slots[CONFIG_V6].family == 0)
		return;
	if (prefix)
		ipaddr_format_prefix(&slots[CONFIG_V6], a, sizeof(a));
	else
		ipaddr_format(&slots[CONFIG_V6], a, sizeof(a));
	snprintf(k6, sizeof(k6), "%s6", key);
	json_str(w, k6, a);
}

static void
interfaces(struct json_writer *w, const struct config *c)
{
	json_array(w, "interfaces", JSON_LINES);
	for (size_t i = 0; i < c->n_ifaces; i++) {
		const struct config_interface *f = &c->ifaces[i];

		json_object(w, NULL, JSON_ONE_LINE);
		str_or_null(w, "name", f->name);
		config_json_per_family(w, "address", f->addr, true);
		config_json_per_family(w, "gateway", f->gateway, false);
		json_end(w);
	}
	json_end(w);
}

static void
vlans(struct json_writer *w, const struct config *c)
{
	json_array(w, "vlans", JSON_LINES);
	for (size_t i = 0; i < c->n_vlans; i++) {
		const struct config_vlan *v = &c->vlans[i];

		json_object(w, NULL, JSON_ONE_LINE);
		json_u64(w, "id", v->id);
		str_or_null(w, "name", v->name);
		config_json_per_family(w, "subnet", v->subnet, true);
		json_end(w);
	}
	json_end(w);
}

int
config_render_json(const struct config *c, const struct config_render_opts *opt,
    config_line_fn fn, void *arg)
{
	bool secrets = opt != NULL && opt->show_secrets;
	const struct config_tunnel *only = NULL;
	char p[IPADDR_STRLEN];
	struct json_writer w;

	if (opt != NULL && opt->only_tunnel != NULL &&
	    (only = config_tunnel_find(c, opt->only_tunnel)) == NULL)
		return -ENOENT;
	json_writer_init(&w, fn, arg);
	json_object(&w, NULL, JSON_LINES);
	json_u64(&w, "version", c->version);
	str_or_null(&w, "hostname", c->hostname);
	interfaces(&w, c);
	vlans(&w, c);
	ipaddr_format_prefix(&c->pool, p, sizeof(p));
	json_object(&w, "client_vpn", JSON_ONE_LINE);
	json_str(&w, "pool", c->pool.family != 0 ? p : NULL);
	json_end(&w);
	json_object(&w, "metrics", JSON_ONE_LINE);
	str_or_null(&w, "listen", c->metrics_listen);
	json_end(&w);
	json_array(&w, "tunnels", JSON_LINES);
	if (only != NULL) {
		tunnel(&w, only, secrets);
	} else {
		for (size_t i = 0; i < c->n_tunnels; i++)
			tunnel(&w, c->tunnels[i], secrets);
	}
	json_end(&w);
	json_end(&w);
	return json_writer_finish(&w);
}
