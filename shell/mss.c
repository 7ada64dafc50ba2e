/*
 * shell/mss.c: the record of each running tunnel's TCP MSS clamp, and the
 * nftables table made to match it once per commit.  A commit's steps only
 * change the record (an undone step changes it back), so a commit of many
 * tunnels costs one transaction, and a commit that fails halfway none;
 * the table is written whole from the record (kernel_nft_mss_script), so
 * it can never drift from it.  It decides nothing about configuration:
 * apply.c says which tunnel clamps what.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shell/mss.h"

struct mss_entry {
	struct mss_entry *next;
	char tunnel[CONFIG_TUNNEL_NAME_MAX + 1];
	char ifname[16];
	bool route;
	struct ipaddr local[CONFIG_LOCAL_PREFIXES_MAX]; /* + the pool */
	struct ipaddr remote[CONFIG_NETS_MAX];
	size_t n_local, n_remote;
	uint32_t mss;
};

static struct mss_entry **
slot(struct mss_set *s, const char *tunnel)
{
	struct mss_entry **pp = &s->list;

	while (*pp != NULL && strcmp((*pp)->tunnel, tunnel) != 0)
		pp = &(*pp)->next;
	return pp;
}

int
mss_set(struct mss_set *s, const char *tunnel, const char *ifname,
    const struct ipaddr *local, size_t n_local, const struct ipaddr *remote,
    size_t n_remote, uint32_t mss)
{
	struct mss_entry **pp = slot(s, tunnel), *e = *pp;

	if (e == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return -ENOMEM;
		*pp = e;
	}
	snprintf(e->tunnel, sizeof(e->tunnel), "%s", tunnel);
	e->route = ifname != NULL;
	snprintf(e->ifname, sizeof(e->ifname), "%s", ifname ? ifname : "");
	e->n_local = n_local < CONFIG_LOCAL_PREFIXES_MAX ?
	    n_local :
	    CONFIG_LOCAL_PREFIXES_MAX;
	e->n_remote = n_remote < CONFIG_NETS_MAX ? n_remote : CONFIG_NETS_MAX;
	if (e->n_local > 0)
		memcpy(e->local, local, e->n_local * sizeof(*local));
	if (e->n_remote > 0)
		memcpy(e->remote, remote, e->n_remote * sizeof(*remote));
	e->mss = mss;
	return 0;
}

void
mss_del(struct mss_set *s, const char *tunnel)
{
	struct mss_entry **pp = slot(s, tunnel), *e = *pp;

	if (e != NULL) {
		*pp = e->next;
		free(e);
	}
}

bool
mss_has(const struct mss_set *s, const char *tunnel)
{
	for (const struct mss_entry *e = s->list; e; e = e->next)
		if (strcmp(e->tunnel, tunnel) == 0)
			return true;
	return false;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct kernel_mss *)a)->tunnel,
	    ((const struct kernel_mss *)b)->tunnel);
}

/* The tunnel's networks include IPv6 ones. */
static bool
has_ipv6(const struct mss_entry *e)
{
	for (size_t i = 0; i < e->n_local + e->n_remote; i++)
		if ((i < e->n_local ? e->local[i] : e->remote[i - e->n_local])
			.family == AF_INET6)
			return true;
	return false;
}

/* The script of the record, in the order of the tunnels' names, so that
 * the same record always gives the same text. */
static int
script(const struct mss_set *s, char **out, size_t *n_out)
{
	struct kernel_mss *m;
	size_t n = 0;
	int rc;

	for (const struct mss_entry *e = s->list; e; e = e->next)
		n++;
	if ((m = calloc(n ? n : 1, sizeof(*m))) == NULL)
		return -ENOMEM;
	n = 0;
	for (const struct mss_entry *e = s->list; e; e = e->next)
		m[n++] = (struct kernel_mss){ .tunnel = e->tunnel,
			.ifname = e->route ? e->ifname : NULL,
			.local = e->local,
			.remote = e->remote,
			.n_local = e->n_local,
			.n_remote = e->n_remote,
			.inet6 = has_ipv6(e),
			.mss = e->mss };
	qsort(m, n, sizeof(*m), by_name);
	rc = kernel_nft_mss_script(m, n, out);
	free(m);
	*n_out = n;
	return rc;
}

int
mss_sync(struct mss_set *s, struct diag *d)
{
	struct diag why;
	char *text;
	size_t n;
	int rc;

	if (s->ops == NULL)
		return 0;
	if ((rc = script(s, &text, &n)) < 0) {
		diag_add(d, DIAG_ERROR,
		    "TCP MSS clamps: cannot write their nftables rules: %s",
		    strerror(-rc));
		return rc;
	}
	/* No clamp and no table of ours: nothing to remove. */
	if (s->applied == NULL ? n == 0 : strcmp(s->applied, text) == 0) {
		free(text);
		return 0;
	}
	s->runs++;
	diag_init(&why);
	rc = s->ops->run(s->arg, text, &why);
	if (rc < 0) {
		/* nft's words, and what a person can do about them. */
		diag_add(d, DIAG_ERROR,
		    "TCP MSS clamps (tcp-mss): %s; see what holds or blocks "
		    "it with nft list ruleset, or set tcp-mss 0 to go without",
		    why.count ? why.entries[0].text :
				"nftables refused table inet tunsh");
		diag_clear(&why);
		free(text);
		return rc;
	}
	diag_clear(&why);
	free(s->applied);
	s->applied = n > 0 ? text : NULL;
	if (n == 0)
		free(text);
	return 0;
}

void
mss_clear(struct mss_set *s)
{
	struct diag d;

	while (s->list != NULL)
		mss_del(s, s->list->tunnel);
	if (s->ops != NULL && s->applied != NULL) {
		diag_init(&d);
		if (s->ops->run(s->arg, kernel_nft_remove_script(), &d) < 0)
			log_warn("shell", "TCP MSS clamps stay: %s",
			    d.count ? d.entries[0].text : "nft failed");
		diag_clear(&d);
	}
	free(s->applied);
	s->applied = NULL;
}
