/*
 * kernel/nft.c: TCP MSS clamps in nftables.  Builds the nft script of
 * tunshd's own table "inet tunsh" from the clamps (pure text, unit-tested)
 * and runs a script through libnftables as one transaction.  It knows no
 * configuration (shell/mss.c says which clamps there are) and never names
 * a table but its own.
 *
 * The table holds one base chain, "mss", in the forward hook at the mangle
 * priority (before filtering, as iptables' TCPMSS target in mangle
 * FORWARD does it): every TCP SYN and SYN-ACK through a tunnel whose MSS
 * option is larger than the tunnel's clamp gets the clamp; over IPv6 the
 * clamp is 20 bytes less (a 40-byte header, not 20: MTU - 60).  A script
 * starts by deleting the table ("add" first, so that deleting one that is
 * not there is no error) and makes it afresh: the kernel applies the
 * script as one batch, so a packet meets either the old rules or the new.
 */
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"

#define TABLE "inet " KERNEL_NFT_TABLE

static const char remove_script[] = "add table " TABLE "\n"
				    "delete table " TABLE "\n";

const char *
kernel_nft_remove_script(void)
{
	return remove_script;
}

/* What nft takes inside double quotes as it is: no quote, no backslash,
 * nothing unprintable (tunnel and interface names never have them). */
static bool
literal(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return false;
	return true;
}

/* IPv6's header is 20 bytes longer than IPv4's. */
#define MSS6_LESS 20

/* (Config keeps tcp-mss far above 20; the guard keeps the sum sane.) */
static uint32_t
mss6(const struct kernel_mss *m)
{
	return m->mss > MSS6_LESS ? m->mss - MSS6_LESS : m->mss;
}

static size_t
count(const struct ipaddr *p, size_t n, int family)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += p[i].family == family;
	return c;
}

/* "{ 10.1.0.0/16, 10.2.0.0/24 }", the prefixes of one family: nft
 * merges overlapping ones. */
static void
put_set(FILE *f, const struct ipaddr *p, size_t n, int family)
{
	char buf[IPADDR_STRLEN];
	bool first = true;

	fputs("{ ", f);
	for (size_t i = 0; i < n; i++) {
		if (p[i].family != family)
			continue;
		ipaddr_format_prefix(&p[i], buf, sizeof(buf));
		fprintf(f, "%s%s", first ? "" : ", ", buf);
		first = false;
	}
	fputs(" }", f);
}

/* The clamp itself: only a larger MSS is lowered, never a smaller one
 * raised.  "tcp flags syn" matches SYN-ACKs too (the bit is set). */
static void
put_clamp(FILE *f, const struct kernel_mss *m, uint32_t mss, const char *way)
{
	fprintf(f,
	    " tcp flags syn tcp option maxseg size > %u"
	    " tcp option maxseg size set %u comment \"%s %s\"\n",
	    mss, mss, m->tunnel, way);
}

/* rt ipsec: the route the packet took is an XFRM bundle (it matched an
 * out policy); meta ipsec: it was decrypted.  "ip" or "ip6" keys. */
static void
put_policy_rules(FILE *f, const struct kernel_mss *m, int family)
{
	const char *ip = family == AF_INET6 ? "ip6" : "ip";
	uint32_t mss = family == AF_INET6 ? mss6(m) : m->mss;

	fprintf(f, "add rule " TABLE " mss rt ipsec exists %s saddr ", ip);
	put_set(f, m->local, m->n_local, family);
	fprintf(f, " %s daddr ", ip);
	put_set(f, m->remote, m->n_remote, family);
	put_clamp(f, m, mss, family == AF_INET6 ? "out6" : "out");
	fprintf(f, "add rule " TABLE " mss meta ipsec exists %s saddr ", ip);
	put_set(f, m->remote, m->n_remote, family);
	fprintf(f, " %s daddr ", ip);
	put_set(f, m->local, m->n_local, family);
	put_clamp(f, m, mss, family == AF_INET6 ? "in6" : "in");
}

/* Each family whose traffic the tunnel's policies carry: networks of it
 * on both sides. */
static bool
carries(const struct kernel_mss *m, int family)
{
	return count(m->local, m->n_local, family) > 0 &&
	    count(m->remote, m->n_remote, family) > 0;
}

static void
put_rules(FILE *f, const struct kernel_mss *m)
{
	if (m->ifname != NULL) {
		/* IPv6 first: its SYNs leave with the smaller clamp, which
		 * the family-blind rule after it (IPv4's, as it always
		 * was) then leaves alone. */
		if (m->inet6) {
			fprintf(f,
			    "add rule " TABLE " mss oifname \"%s\" meta "
			    "nfproto ipv6",
			    m->ifname);
			put_clamp(f, m, mss6(m), "out6");
			fprintf(f,
			    "add rule " TABLE " mss iifname \"%s\" meta "
			    "nfproto ipv6",
			    m->ifname);
			put_clamp(f, m, mss6(m), "in6");
		}
		fprintf(f, "add rule " TABLE " mss oifname \"%s\"", m->ifname);
		put_clamp(f, m, m->mss, "out");
		fprintf(f, "add rule " TABLE " mss iifname \"%s\"", m->ifname);
		put_clamp(f, m, m->mss, "in");
		return;
	}
	if (carries(m, AF_INET))
		put_policy_rules(f, m, AF_INET);
	if (carries(m, AF_INET6))
		put_policy_rules(f, m, AF_INET6);
}

int
kernel_nft_mss_script(const struct kernel_mss *m, size_t n, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	*out = NULL;
	for (size_t i = 0; i < n; i++)
		if (!literal(m[i].tunnel) ||
		    (m[i].ifname != NULL && !literal(m[i].ifname)) ||
		    (m[i].ifname == NULL && !carries(&m[i], AF_INET) &&
			!carries(&m[i], AF_INET6)))
			return -EINVAL;
	if ((f = open_memstream(&buf, &len)) == NULL)
		return -ENOMEM;
	fputs(remove_script, f);
	if (n > 0) {
		fputs("add table " TABLE "\n"
		      "add chain " TABLE " mss { type filter hook forward "
		      "priority mangle; policy accept; }\n",
		    f);
		for (size_t i = 0; i < n; i++)
			put_rules(f, &m[i]);
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}

struct kernel_nft {
	struct nft_ctx *ctx;
};

struct kernel_nft *
kernel_nft_open(void)
{
	struct kernel_nft *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	if ((n->ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		free(n);
		return NULL;
	}
	/* Its messages come back to us, not to stderr. */
	nft_ctx_buffer_error(n->ctx);
	nft_ctx_buffer_output(n->ctx);
	return n;
}

void
kernel_nft_close(struct kernel_nft *n)
{
	if (n == NULL)
		return;
	nft_ctx_free(n->ctx);
	free(n);
}

/*
 * nft's first error line, without its "<cmdline>:1:1-20: Error: " place
 * (a place in our own script means nothing to a person): "Could not
 * process rule: No such file or directory".
 */
static void
first_error(const char *text, char *buf, size_t len)
{
	const char *e = text != NULL ? strstr(text, "Error: ") : NULL;
	const char *s = e != NULL ? e + 7 : (text != NULL ? text : "");
	size_t n = strcspn(s, "\n");

	if (n == 0) {
		snprintf(buf, len, "it gave no reason");
		return;
	}
	snprintf(buf, len, "%.*s", (int)n, s);
}

static int
nft_run(void *arg, const char *script, struct diag *d)
{
	struct kernel_nft *n = arg;
	char why[256];

	if (nft_run_cmd_from_buffer(n->ctx, script) == 0)
		return 0;
	first_error(nft_ctx_get_error_buffer(n->ctx), why, sizeof(why));
	diag_add(d, DIAG_ERROR, "nftables table " TABLE ": %s", why);
	return -EIO;
}

const struct kernel_nft_ops kernel_nft_ops = { nft_run };

bool
kernel_nft_can_clamp(struct kernel_nft *n, struct diag *d)
{
	static const char probe[] = "add table " TABLE "\n"
				    "add chain " TABLE " probe\n"
				    "add rule " TABLE " probe tcp flags syn "
				    "tcp option maxseg size set 1400\n"
				    "delete table " TABLE "\n";

	return nft_run(n, probe, d) == 0;
}
