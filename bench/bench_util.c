/*
 * bench/bench_util.c: the pieces every benchmark uses (see the header).
 */
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_util.h"

double
bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* Sorts v in place. */
double
bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void
bench_report(const char *name, double value, const char *unit)
{
	printf("BENCH %s %.2f %s\n", name, value, unit);
	fflush(stdout);
}

/* Prints every entry of d to stderr and exits: the bench is meaningless. */
void
bench_die(const char *what, struct diag *d)
{
	fprintf(stderr, "bench: %s failed:\n", what);
	for (size_t i = 0; i < d->count && i < 20; i++)
		fprintf(stderr, "  %s\n", d->entries[i].text);
	if (d->count > 20)
		fprintf(stderr, "  ... %zu more\n", d->count - 20);
	abort();
}

static void
format_addr(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff);
}

/*
 * One tunnel k of the generated file.  Every tunnel has its own peer in
 * 198.18.0.0/15 (RFC 2544) and its own remote /24 in 10.128.0.0/9, away
 * from the VLAN subnets in 10.0.0.0/16 and 10.1.0.0/16; one tunnel in
 * three offers a second VLAN.
 */
static void
write_tunnel(FILE *f, size_t k, bool answer_only)
{
	char peer[16], remote[24];
	unsigned vlan = 1 + (unsigned)(k % BENCH_VLAN_COUNT);

	format_addr(0xc6120000u + (uint32_t)k + 1, peer, sizeof(peer));
	/* 10.128.0.0/9 holds 32,768 /24s; beyond, /28s of 100.64.0.0/10
	 * (RFC 6598), so 100,000 tunnels stay valid. */
	if (k < 32768) {
		snprintf(remote, sizeof(remote), "10.%zu.%zu.0/24",
		    128 + k / 256, k % 256);
	} else {
		format_addr(0x64400000u + (uint32_t)(k - 32768) * 16, remote,
		    sizeof(remote));
		strncat(remote, "/28", sizeof(remote) - strlen(remote) - 1);
	}
	fprintf(f,
	    "  {\n"
	    "    name = \"t%05zu\";\n"
	    "    description = \"bench tunnel %zu\";\n"
	    "    wan-port = \"wan1\";\n"
	    "    remote-address = \"%s\";\n"
	    "    pre-shared-key = \"bench-psk-%06zu-abcdefg\";\n"
	    "    remote-network = [ \"%s\" ];\n",
	    k, k, peer, k, remote);
	if (k % 3 == 0)
		fprintf(f,
		    "    local-network = [ \"vlan %u\", \"vlan %u\" ];\n", vlan,
		    1 +
			(unsigned)((k + BENCH_VLAN_COUNT / 2) %
			    BENCH_VLAN_COUNT));
	else
		fprintf(f, "    local-network = [ \"vlan %u\" ];\n", vlan);
	fputs("    ike-lifetime = \"8h\";\n"
	      "    child-lifetime = 3600;\n"
	      "    rekey = true;\n"
	      "    dpd-action = \"restart\";\n"
	      "    dpd-timeout = 10;\n"
	      "    dpd-delay = 30;\n",
	    f);
	if (answer_only)
		fputs("    initiator = false;\n", f);
	fputs("  }", f);
}

void
bench_write_config(const char *path, size_t n_tunnels)
{
	bench_write_config_as(path, n_tunnels, false);
}

void
bench_write_config_as(const char *path, size_t n_tunnels, bool answer_only)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		abort();
	}
	fputs("hostname = \"bench\";\n"
	      "interfaces = ( { name = \"wan1\"; address = \"203.0.113.2/24\";"
	      " gateway = \"203.0.113.1\"; } );\n"
	      "vlans = (",
	    f);
	for (unsigned v = 1; v <= BENCH_VLAN_COUNT; v++)
		fprintf(f,
		    "%s\n  { id = %u; name = \"v%u\"; subnet = "
		    "\"10.%u.%u.0/24\"; }",
		    v > 1 ? "," : "", v, v, v / 256, v % 256);
	fputs("\n);\ntunnels = (", f);
	for (size_t k = 0; k < n_tunnels; k++) {
		fputs(k ? ",\n" : "\n", f);
		write_tunnel(f, k, answer_only);
	}
	fputs("\n);\n", f);
	if (fclose(f) != 0) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		abort();
	}
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0)
		fprintf(stderr, "bench: cannot remove %s: %s\n", path,
		    strerror(errno));
	return 0;
}

void
bench_scratch(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/tunsh-bench-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "bench: mkdtemp: %s\n", strerror(errno));
		abort();
	}
}

void
bench_scratch_remove(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
