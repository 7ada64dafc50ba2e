/*
 * shell/names.c: the names of a configuration (remote-address and
 * local-address given by name) as commit sees them: asked of the
 * resolver before commit and commit check (commands/names.c waits), and
 * said as warnings when they do not resolve now, since DNS may be down
 * and the tunnel follows its name once it resolves.  Only the enabled
 * tunnels a commit changes are asked: a disabled one resolves nothing.
 */
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

void
resolver_config_check(void *arg, const struct config *cfg, struct diag *d)
{
	for (size_t i = 0; i < cfg->n_tunnels; i++) {
		const struct config_tunnel *t = cfg->tunnels[i];

		if (!asked(cfg, t))
			continue;
		if (t->remote_address.name != NULL)
			check(arg, t, "remote-address", t->remote_address.name,
			    d);
		if (t->local_address.name != NULL)
			check(arg, t, "local-address", t->local_address.name,
			    d);
	}
}
