/*
 * shell/tunshd.c: the daemon's entry point: its options, and the two
 * offline modes that check and print configuration files.  Running is
 * shell/daemon.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "shell/daemon.h"

#define PLURAL(n) ((n) == 1 ? "" : "s")

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tunshd [-f] [--config FILE] [--state-dir DIR] "
	    "[--socket PATH]\n"
	    "              [--kernel netlink|none] [--ike-ports PORT,PORT]\n"
	    "              [--ike-half-open-per-peer N] [--ike-half-open-max N]\n"
	    "              [--max-sessions N] [--max-sessions-per-user N]\n"
	    "              [--idle-timeout MINUTES] [--hello-timeout SECONDS]\n"
	    "              [--output-timeout SECONDS] [--max-output BYTES]\n"
	    "              [--ike-fragment-size BYTES]\n"
	    "              [--mss-clamp nft|none]\n"
	    "       tunshd --check-config FILE\n"
	    "       tunshd --print-config FILE [--show-secrets]\n"
	    "       tunshd --help | --version\n");
}

static void
print_diag(const char *file, const struct diag *d)
{
	for (size_t i = 0; i < d->count; i++) {
		const struct diag_entry *e = &d->entries[i];
		size_t n = strlen(file);

		/* Load errors already start with "file:line:". */
		if (strncmp(e->text, file, n) == 0 && e->text[n] == ':')
			fprintf(stderr, "%s\n", e->text);
		else
			fprintf(stderr, "%s: %s: %s\n", file,
			    e->severity == DIAG_ERROR ? "error" : "warning",
			    e->text);
	}
}

static int
check_config(const char *file)
{
	struct diag d;
	struct config *c;
	int rc = 1;

	diag_init(&d);
	c = config_load_file(file, &d);
	if (c != NULL && config_validate(c, &d) == 0)
		rc = 0;
	print_diag(file, &d);
	if (rc == 0)
		printf("%s: valid (%zu tunnel%s, %zu VLAN%s, %zu WAN port%s, "
		       "%zu warning%s)\n",
		    file, c->n_tunnels, PLURAL(c->n_tunnels), c->n_vlans,
		    PLURAL(c->n_vlans), c->n_ifaces, PLURAL(c->n_ifaces),
		    d.warnings, PLURAL(d.warnings));
	else
		fprintf(stderr, "%s: not valid (%zu error%s, %zu warning%s)\n",
		    file, d.errors, PLURAL(d.errors), d.warnings,
		    PLURAL(d.warnings));
	config_free(c);
	diag_clear(&d);
	return rc;
}

static int
print_line(void *arg, const char *line)
{
	(void)arg;
	return puts(line) < 0 ? -1 : 0;
}

static int
print_config(const char *file, bool secrets)
{
	struct config_render_opts o = { .show_secrets = secrets };
	struct diag d;
	struct config *c;
	int rc = 1;

	diag_init(&d);
	if ((c = config_load_file(file, &d)) != NULL &&
	    config_render(c, &o, print_line, NULL) == 0)
		rc = 0;
	print_diag(file, &d);
	config_free(c);
	diag_clear(&d);
	return rc;
}

/* "500,4500" */
static int
parse_ports(const char *s, uint16_t *a, uint16_t *b)
{
	unsigned x, y;
	char end;

	if (sscanf(s, "%u,%u%c", &x, &y, &end) != 2 || x > 65535 || y > 65535 ||
	    (x == y && x != 0))
		return -EINVAL;
	*a = (uint16_t)x;
	*b = (uint16_t)y;
	return 0;
}

/* A whole number in [min, max]. */
static int
parse_count(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A number of unit seconds (60: minutes), or a duration like 90s, 5m. */
static int
parse_time(const char *s, unsigned unit, unsigned min, unsigned *out)
{
	unsigned long v;
	uint32_t secs;

	if (parse_count(s, 0, UINT32_MAX / unit, &v) == 0)
		secs = (uint32_t)(v * unit);
	else if (config_parse_seconds(s, &secs) < 0)
		return -EINVAL;
	if (secs < min)
		return -EINVAL;
	*out = secs;
	return 0;
}

/* Bytes, or with K or M: 1024 or 1048576 of them; at least 4K. */
static int
parse_size(const char *s, size_t *out)
{
	char num[32];
	size_t n = strlen(s), mult = 1;
	unsigned long v;

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n + 1);
	if (num[n - 1] == 'K' || num[n - 1] == 'k')
		mult = 1024;
	else if (num[n - 1] == 'M' || num[n - 1] == 'm')
		mult = 1024 * 1024;
	if (mult > 1)
		num[n - 1] = '\0';
	if (parse_count(num, 1, 1024ul * 1024 * 1024 / mult, &v) < 0 ||
	    v * mult < 4096)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

/* The options of the sessions' limits; 2 (usage) for a bad value. */
static int
limit_option(int ch, const char *arg, struct server_limits *l)
{
	unsigned long n;

	switch (ch) {
	case 'M':
		if (parse_count(arg, 1, 100000, &n) < 0)
			break;
		l->max_sessions = (unsigned)n;
		return 0;
	case 'U':
		if (parse_count(arg, 1, 100000, &n) < 0)
			break;
		l->max_per_user = (unsigned)n;
		return 0;
	case 'T':
		if (parse_time(arg, 60, 0, &l->idle_seconds) < 0)
			break;
		return 0;
	case 'H':
		if (parse_time(arg, 1, 1, &l->hello_seconds) < 0)
			break;
		return 0;
	case 'O':
		if (parse_time(arg, 1, 1, &l->output_seconds) < 0)
			break;
		return 0;
	case 'B':
		if (parse_size(arg, &l->max_output) < 0)
			break;
		return 0;
	}
	fprintf(stderr, "tunshd: %s: give %s\n", arg,
	    ch == 'M' || ch == 'U' ?
		"a number of sessions, 1-100000" :
		ch == 'T' ?
		"--idle-timeout in minutes (0: never) or a duration "
		"like 90s" :
		ch == 'B' ?
		"--max-output in bytes, at least 4096, or with K "
		"or M" :
		"a number of seconds, at least 1, or a duration like 2m");
	return 2;
}

/* Long options without a letter of their own. */
enum {
	OPT_HALF_OPEN_PER_PEER = 256,
	OPT_HALF_OPEN_MAX,
	OPT_MSS_CLAMP,
};

/*
 * One option of the daemon's own (what --check-config and --print-config
 * do not take) into d: 0, -EINVAL after saying on stderr what to give,
 * or 1 when ch is not one of them.  Long: one case per option.
 */
static int
daemon_option(int ch, const char *arg, struct daemon_opts *d)
{
	unsigned long n;

	switch (ch) {
	case 'c':
		d->config = arg;
		return 0;
	case 's':
		d->state_dir = arg;
		return 0;
	case 'k':
		d->socket = arg;
		return 0;
	case 'K':
		/* The last --kernel given counts, as for every option. */
		if (strcmp(arg, "none") == 0)
			d->kernel = LIVE_KERNEL_NONE;
		else if (strcmp(arg, "netlink") == 0)
			d->kernel = LIVE_KERNEL_NETLINK;
		else {
			fprintf(stderr,
			    "tunshd: --kernel %s: give "
			    "netlink or none\n",
			    arg);
			return -EINVAL;
		}
		return 0;
	case 'I':
		if (parse_ports(arg, &d->ike_port, &d->natt_port) < 0) {
			fprintf(stderr,
			    "tunshd: --ike-ports %s: give "
			    "two ports, like 500,4500 (0: "
			    "any free port)\n",
			    arg);
			return -EINVAL;
		}
		return 0;
	case OPT_HALF_OPEN_PER_PEER:
	case OPT_HALF_OPEN_MAX:
		if (parse_count(arg, 1, 1000000, &n) < 0) {
			fprintf(stderr,
			    "tunshd: --ike-half-open-%s %s: give a "
			    "count from 1 to 1000000\n",
			    ch == OPT_HALF_OPEN_PER_PEER ? "per-peer" : "max",
			    arg);
			return -EINVAL;
		}
		if (ch == OPT_HALF_OPEN_PER_PEER)
			d->ike_half_open_per_peer = n;
		else
			d->ike_half_open_max = n;
		return 0;
	case 'M':
	case 'U':
	case 'T':
	case 'H':
	case 'O':
	case 'B':
		return limit_option(ch, arg, &d->limits) != 0 ? -EINVAL : 0;
	case 'F': {
		unsigned long v;
		char end;

		/* 0: off; a UDP payload, from an IPv4 minimum of 576
		 * less 28 header bytes (RFC 7383 2.5.1) up. */
		if (sscanf(arg, "%lu%c", &v, &end) != 1 || arg[0] == '-' ||
		    (v != 0 && (v < 548 || v > 65507))) {
			fprintf(stderr,
			    "tunshd: --ike-fragment-size %s: give bytes "
			    "from 548 to 65507, or 0 for off\n",
			    arg);
			return -EINVAL;
		}
		d->ike_fragment_size = v;
		d->ike_fragment_off = v == 0;
		return 0;
	}
	case OPT_MSS_CLAMP:
		if (strcmp(arg, "nft") == 0)
			d->clamp = LIVE_CLAMP_NFT;
		else if (strcmp(arg, "none") == 0)
			d->clamp = LIVE_CLAMP_NONE;
		else {
			fprintf(stderr,
			    "tunshd: --mss-clamp %s: give nft or "
			    "none\n",
			    arg);
			return -EINVAL;
		}
		return 0;
	default:
		return 1;
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check-config", required_argument, NULL, 'C' },
		{ "print-config", required_argument, NULL, 'P' },
		{ "show-secrets", no_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, 'k' },
		{ "kernel", required_argument, NULL, 'K' },
		{ "ike-ports", required_argument, NULL, 'I' },
		{ "ike-half-open-per-peer", required_argument, NULL,
		    OPT_HALF_OPEN_PER_PEER },
		{ "ike-half-open-max", required_argument, NULL,
		    OPT_HALF_OPEN_MAX },
		{ "max-sessions", required_argument, NULL, 'M' },
		{ "max-sessions-per-user", required_argument, NULL, 'U' },
		{ "idle-timeout", required_argument, NULL, 'T' },
		{ "hello-timeout", required_argument, NULL, 'H' },
		{ "output-timeout", required_argument, NULL, 'O' },
		{ "max-output", required_argument, NULL, 'B' },
		{ "ike-fragment-size", required_argument, NULL, 'F' },
		{ "mss-clamp", required_argument, NULL, OPT_MSS_CLAMP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts d = { "/etc/tunsh/tunsh.conf", "/var/lib/tunsh",
		"/run/tunsh/tunshd.sock", false, LIVE_KERNEL_NETLINK, IKE_PORT,
		IKE_NATT_PORT, 0, 0, 0, false,
		{ SERVER_MAX_SESSIONS, SERVER_MAX_SESSIONS_USER,
		    SERVER_IDLE_SECONDS, SERVER_HELLO_SECONDS,
		    SERVER_OUTPUT_SECONDS, SERVER_MAX_OUTPUT },
		LIVE_CLAMP_DEFAULT };
	const char *check = NULL, *print = NULL;
	bool secrets = false, daemon_opt = false;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			d.foreground = true;
			break;
		case 'C':
			check = optarg;
			break;
		case 'P':
			print = optarg;
			break;
		case 'S':
			secrets = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tunshd %s\n", TUNSH_VERSION);
			return 0;
		default:
			if ((rc = daemon_option(ch, optarg, &d)) < 0)
				return 2;
			if (rc > 0) {
				usage(stderr);
				return 2;
			}
			daemon_opt = true;
		}
	}
	if (optind != argc || (check != NULL && print != NULL) ||
	    (secrets && print == NULL) ||
	    ((check != NULL || print != NULL) &&
		(daemon_opt || d.foreground))) {
		usage(stderr);
		return 2;
	}
	if (check != NULL)
		return check_config(check);
	if (print != NULL)
		return print_config(print, secrets);
	return daemon_run(&d);
}
