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
 * option is larger than the tunnel's clamp gets the clamp.  A script
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

/* "{ 10.1.0.0/16, 10.2.0.0/24 }": nft merges overlapping ones. */
static void
put_set(FILE *f, const struct prefix4 *p, size_t n)
{
	char buf[PREFIX4_STRLEN];

	fputs("{ ", f);
	for (size_t i = 0; i < n; i++) {
		prefix4_format(&p[i], buf, sizeof(buf));
		fprintf(f, "%s%s", i ? ", " : "", buf);
	}
	fputs(" }", f);
}

/* The clamp itself: only a larger MSS is lowered, never a smaller one
 * raised.  "tcp flags syn" matches SYN-ACKs too (the bit is set). */
static void
put_clamp(FILE *f, const struct kernel_mss *m, const char *way)
{
	fprintf(f,
	    " tcp flags syn tcp option maxseg size > %u"
	    " tcp option maxseg size set %u comment \"%s %s\"\n",
	    m->mss, m->mss, m->tunnel, way);
}

static void
put_rules(FILE *f, const struct kernel_mss *m)
{
	if (m->ifname != NULL) {
		fprintf(f, "add rule " TABLE " mss oifname \"%s\"", m->ifname);
		put_clamp(f, m, "out");
		fprintf(f, "add rule " TABLE " mss iifname \"%s\"", m->ifname);
		put_clamp(f, m, "in");
		return;
	}
	/* rt ipsec: the route the packet took is an XFRM bundle (it
	 * matched an out policy); meta ipsec: it was decrypted. */
	fputs("add rule " TABLE " mss rt ipsec exists ip saddr ", f);
	put_set(f, m->local, m->n_local);
	fputs(" ip daddr ", f);
	put_set(f, m->remote, m->n_remote);
	put_clamp(f, m, "out");
	fputs("add rule " TABLE " mss meta ipsec exists ip saddr ", f);
	put_set(f, m->remote, m->n_remote);
	fputs(" ip daddr ", f);
	put_set(f, m->local, m->n_local);
	put_clamp(f, m, "in");
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
		    (m[i].ifname == NULL &&
			(m[i].n_local == 0 || m[i].n_remote == 0)))
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
