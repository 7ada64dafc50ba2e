/*
 * tests/integration/kernel_probe.c: kernel_nl_ops from the command line,
 * for tests/integration/kernel_netns.sh on this machine's kernel and for
 * the VM tier, where the kernel has ESP.  One operation per run, with
 * key=value arguments:
 *
 *   kernel_probe policy-add dir=out src=P dst=P tmpl-src=A tmpl-dst=A
 *       reqid=N [priority=N] [mark=V/M] [if-id=N]
 *   kernel_probe policy-del (the same)
 *   kernel_probe spi-alloc src=A dst=A reqid=N        prints the SPI
 *   kernel_probe sa-add src=A dst=A spi=N reqid=N enc=NAME enc-key=HEX
 *       [icv=BITS | auth=NAME auth-key=HEX trunc=BITS] [replay=N]
 *       [encap=SPORT:DPORT] [mark=V/M] [if-id=N] [soft=S] [hard=S]
 *       [sel-src=P] [sel-dst=P]
 *   kernel_probe sa-query dst=A spi=N [mark=V/M]      prints the counters
 *   kernel_probe sa-del dst=A spi=N [mark=V/M]
 *   kernel_probe route-add dst=P dev=NAME [metric=N]
 *   kernel_probe route-del (the same)
 *   kernel_probe cleanup          what a dead tunshd left: prints the count
 *   kernel_probe mss tunnel=NAME mss=N (dev=NAME [inet6=1] |
 *       local=P[,P] remote=P[,P])   tunshd's nftables table with that clamp
 *   kernel_probe has-esp                     prints yes or no, exit 0 or 3
 *   kernel_probe acquire [timeout=S]  prints "listening", then the first
 *                                     ACQUIRE; exit 4 on timeout
 *
 * The sa- operations on a marked SA need sa-add (or mark=) in the same
 * run to know the mark: "sa-add ... then=query" runs sa-query and sa-del
 * after the add in one process.  Addresses and prefixes are of either
 * family (A: "192.0.2.1", "2001:db8::1"; P: also "10.1.0.0/24"); an SA
 * without sel-src and sel-dst gets no selector (both inner families).
 * Errors go to stderr, exit 1; bad arguments exit 2.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "lib/lib.h"

static int argc_;
static char **argv_;

static const char *
arg(const char *key)
{
	size_t n = strlen(key);

	for (int i = 2; i < argc_; i++)
		if (strncmp(argv_[i], key, n) == 0 && argv_[i][n] == '=')
			return argv_[i] + n + 1;
	return NULL;
}

static void
die(const char *what)
{
	fprintf(stderr, "kernel_probe: bad or missing argument %s\n", what);
	exit(2);
}

static uint32_t
num(const char *key, uint32_t dflt)
{
	const char *s = arg(key);
	char *end;
	unsigned long v;

	if (s == NULL)
		return dflt;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		die(key);
	return (uint32_t)v;
}

static struct ipaddr
addr(const char *key)
{
	struct ipaddr a = { 0 };

	if (arg(key) == NULL || ipaddr_parse(arg(key), &a) < 0)
		die(key);
	return a;
}

/* A prefix, or one address as its host prefix; absent: no family. */
static struct ipaddr
prefix(const char *key)
{
	struct ipaddr p = { 0 };
	const char *s = arg(key);

	if (s != NULL && ipaddr_parse_prefix(s, &p) < 0 &&
	    ipaddr_parse(s, &p) < 0)
		die(key);
	return p;
}

static void
mark(uint32_t *v, uint32_t *m)
{
	const char *s = arg("mark");

	*v = *m = 0;
	if (s != NULL && sscanf(s, "%" SCNi32 "/%" SCNi32, v, m) != 2)
		die("mark");
}

static struct secbuf *
hexkey(const char *key)
{
	const char *s = arg(key);
	struct secbuf *b;
	size_t n;

	if (s == NULL)
		return NULL;
	if (strncmp(s, "0x", 2) == 0)
		s += 2;
	n = strlen(s);
	if (n % 2 != 0 || (b = secbuf_new(n / 2)) == NULL)
		die(key);
	for (size_t i = 0; i < n / 2; i++)
		if (sscanf(s + 2 * i, "%2hhx", &b->data[i]) != 1)
			die(key);
	return b;
}

static int
report(struct diag *d, int rc)
{
	for (size_t i = 0; i < d->count; i++)
		fprintf(stderr, "kernel_probe: %s\n", d->entries[i].text);
	if (rc < 0 && d->count == 0)
		fprintf(stderr, "kernel_probe: %s\n", strerror(-rc));
	diag_clear(d);
	return rc < 0 ? 1 : 0;
}

static void
policy(struct kernel_policy *p)
{
	static const char *const dirs[] = { "in", "out", "fwd" };
	const char *dir = arg("dir");
	size_t i;

	for (i = 0; dir != NULL && i < 3; i++)
		if (strcmp(dir, dirs[i]) == 0)
			break;
	if (dir == NULL || i == 3)
		die("dir");
	p->dir = (enum kernel_dir)i;
	p->src = prefix("src");
	p->dst = prefix("dst");
	p->tmpl_src = addr("tmpl-src");
	p->tmpl_dst = addr("tmpl-dst");
	p->reqid = num("reqid", 0);
	p->priority = num("priority", 0);
	p->if_id = num("if-id", 0);
	mark(&p->mark, &p->mark_mask);
}

static int
query(struct kernel_nl *k, const struct ipaddr *dst, uint32_t spi)
{
	struct kernel_sa_stats st;
	int rc = kernel_nl_ops.sa_query(k, dst, spi, &st);

	if (rc == 0)
		printf("bytes %" PRIu64 " packets %" PRIu64 " add_time %" PRIu64
		       " use_time %" PRIu64 "\n",
		    st.bytes, st.packets, st.add_time, st.use_time);
	return rc;
}

static int
sa_add(struct kernel_nl *k, struct diag *d)
{
	struct kernel_sa sa = { 0 };
	const char *encap = arg("encap");
	unsigned sp, dp;
	int rc;

	sa.src = addr("src");
	sa.dst = addr("dst");
	sa.spi = num("spi", 0);
	sa.reqid = num("reqid", 0);
	sa.enc_alg = arg("enc");
	sa.enc_key = hexkey("enc-key");
	sa.icv_bits = num("icv", 128);
	sa.auth_alg = arg("auth");
	sa.auth_key = hexkey("auth-key");
	sa.trunc_bits = num("trunc", 128);
	sa.replay_window = num("replay", 32);
	if (encap != NULL) {
		if (sscanf(encap, "%u:%u", &sp, &dp) != 2 || sp > 65535 ||
		    dp > 65535)
			die("encap");
		sa.encap = true;
		sa.encap_sport = (uint16_t)sp;
		sa.encap_dport = (uint16_t)dp;
	}
	mark(&sa.mark, &sa.mark_mask);
	sa.if_id = num("if-id", 0);
	sa.soft_secs = arg("soft") ? num("soft", 0) : KERNEL_LIFE_INF;
	sa.hard_secs = arg("hard") ? num("hard", 0) : KERNEL_LIFE_INF;
	sa.sel_src = prefix("sel-src");
	sa.sel_dst = prefix("sel-dst");
	if (sa.enc_alg == NULL || sa.enc_key == NULL)
		die("enc/enc-key");
	rc = kernel_nl_ops.sa_add(k, &sa, d);
	secbuf_free((struct secbuf *)sa.enc_key);
	secbuf_free((struct secbuf *)sa.auth_key);
	if (rc == 0 && arg("then") != NULL && strcmp(arg("then"), "query") == 0)
		if ((rc = query(k, &sa.dst, sa.spi)) == 0)
			rc = kernel_nl_ops.sa_del(k, &sa.dst, sa.spi);
	return rc;
}

static int acquire_wait(struct kernel_nl *k, struct diag *d);

/* A comma-separated list of prefixes into out (at most n); the count. */
static size_t
prefixes(const char *key, struct ipaddr *out, size_t n)
{
	char buf[512], *save = NULL;
	size_t c = 0;

	if (arg(key) == NULL)
		return 0;
	if (snprintf(buf, sizeof(buf), "%s", arg(key)) >= (int)sizeof(buf))
		die(key);
	for (char *t = strtok_r(buf, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		if (c == n || ipaddr_parse_prefix(t, &out[c]) < 0)
			die(key);
		c++;
	}
	return c;
}

static int
mss(struct diag *d)
{
	struct ipaddr local[8], remote[8];
	struct kernel_mss m = { .tunnel = arg("tunnel"),
		.ifname = arg("dev"),
		.inet6 = num("inet6", 0) != 0,
		.mss = num("mss", 0) };
	struct kernel_nft *n;
	char *script = NULL;
	int rc;

	if (m.tunnel == NULL)
		die("tunnel");
	m.local = local;
	m.remote = remote;
	m.n_local = prefixes("local", local, 8);
	m.n_remote = prefixes("remote", remote, 8);
	if ((rc = kernel_nft_mss_script(&m, 1, &script)) < 0)
		return rc;
	if ((n = kernel_nft_open()) == NULL) {
		free(script);
		return -ENOMEM;
	}
	rc = kernel_nft_ops.run(n, script, d);
	kernel_nft_close(n);
	free(script);
	return rc;
}

static int
run(struct kernel_nl *k, const char *op, struct diag *d)
{
	struct kernel_policy p = { 0 };
	struct kernel_route r = { 0 };
	struct ipaddr a, b;
	uint32_t spi;
	int rc;

	if (strcmp(op, "policy-add") == 0 || strcmp(op, "policy-del") == 0) {
		policy(&p);
		return op[7] == 'a' ? kernel_nl_ops.policy_add(k, &p, d) :
				      kernel_nl_ops.policy_del(k, &p);
	}
	if (strcmp(op, "spi-alloc") == 0) {
		a = addr("src");
		b = addr("dst");
		rc = kernel_nl_ops.spi_alloc(k, &a, &b, num("reqid", 0), &spi,
		    d);
		if (rc == 0)
			printf("0x%08" PRIx32 "\n", spi);
		return rc;
	}
	if (strcmp(op, "sa-add") == 0)
		return sa_add(k, d);
	if (strcmp(op, "route-add") == 0 || strcmp(op, "route-del") == 0) {
		r.dst = prefix("dst");
		if (arg("dev") == NULL || strlen(arg("dev")) >= sizeof(r.dev))
			die("dev");
		snprintf(r.dev, sizeof(r.dev), "%s", arg("dev"));
		r.metric = num("metric", 0);
		return op[6] == 'a' ? kernel_nl_link_ops.route_add(k, &r, d) :
				      kernel_nl_link_ops.route_del(k, &r);
	}
	if (strcmp(op, "sa-query") == 0 || strcmp(op, "sa-del") == 0) {
		a = addr("dst");
		return op[3] == 'q' ?
		    query(k, &a, num("spi", 0)) :
		    kernel_nl_ops.sa_del(k, &a, num("spi", 0));
	}
	if (strcmp(op, "acquire") == 0)
		return acquire_wait(k, d);
	if (strcmp(op, "mss") == 0)
		return mss(d);
	if (strcmp(op, "cleanup") == 0) {
		size_t n = 0;

		if ((rc = kernel_nl_cleanup(k, &n, d)) == 0)
			printf("removed %zu\n", n);
		return rc;
	}
	die(op);
	return -EINVAL;
}

static bool acquired;

static void
on_acquire(void *arg, uint32_t reqid, const struct ipaddr *src,
    const struct ipaddr *dst)
{
	char s[IPADDR_STRLEN], t[IPADDR_STRLEN];

	(void)arg;
	ipaddr_format(src, s, sizeof(s));
	ipaddr_format(dst, t, sizeof(t));
	printf("acquire reqid %" PRIu32 " src %s dst %s\n", reqid, s, t);
	acquired = true;
}

static const struct kernel_events events = { .acquire = on_acquire };

static int
acquire_wait(struct kernel_nl *k, struct diag *d)
{
	struct pollfd pfd = { .events = POLLIN };
	int rc, ms = (int)num("timeout", 5) * 1000;

	if ((rc = kernel_nl_events_open(k, &events, NULL, d)) < 0)
		return rc;
	pfd.fd = kernel_nl_events_fd(k);
	printf("listening\n");
	fflush(stdout);
	while (!acquired) {
		if (poll(&pfd, 1, ms) <= 0) {
			fprintf(stderr, "kernel_probe: no ACQUIRE\n");
			exit(4);
		}
		kernel_nl_events_dispatch(k);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct diag d;
	struct kernel_nl *k;
	int rc;

	if (argc < 2) {
		fprintf(stderr,
		    "usage: kernel_probe OPERATION [KEY=VALUE]...\n");
		return 2;
	}
	argc_ = argc;
	argv_ = argv;
	diag_init(&d);
	if ((k = kernel_nl_open(&d)) == NULL)
		return report(&d, -1);
	if (strcmp(argv[1], "has-esp") == 0) {
		rc = kernel_nl_has_esp(k);
		printf("%s\n", rc ? "yes" : "no");
		kernel_nl_close(k);
		return rc ? 0 : 3;
	}
	rc = run(k, argv[1], &d);
	kernel_nl_close(k);
	return report(&d, rc);
}
