/*
 * shell/names.c: the names of a configuration (remote-address and
 * local-address given by name) as commit sees them: asked of the
 * resolver before commit and commit check (commands/names.c waits), and
 * said as warnings when they do not resolve now, since DNS may be down
 * and the tunnel follows its name once it resolves.  Only the enabled
 * tunnels a commit changes are asked: a disabled one resolves nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "shell/resolve.h"

/* What r says of name now: as resolver_lookup(). */
static int
ask(struct resolver *r, const char *name, char *why, size_t why_len)
{
	struct ipaddr a[RESOLVE_ADDRS_MAX];
	uint32_t ttl;

	return resolver_lookup(r, name, a, RESOLVE_ADDRS_MAX, &ttl, why,
	    why_len);
}

/* Asked and said for the tunnels this commit changes (all of them for a
 * fresh configuration or a change outside the tunnels): a name that
 * keeps failing is said once, not at every commit. */
static bool
asked(const struct config *cfg, const struct config_tunnel *t)
{
	if (!t->enable)
		return false;
	if (!cfg->tracking || cfg->system_changed)
		return true;
	for (size_t i = 0; i < cfg->n_touched; i++)
		if (strcmp(cfg->touched[i], t->name) == 0)
			return true;
	return false;
}

size_t
resolver_config_pending(void *arg, const struct config *cfg)
{
	char why[RESOLVE_WHY_MAX];
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_tunnels; i++) {
		const struct config_tunnel *t = cfg->tunnels[i];

		if (!asked(cfg, t))
			continue;
		if (t->remote_address.name != NULL &&
		    ask(arg, t->remote_address.name, why, sizeof(why)) == 0)
			n++;
		if (t->local_address.name != NULL &&
		    ask(arg, t->local_address.name, why, sizeof(why)) == 0)
			n++;
	}
	return n;
}

static void
check(struct resolver *r, const struct config_tunnel *t, const char *setting,
    const char *name, struct diag *d)
{
	char why[RESOLVE_WHY_MAX];
	int n = ask(r, name, why, sizeof(why));

	if (n > 0)
		return;
	diag_warn(d,
	    "tunnel %s: %s %s does not resolve now: %s; it is applied, and "
	    "show ipsec tunnel %s says why until it resolves",
	    t->name, setting, name,
	    n == 0 ? "no answer yet from the name servers" : why, t->name);
}

/*
 * A local address by name that resolves elsewhere: a commit refuses it
 * (apply.c, through resolver_local_addr()); commit check, which applies
 * nothing, says it here.
 */
static void
check_local(struct resolver *r, const struct config *cfg,
    const struct config_tunnel *t, struct diag *d)
{
	struct ipaddr addr;
	struct diag mine;

	/* Warnings only: the check does not fail on what DNS says now. */
	diag_init(&mine);
	(void)resolver_local_addr(r, cfg, t, false, &addr, &mine);
	for (size_t i = 0; i < mine.count; i++)
		diag_warn(d, "%s", mine.entries[i].text);
	diag_clear(&mine);
}

void
resolver_config_check(void *arg, const struct config *cfg, bool check_only,
    struct diag *d)
{
	for (size_t i = 0; i < cfg->n_tunnels; i++) {
		const struct config_tunnel *t = cfg->tunnels[i];

		if (!asked(cfg, t))
			continue;
		if (t->remote_address.name != NULL)
			check(arg, t, "remote-address", t->remote_address.name,
			    d);
		if (t->local_address.name != NULL && check_only)
			check_local(arg, cfg, t, d);
		else if (t->local_address.name != NULL)
			check(arg, t, "local-address", t->local_address.name,
			    d);
	}
}

/*
 * A local address given by name is the WAN port's address the name
 * resolves to (tunsh.conf(5)): the port's address, refused in words when
 * the name says another one; not known yet, a warning (the commit has
 * asked, and commit check waits for the answer).
 */
int
resolver_local_addr(struct resolver *r, const struct config *cfg,
    const struct config_tunnel *t, bool started, struct ipaddr *out,
    struct diag *d)
{
	const char *name = t->local_address.name;
	const struct config_interface *i =
	    config_interface_find(cfg, t->wan_port);
	struct ipaddr a[RESOLVE_ADDRS_MAX];
	char port[2 * IPADDR_STRLEN + 8] = "";
	char got[RESOLVE_ADDRS_MAX * IPADDR_STRLEN] = "";
	char why[RESOLVE_WHY_MAX];
	uint32_t ttl;
	int n;

	if (i == NULL || !config_interface_has_address(i)) {
		diag_add(d, DIAG_ERROR,
		    "tunnel %s: local-address %s must resolve to an address "
		    "of wan-port %s, which has none: give wan-port %s an "
		    "address",
		    t->name, name, t->wan_port, t->wan_port);
		return -EINVAL;
	}
	/* Until the name says otherwise: the port's IPv4 address if it has
	 * one (a peer by name is resolved in that family first). */
	for (int f = CONFIG_FAMILIES - 1; f >= 0; f--) {
		if (i->addr[f].family == 0)
			continue;
		*out = i->addr[f];
		out->len = (uint8_t)ipaddr_bits(out);
	}
	for (int f = 0; f < CONFIG_FAMILIES; f++) {
		char one[IPADDR_STRLEN];

		struct ipaddr host = i->addr[f];

		if (host.family == 0)
			continue;
		host.len = (uint8_t)ipaddr_bits(&host);
		ipaddr_format(&host, one, sizeof(one));
		snprintf(port + strlen(port), sizeof(port) - strlen(port),
		    "%s%s", port[0] ? ", " : "", one);
	}
	n = resolver_lookup(r, name, a, RESOLVE_ADDRS_MAX, &ttl, why,
	    sizeof(why));
	if (n <= 0) {
		/* At commit, resolver_config_check() said so already. */
		if (!started)
			diag_warn(d,
			    "tunnel %s: local-address %s: %s: the tunnel uses "
			    "wan-port %s's address (%s)",
			    t->name, name, n == 0 ? "being resolved" : why,
			    t->wan_port, port);
		return 0;
	}
	for (int k = 0; k < n; k++) {
		const struct ipaddr *p = &i->addr[config_slot(a[k].family)];
		char one[IPADDR_STRLEN];

		if (p->family == a[k].family &&
		    memcmp(p->bytes, a[k].bytes, sizeof(p->bytes)) == 0) {
			*out = a[k];
			return 0;
		}
		ipaddr_format(&a[k], one, sizeof(one));
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
		    k ? ", " : "", one);
	}
	diag_add(d, started ? DIAG_ERROR : DIAG_WARNING,
	    "tunnel %s: local-address %s resolves to %s, none of them an "
	    "address of wan-port %s (%s): fix the name's records, or set "
	    "local-address to one of the port's addresses",
	    t->name, name, got, t->wan_port, port);
	return started ? -EINVAL : 0;
}
