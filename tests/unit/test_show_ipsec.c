/*
 * tests/unit/test_show_ipsec.c: show ipsec tunnel|sa|dpd, clear ipsec sa,
 * test ipsec tunnel and request ipsec rekey against a real engine pair
 * of ike_lab.c: engine A (192.0.2.1) is the daemon's, its tunnel "to-b"
 * is also in the running configuration, and B (192.0.2.2) is the peer.
 * Each check is the exact text a person would see.
 *
 * The commands measure uptimes against the real clock (ike.h has no
 * accessor for the engine's), so the lab's wall clock is set to start an
 * hour before the real one, and goldens name times by their offset from
 * that start: "@T+15@" is the date and time 15 s after it, "@UP+0@" the
 * hh:mm:ss from it to the moment the command ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands/commands.h"
#include "ike/engine.h"
#include "tests/unit/ike_lab.h"
#include "tests/unit/show_fixture.h"
#include "tests/unit/test.h"

/* The running configuration: to-b matches engine A's tunnel; to-c is a
 * tunnel the engine may or may not have. */
static const char conf_text[] =
    "hostname = \"fw1\";\n"
    "interfaces = ( { name = \"wan1\"; address = \"192.0.2.1/24\"; } );\n"
    "vlans = ( { id = 10; name = \"a\"; subnet = \"10.1.0.0/24\"; } );\n"
    "tunnels = (\n"
    "  { name = \"to-b\"; wan-port = \"wan1\"; remote-address = "
    "\"192.0.2.2\";\n"
    "    pre-shared-key = \"lab-secret-1\"; local-network = [ \"vlan 10\" "
    "];\n"
    "    remote-network = [ \"10.2.0.0/24\" ]; dpd-timeout = 10;\n"
    "    dpd-delay = 5; dpd-action = \"restart\"; },\n"
    "  { name = \"to-c\"; wan-port = \"wan1\"; remote-address = "
    "\"192.0.2.9\";\n"
    "    pre-shared-key = \"lab-secret-2\"; local-network = [ \"vlan 10\" "
    "];\n"
    "    remote-network = [ \"10.3.0.0/24\" ]; dpd-timeout = 0; }\n"
    ");\n";

struct fix {
	struct show_fix s; /* to-b on A and to-a on B, the store */
	struct lab_tunnel tc;
	uint64_t t0; /* the lab's wall clock at the start */
	struct commands_session *admin, *oper;
};

/*
 * A and B with to-b / to-a as the lab makes them (A initiates), DPD
 * every 10 s with 5 s for the answer, lifetimes of 8 h and 1 h; the
 * store on conf_text; one admin and one operator session.
 */
static struct fix *
fix_new(void)
{
	struct fix *x = calloc(1, sizeof(*x));

	show_fix_init(&x->s, conf_text, "lab-secret-1");
	/* An hour before the real clock (see the file's comment). */
	x->t0 = (uint64_t)time(NULL) - 3600;
	x->s.l.wall = x->t0 - x->s.l.now_ms / 1000;
	x->s.ta.c.dpd_timeout = 10;
	x->s.ta.c.dpd_delay = 5;
	x->s.ta.c.ike_lifetime = x->s.tb.c.ike_lifetime = 28800;
	x->s.ta.c.child_lifetime = x->s.tb.c.child_lifetime = 3600;
	x->admin = show_fix_session(&x->s, "alice", COMMANDS_ADMIN);
	x->oper = show_fix_session(&x->s, "olga", COMMANDS_OPERATOR);
	return x;
}

static void
fix_free(struct fix *x)
{
	commands_session_free(x->admin);
	commands_session_free(x->oper);
	show_fix_fini(&x->s);
	free(x);
}

/* IKE_SA_INIT and IKE_AUTH, four messages: both ends up. */
static void
establish(struct fix *x)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(ike_tunnel_add(x->s.l.b.e, &x->s.tb.c, &d), 0);
	assert_int_equal(ike_tunnel_add(x->s.l.a.e, &x->s.ta.c, &d), 0);
	diag_clear(&d);
	assert_int_equal(lab_run(&x->s.l, 100), 4);
}

/* Golden text with "@T+N@" and "@UP+N@" made real (see the top). */
static char *
expand(const struct fix *x, const char *golden, uint64_t now)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	for (const char *p = golden; *p != '\0'; p++) {
		unsigned long n;
		int used = 0;

		if (sscanf(p, "@T+%lu@%n", &n, &used) == 1 && used > 0) {
			time_t t = (time_t)(x->t0 + n);
			struct tm tm;
			char when[32];

			gmtime_r(&t, &tm);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
			fputs(when, m);
			p += used - 1;
		} else if (sscanf(p, "@UP+%lu@%n", &n, &used) == 1 &&
		    used > 0) {
			uint64_t s = now - (x->t0 + n);

			fprintf(m, "%02u:%02u:%02u", (unsigned)(s / 3600),
			    (unsigned)(s / 60 % 60), (unsigned)(s % 60));
			p += used - 1;
		} else if (sscanf(p, "@E+%lu@%n", &n, &used) == 1 && used > 0) {
			fprintf(m, "%llu", (unsigned long long)(x->t0 + n));
			p += used - 1;
		} else if (sscanf(p, "@S+%lu@%n", &n, &used) == 1 && used > 0) {
			fprintf(m, "%llu",
			    (unsigned long long)(now - x->t0 - n));
			p += used - 1;
		} else {
			fputc(*p, m);
		}
	}
	fclose(m);
	return buf;
}

/*
 * Runs line in session s and returns its output (the caller frees it).
 * A show runs again if the real clock ticked meanwhile, so that "now" is
 * one known second; *now gets it.
 */
static char *
run(struct fix *x, struct commands_session *s, const char *line, int want_rc,
    uint64_t *now)
{
	char *copy;

	for (int tries = 0;; tries++) {
		time_t before = time(NULL);
		int rc;

		rewind(x->s.f);
		fflush(x->s.f);
		x->s.len = 0;
		rc = commands_run(s, line);
		fputc('\0', x->s.f);
		fflush(x->s.f);
		if (rc != want_rc)
			fail_msg("\"%s\" returned %d:\n%s", line, rc, x->s.buf);
		if (time(NULL) == before || tries == 3 ||
		    strncmp(line, "show ", 5) != 0) {
			if (now != NULL)
				*now = (uint64_t)before;
			break;
		}
	}
	copy = strdup(x->s.buf);
	return copy;
}

static void
check(struct fix *x, struct commands_session *s, const char *line, int want_rc,
    const char *golden)
{
	uint64_t now;
	char *got = run(x, s, line, want_rc, &now);
	char *want = expand(x, golden, now);

	if (strcmp(got, want) != 0)
		fail_msg("after \"%s\" got:\n%s--- want:\n%s", line, got, want);
	free(got);
	free(want);
}

/* Every line of text output fits 80 columns. */
static void
assert_narrow(const char *text)
{
	for (const char *p = text; *p != '\0';) {
		size_t n = strcspn(p, "\n");

		if (n > 80)
			fail_msg("line over 80 columns: %.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* The JSON holds each of keys, and its brackets balance. */
static void
assert_json(const char *text, const char *const *keys)
{
	int depth = 0;
	bool in_str = false;

	for (const char *p = text; *p != '\0'; p++) {
		if (in_str && *p == '\\')
			p++;
		else if (*p == '"')
			in_str = !in_str;
		else if (!in_str && (*p == '{' || *p == '['))
			depth++;
		else if (!in_str && (*p == '}' || *p == ']'))
			assert_true(--depth >= 0);
	}
	assert_int_equal(depth, 0);
	assert_false(in_str);
	for (size_t i = 0; keys[i] != NULL; i++)
		if (strstr(text, keys[i]) == NULL)
			fail_msg("JSON lacks %s:\n%s", keys[i], text);
}

/* The first IKE SA's SPIs of engine A, for goldens. */
static void
spis(struct fix *x, uint64_t *spi_i, uint64_t *spi_r)
{
	struct ike_sa *sa = x->s.l.a.e->tunnels->sas;

	assert_non_null(sa);
	*spi_i = sa->spi_i;
	*spi_r = sa->spi_r;
}

/* Up, as initiator, with one CHILD SA; to-c is not in the engine. */
static void
test_show_ipsec_tunnel_up(void **state)
{
	struct fix *x = fix_new();
	char *got;

	(void)state;
	establish(x);
	check(x, x->oper, "show ipsec tunnel", 0,
	    "Tunnel to-b\n"
	    "  State:         up\n"
	    "  Role:          initiator\n"
	    "  Local:         192.0.2.1 port 500\n"
	    "  Remote:        192.0.2.2 port 500\n"
	    "  Uptime:        @UP+0@, since @T+0@\n"
	    "  IKE proposal:  AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519\n"
	    "  NAT-T:         no\n"
	    "  CHILD SAs:     1\n"
	    "    10.1.0.0/24 <-> 10.2.0.0/24  in a0000001 out b0000001\n"
	    "  Last error:    none\n"
	    "\n"
	    "Tunnel to-c\n"
	    "  State:         unknown: the IKE engine does not have this tunnel; "
	    "see show log\n"
	    "                 for why its commit did not reach it\n"
	    "  Local:         192.0.2.1\n"
	    "  Remote:        192.0.2.9\n");
	check(x, x->oper, "show ipsec tunnel to-b detail", 0,
	    "Tunnel to-b\n"
	    "  State:         up\n"
	    "  Role:          initiator\n"
	    "  Local:         192.0.2.1 port 500\n"
	    "  Remote:        192.0.2.2 port 500\n"
	    "  Uptime:        @UP+0@, since @T+0@\n"
	    "  IKE proposal:  AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519\n"
	    "  NAT-T:         no\n"
	    "  CHILD SAs:     1\n"
	    "    10.1.0.0/24 <-> 10.2.0.0/24  in a0000001 out b0000001\n"
	    "  Last error:    none\n"
	    "  Event history (newest first):\n"
	    "    @T+0@  CHILD SA up: SPIs a0000001 in, b0000001 out\n"
	    "    @T+0@  IKE SA established with 192.0.2.2 as initiator\n"
	    "  Tunnel events:\n"
	    "    @T+0@: CHILD SA up (1 time)\n"
	    "    @T+0@: IKE SA established (1 time)\n");
	got = run(x, x->oper, "show ipsec tunnel detail", 0, NULL);
	assert_narrow(got);
	free(got);
	/* A word that is neither a name nor an option. */
	check(x, x->oper, "show ipsec tunnel to-b bogus", -1,
	    "% show ipsec tunnel: unexpected \"bogus\"; give [NAME] [brief | "
	    "detail] [json]\n");
	check(x, x->oper, "show ipsec tunnel nope", -1,
	    "% ipsec tunnel nope does not exist in the running configuration; "
	    "show running-config lists the tunnels\n");
	fix_free(x);
}

static void
test_show_ipsec_tunnel_json(void **state)
{
	static const char *const keys[] = { "\"name\": \"to-b\"",
		"\"state\": \"up\"", "\"role\": \"initiator\"",
		"\"ike_proposal\": "
		"\"AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519\"",
		"\"spi_in\": \"a0000001\"", "\"local_ts\": \"10.1.0.0/24\"",
		"\"last_error\": null", "\"event\": \"IKE SA established\"",
		"\"name\": \"to-c\"", "\"state\": \"unknown\"", NULL };
	struct fix *x = fix_new();
	char *got;

	(void)state;
	establish(x);
	check(x, x->oper, "show ipsec tunnel to-b json", 0,
	    "[\n"
	    "  {\n"
	    "    \"name\": \"to-b\",\n"
	    "    \"state\": \"up\",\n"
	    "    \"role\": \"initiator\",\n"
	    "    \"local\": {\n"
	    "      \"address\": \"192.0.2.1\",\n"
	    "      \"port\": 500\n"
	    "    },\n"
	    "    \"remote\": {\n"
	    "      \"address\": \"192.0.2.2\",\n"
	    "      \"port\": 500\n"
	    "    },\n"
	    "    \"established\": @E+0@,\n"
	    "    \"uptime\": @S+0@,\n"
	    "    \"ike_proposal\": "
	    "\"AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519\",\n"
	    "    \"natt\": false,\n"
	    "    \"behind_nat\": null,\n"
	    "    \"duplicate_ike_sas\": false,\n"
	    "    \"child_sas\": [\n"
	    "      {\n"
	    "        \"local_ts\": \"10.1.0.0/24\",\n"
	    "        \"remote_ts\": \"10.2.0.0/24\",\n"
	    "        \"spi_in\": \"a0000001\",\n"
	    "        \"spi_out\": \"b0000001\",\n"
	    "        \"duplicate\": false\n"
	    "      }\n"
	    "    ],\n"
	    "    \"not_carried\": [\n"
	    "    ],\n"
	    "    \"not_carried_count\": 0,\n"
	    "    \"not_carried_reason\": null,\n"
	    "    \"monitor\": null,\n"
	    "    \"previous_config\": false,\n"
	    "    \"previous_config_error\": null,\n"
	    "    \"last_error\": null\n"
	    "  }\n"
	    "]\n");
	got = run(x, x->oper, "show ipsec tunnel detail json", 0, NULL);
	assert_json(got, keys);
	assert_null(strstr(got, "lab-secret")); /* never a key */
	free(got);
	fix_free(x);
}

/*
 * A json form of the lab's state against its schema in tests/cli/schema/
 * (tunsh(1), JSON), with the checker the cli_json_schema test uses: the
 * real daemon there has no peer, so the values of a tunnel that is up
 * (times, counters) are checked here.
 */
static void
assert_schema(const char *json, const char *schema)
{
	char file[] = "/tmp/tunsh-json-XXXXXX", cmd[512];
	int fd = mkstemp(file);
	FILE *f;
	int rc;

	assert_true(fd >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs(json, f);
	fclose(f);
	/* Debian's python3 before a version manager's slow shim in PATH. */
	snprintf(cmd, sizeof(cmd),
	    "%s %s/tests/cli/json_check.py %s/tests/cli/schema/%s.json %s",
	    access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" :
						    "python3",
	    TUNSH_SOURCE_DIR, TUNSH_SOURCE_DIR, schema, file);
	rc = system(cmd);
	unlink(file);
	if (rc != 0)
		fail_msg("this does not fit %s.json:\n%s", schema, json);
}

/* The lab's CHILD SA of A counted 1.5 MiB in and 700 bytes out. */
static void
count_traffic(struct fix *x)
{
	for (size_t i = 0; i < LAB_SAS; i++) {
		struct lab_sa *k = &x->s.l.a.k.sas[i];

		if (k->used)
			k->stats = k->sa.spi == 0xa0000001u ?
			    (struct kernel_sa_stats){ 1572864, 1100, 0, 0 } :
			    (struct kernel_sa_stats){ 700, 7, 0, 0 };
	}
}

/*
 * show ipsec tunnel brief: a header and one line per tunnel within 80
 * columns, "-" for what the engine does not know; its JSON whole, with
 * null; brief and detail refused together.
 */
static void
test_show_ipsec_tunnel_brief(void **state)
{
	struct fix *x = fix_new();
	char *got;

	(void)state;
	establish(x);
	count_traffic(x);
	check(x, x->oper, "show ipsec tunnel brief", 0,
	    "Tunnel       Peer            State      Uptime   SAs    In   Out "
	    "Last error\n"
	    "to-b         192.0.2.2       up         @UP+0@   1  1.5M   700 "
	    "-\n"
	    "to-c         192.0.2.9       unknown    -          -     -     - "
	    "-\n");
	got = run(x, x->oper, "show ipsec tunnel brief", 0, NULL);
	assert_narrow(got);
	free(got);
	check(x, x->oper, "show ipsec tunnel to-b brief json", 0,
	    "[\n"
	    "  {\n"
	    "    \"name\": \"to-b\",\n"
	    "    \"peer\": \"192.0.2.2\",\n"
	    "    \"state\": \"up\",\n"
	    "    \"established\": @E+0@,\n"
	    "    \"uptime\": @S+0@,\n"
	    "    \"child_sas\": 1,\n"
	    "    \"bytes_in\": 1572864,\n"
	    "    \"bytes_out\": 700,\n"
	    "    \"last_error_event\": null,\n"
	    "    \"last_error\": null\n"
	    "  }\n"
	    "]\n");
	check(x, x->oper, "show ipsec tunnel to-c brief json", 0,
	    "[\n"
	    "  {\n"
	    "    \"name\": \"to-c\",\n"
	    "    \"peer\": \"192.0.2.9\",\n"
	    "    \"state\": \"unknown\",\n"
	    "    \"established\": null,\n"
	    "    \"uptime\": null,\n"
	    "    \"child_sas\": null,\n"
	    "    \"bytes_in\": null,\n"
	    "    \"bytes_out\": null,\n"
	    "    \"last_error_event\": null,\n"
	    "    \"last_error\": null\n"
	    "  }\n"
	    "]\n");
	check(x, x->oper, "show ipsec tunnel brief detail", -1,
	    "% show ipsec tunnel: brief and detail exclude each other; give "
	    "[NAME] [brief | detail] [json]\n");
	fix_free(x);
}

/* Past a day the uptime is days and hours; bytes go on to G. */
static void
test_show_ipsec_tunnel_brief_days(void **state)
{
	struct fix *x = fix_new();
	char *got;

	(void)state;
	/* Up 2 days, 3 hours and 100 s before the real clock. */
	x->t0 = (uint64_t)time(NULL) - (2 * 86400 + 3 * 3600 + 100);
	x->s.l.wall = x->t0 - x->s.l.now_ms / 1000;
	establish(x);
	for (size_t i = 0; i < LAB_SAS; i++) {
		struct lab_sa *k = &x->s.l.a.k.sas[i];

		if (k->used)
			k->stats = k->sa.spi == 0xa0000001u ?
			    (struct kernel_sa_stats){ 5368709120ull, 1, 0, 0 } :
			    (struct kernel_sa_stats){ 123456789, 1, 0, 0 };
	}
	got = run(x, x->oper, "show ipsec tunnel to-b brief", 0, NULL);
	if (strstr(got, "up         2d03h      1  5.0G  118M -\n") == NULL)
		fail_msg("not 2d03h, 5.0G and 118M:\n%s", got);
	free(got);
	fix_free(x);
}

/* A wrong key: the last error in two words, its kind and text in JSON. */
static void
test_show_ipsec_tunnel_brief_error(void **state)
{
	struct fix *x = fix_new();
	struct secbuf *wrong = secbuf_from_str("not-the-peer-key");
	struct diag d;
	char *got;

	(void)state;
	diag_init(&d);
	x->s.ta.c.psk = wrong;
	assert_int_equal(ike_tunnel_add(x->s.l.b.e, &x->s.tb.c, &d), 0);
	assert_int_equal(ike_tunnel_add(x->s.l.a.e, &x->s.ta.c, &d), 0);
	lab_run(&x->s.l, 100);
	got = run(x, x->oper, "show ipsec tunnel to-b brief", 0, NULL);
	if (strstr(got, "  0     0     0 auth failed\n") == NULL)
		fail_msg("no \"auth failed\" in:\n%s", got);
	assert_narrow(got);
	free(got);
	got = run(x, x->oper, "show ipsec tunnel brief json", 0, NULL);
	assert_non_null(
	    strstr(got, "\"last_error_event\": \"authentication failed\""));
	assert_non_null(strstr(got,
	    "\"last_error\": \"authentication failed: the pre-shared keys"));
	assert_schema(got, "show_ipsec_tunnel_brief");
	free(got);
	diag_clear(&d);
	secbuf_free(wrong);
	fix_free(x);
}

/* Every json form of the ipsec commands with a tunnel up fits its
 * schema: times and counters as numbers, null where nothing is known. */
static void
test_show_ipsec_json_schemas(void **state)
{
	static const char *const forms[][2] = {
		{ "show ipsec tunnel json", "show_ipsec_tunnel" },
		{ "show ipsec tunnel detail json", "show_ipsec_tunnel" },
		{ "show ipsec tunnel brief json", "show_ipsec_tunnel_brief" },
		{ "show ipsec sa json", "show_ipsec_sa" },
		{ "show ipsec sa detail json", "show_ipsec_sa" },
		{ "show ipsec dpd json", "show_ipsec_dpd" },
		{ "show ipsec counters json", "show_ipsec_counters" },
	};
	struct fix *x = fix_new();

	(void)state;
	establish(x);
	count_traffic(x);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		char *got = run(x, x->oper, forms[i][0], 0, NULL);

		assert_schema(got, forms[i][1]);
		free(got);
	}
	fix_free(x);
}

/* A route-based tunnel's interface and routes, as shell/dataplane.c
 * would give them: withdrawn since T+5, or up as the backup. */
struct fake_dp {
	uint64_t t0;
	bool up, best;
};

static bool
fake_dataplane(void *arg, const char *tunnel, struct commands_dataplane *out)
{
	const struct fake_dp *f = arg;

	memset(out, 0, sizeof(*out));
	if (strcmp(tunnel, "to-b") != 0)
		return false;
	snprintf(out->ifname, sizeof(out->ifname), "ts-to-b");
	ipaddr_from4(0xa9fe0a02, 30, &out->inside); /* 169.254.10.2/30 */
	out->up = f->up;
	out->since = f->t0 + 5;
	out->n_routes = 1;
	assert_int_equal(
	    ipaddr_parse_prefix("10.2.0.0/24", &out->routes[0].dst), 0);
	out->routes[0].metric = 110;
	out->routes[0].metric_now = f->up ? 110 : 1110;
	out->routes[0].best = f->best;
	return true;
}

/* The same tunnel with its CHILD SA, withdrawn by its monitor at T+7. */
static bool
fake_monitor_dp(void *arg, const char *tunnel, struct commands_dataplane *out)
{
	const struct fake_dp *f = arg;

	if (!fake_dataplane(arg, tunnel, out))
		return false;
	out->probe_down = true;
	out->probe_since = f->t0 + 7;
	return true;
}

/* The route lines: why a withdrawn route carries nothing, since when;
 * a backup said to be one; the same in JSON. */
static void
test_show_ipsec_tunnel_routes(void **state)
{
	static const char *const keys[] = { "\"interface\": {",
		"\"name\": \"ts-to-b\"", "\"kind\": \"vti\"",
		"\"inside_address\": \"169.254.10.2/30\"",
		"\"routes_active\": false", "\"routes_since\": @E+5@",
		"\"network\": \"10.2.0.0/24\"", "\"metric\": 110",
		"\"metric_now\": 1110", "\"state\": \"withdrawn\"", NULL };
	struct fix *x = fix_new();
	struct fake_dp f = { x->t0, false, true };
	const char *k[sizeof(keys) / sizeof(keys[0])];
	char *got, *want[sizeof(keys) / sizeof(keys[0])];

	(void)state;
	x->s.env.dataplane = fake_dataplane;
	x->s.env.dataplane_arg = &f;
	check(x, x->oper, "show ipsec tunnel to-b", 0,
	    "Tunnel to-b\n"
	    "  State:         unknown: the IKE engine does not have this tunnel; "
	    "see show log\n"
	    "                 for why its commit did not reach it\n"
	    "  Local:         192.0.2.1\n"
	    "  Remote:        192.0.2.2\n"
	    "  Interface:     ts-to-b (VTI), inside address 169.254.10.2/30\n"
	    "  Routing:       route withdrawn: CHILD SA down since @T+5@;\n"
	    "                 traffic for its networks takes another tunnel's "
	    "route, or is\n"
	    "                 dropped\n"
	    "    10.2.0.0/24        metric 110  withdrawn (kept at 1110)\n");
	got = run(x, x->oper, "show ipsec tunnel to-b json", 0, NULL);
	for (size_t i = 0; keys[i] != NULL; i++) {
		want[i] = expand(x, keys[i], 0);
		k[i] = want[i];
	}
	k[sizeof(keys) / sizeof(keys[0]) - 1] = NULL;
	assert_json(got, k);
	for (size_t i = 0; keys[i] != NULL; i++)
		free(want[i]);
	free(got);
	f.up = true;
	f.best = false;
	establish(x);
	got = run(x, x->oper, "show ipsec tunnel to-b", 0, NULL);
	if (strstr(got, "    10.2.0.0/24        metric 110  backup\n") ==
		NULL ||
	    strstr(got, "  Routing:       routes active since ") == NULL)
		fail_msg("no backup route shown:\n%s", got);
	free(got);
	fix_free(x);
}

/* A monitor down: probes sent and unanswered, since when. */
static bool
fake_monitor(void *arg, const char *tunnel, struct commands_monitor *out)
{
	const struct fake_dp *f = arg;

	memset(out, 0, sizeof(*out));
	if (strcmp(tunnel, "to-b") != 0)
		return false;
	out->dst = 0x0a02000a; /* 10.2.0.10 */
	out->src = 0x0a010001; /* 10.1.0.1 */
	out->state = "down";
	out->since = f->t0 + 7;
	out->sent = 20;
	out->answered = 12;
	out->misses = 8;
	out->threshold = 3;
	out->interval = 1;
	out->has_rtt = true;
	out->last_rtt_us = 1412;
	out->restarts = 2;
	return true;
}

/* The tunnel has its CHILD SA, but the monitor is down: the route is
 * withdrawn for that reason, and the monitor's counts say why. */
static void
test_show_ipsec_tunnel_monitor(void **state)
{
	static const char *const keys[] = { "\"monitor\": {",
		"\"state\": \"down\"", "\"since\": @E+7@",
		"\"destination\": \"10.2.0.10\"", "\"source\": \"10.1.0.1\"",
		"\"interval\": 1", "\"threshold\": 3", "\"sent\": 20",
		"\"answered\": 12", "\"last_rtt_us\": 1412", "\"misses\": 8",
		"\"restarts\": 2", "\"error\": null",
		"\"routes_active\": false", NULL };
	struct fix *x = fix_new();
	struct fake_dp f = { x->t0, false, true };
	const char *k[sizeof(keys) / sizeof(keys[0])];
	char *got, *want[sizeof(keys) / sizeof(keys[0])];

	(void)state;
	x->s.env.dataplane = fake_monitor_dp;
	x->s.env.dataplane_arg = &f;
	x->s.env.monitor = fake_monitor;
	x->s.env.monitor_arg = &f;
	check(x, x->oper, "show ipsec tunnel to-b", 0,
	    "Tunnel to-b\n"
	    "  State:         unknown: the IKE engine does not have this tunnel; "
	    "see show log\n"
	    "                 for why its commit did not reach it\n"
	    "  Local:         192.0.2.1\n"
	    "  Remote:        192.0.2.2\n"
	    "  Interface:     ts-to-b (VTI), inside address 169.254.10.2/30\n"
	    "  Routing:       route withdrawn: CHILD SA up but its monitor "
	    "unanswered since\n"
	    "                 @T+7@; traffic for its networks takes another\n"
	    "                 tunnel's route, or is dropped\n"
	    "    10.2.0.0/24        metric 110  withdrawn (kept at 1110)\n"
	    "  Monitor:       down since @T+7@: ping 10.2.0.10 from "
	    "10.1.0.1\n"
	    "                 every 1 s, down after 3 unanswered in a row\n"
	    "  Probes:        sent 20, answered 12, last rtt 1.412 ms, "
	    "unanswered in a row 8,\n"
	    "                 negotiated again 2 times\n");
	got = run(x, x->oper, "show ipsec tunnel to-b json", 0, NULL);
	for (size_t i = 0; keys[i] != NULL; i++) {
		want[i] = expand(x, keys[i], 0);
		k[i] = want[i];
	}
	k[sizeof(keys) / sizeof(keys[0]) - 1] = NULL;
	assert_json(got, k);
	assert_schema(got, "show_ipsec_tunnel");
	for (size_t i = 0; keys[i] != NULL; i++)
		free(want[i]);
	free(got);
	fix_free(x);
}

/* IKE and CHILD SAs as lines and as blocks, with the kernel's counters. */
static void
test_show_ipsec_sa(void **state)
{
	static const char *const keys[] = { "\"ike_sas\": [",
		"\"child_sas\": [", "\"state\": \"established\"",
		"\"role\": \"initiator\"", "\"bytes_in\": 4200",
		"\"packets_in\": 42", "\"bytes_out\": 700",
		"\"packets_out\": 7", "\"rekey_in\": 23078",
		"\"expires\": 28800", "\"expires\": 3600",
		"\"local_ts\": \"10.1.0.0/24\"", "\"natt\": false",
		"\"duplicate\": false", NULL };
	struct fix *x = fix_new();
	uint64_t si, sr;
	char golden[2048], *got;

	(void)state;
	establish(x);
	spis(x, &si, &sr);
	/* What the kernel counted on A's inbound and outbound SA. */
	for (size_t i = 0; i < LAB_SAS; i++) {
		struct lab_sa *k = &x->s.l.a.k.sas[i];

		if (k->used)
			k->stats = k->sa.spi == 0xa0000001u ?
			    (struct kernel_sa_stats){ 4200, 42, 0, 0 } :
			    (struct kernel_sa_stats){ 700, 7, 0, 0 };
	}
	snprintf(golden, sizeof(golden),
	    "Tunnel to-b\n"
	    "  IKE   %016llx_i %016llx_r  established  initiator\n"
	    "  CHILD a0000001_i b0000001_o  10.1.0.0/24 <-> 10.2.0.0/24\n"
	    "Tunnel to-c\n"
	    "  no SAs\n",
	    (unsigned long long)si, (unsigned long long)sr);
	check(x, x->oper, "show ipsec sa", 0, golden);
	/* rekey: the lifetime less the lab's fixed jitter */
	snprintf(golden, sizeof(golden),
	    "Tunnel to-b\n"
	    "  IKE SA %016llx_i %016llx_r\n"
	    "    State:       established, initiator\n"
	    "    Local:       192.0.2.1 port 500\n"
	    "    Remote:      192.0.2.2 port 500\n"
	    "    Algorithms:  AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519\n"
	    "    Established: @T+0@\n"
	    "    Rekey:       in 06:24:38\n"
	    "    Expires:     in 08:00:00\n"
	    "  CHILD SA a0000001_i b0000001_o\n"
	    "    Networks:    10.1.0.0/24 <-> 10.2.0.0/24\n"
	    "    Algorithms:  AES_GCM_16_256\n"
	    "    NAT-T:       no\n"
	    "    In:          4200 bytes, 42 packets\n"
	    "    Out:         700 bytes, 7 packets\n"
	    "    Installed:   @T+0@\n"
	    "    Rekey:       in 00:52:49\n"
	    "    Expires:     in 01:00:00\n",
	    (unsigned long long)si, (unsigned long long)sr);
	check(x, x->oper, "show ipsec sa tunnel to-b detail", 0, golden);
	got = run(x, x->oper, "show ipsec sa json", 0, NULL);
	assert_json(got, keys);
	free(got);
	check(x, x->oper, "show ipsec sa tunnel", -1,
	    "% Incomplete command: tunnel needs a value (? lists what "
	    "fits)\n");
	fix_free(x);
}

/*
 * What VyOS T8952 looks like: a second established IKE SA for the tunnel
 * (put in by hand: the engine itself keeps one), and a second CHILD SA
 * with the same selectors (A -> B CREATE_CHILD_SA for the same networks).
 */
static void
test_show_ipsec_duplicates_are_marked(void **state)
{
	struct fix *x = fix_new();
	struct ike_tunnel *t;
	struct ike_sa *sa, *dup;
	char golden[2048], *got;

	(void)state;
	establish(x);
	t = x->s.l.a.e->tunnels;
	sa = t->sas;
	assert_int_equal(child_start_new(x->s.l.a.e, sa), 0);
	lab_run(&x->s.l, 100);
	dup = ike_sa_new(x->s.l.a.e, t, true);
	dup->spi_r = 0x5eed5eed5eed5eedull;
	dup->state = SA_ESTABLISHED;
	dup->encr = sa->encr;
	dup->prf = sa->prf;
	dup->dh_group = sa->dh_group;
	dup->local = sa->local;
	dup->remote = sa->remote;
	dup->established_wall = sa->established_wall;
	snprintf(golden, sizeof(golden),
	    "Tunnel to-b\n"
	    "  IKE   %016llx_i 5eed5eed5eed5eed_r  established  initiator  "
	    "duplicate\n"
	    "  IKE   %016llx_i %016llx_r  established  initiator  duplicate\n"
	    "  CHILD a0000002_i b0000002_o  10.1.0.0/24 <-> 10.2.0.0/24  "
	    "duplicate\n"
	    "  CHILD a0000001_i b0000001_o  10.1.0.0/24 <-> 10.2.0.0/24  "
	    "duplicate\n",
	    (unsigned long long)dup->spi_i, (unsigned long long)sa->spi_i,
	    (unsigned long long)sa->spi_r);
	check(x, x->oper, "show ipsec sa tunnel to-b", 0, golden);
	got = run(x, x->oper, "show ipsec sa tunnel to-b", 0, NULL);
	assert_narrow(got);
	free(got);
	got = run(x, x->oper, "show ipsec tunnel to-b", 0, NULL);
	assert_non_null(strstr(got,
	    "  Duplicates:    2 established IKE SAs (the fix: clear ipsec sa "
	    "tunnel to-b)\n"));
	assert_non_null(strstr(got,
	    "    10.1.0.0/24 <-> 10.2.0.0/24  in a0000001 out b0000001  "
	    "duplicate\n"));
	free(got);
	got = run(x, x->oper, "show ipsec sa json", 0, NULL);
	assert_non_null(strstr(got, "\"duplicate\": true"));
	assert_null(strstr(got, "\"duplicate\": false"));
	free(got);
	got = run(x, x->oper, "show ipsec tunnel json", 0, NULL);
	assert_non_null(strstr(got, "\"duplicate_ike_sas\": true"));
	free(got);
	fix_free(x);
}

/*
 * The guide's DPD: timeout 10 s (a check after 10 s of silence), delay
 * 5 s (the wait for its answer), then the action.  B dies after the
 * exchange:
 * A -> B  HDR, SK {}            at T+10, unanswered
 * A: restart at T+15: HDR, SAi1, KEi, Ni to the dead peer
 */
static void
test_show_ipsec_dpd(void **state)
{
	static const char *const keys[] = { "\"tunnel\": \"to-b\"",
		"\"timeout\": 10", "\"delay\": 5", "\"action\": \"restart\"",
		"\"last_result\": \"timed out\"", "\"actions\": 1",
		"\"tunnel\": \"to-c\"", "\"enabled\": false", NULL };
	struct fix *x = fix_new();
	char *got;

	(void)state;
	establish(x);
	check(x, x->oper, "show ipsec dpd tunnel to-b", 0,
	    "Tunnel to-b\n"
	    "  Timeout:       10 seconds: a check after this much silence from "
	    "the peer\n"
	    "  Delay:         5 seconds: the wait for the answer before the "
	    "action\n"
	    "  Action:        restart\n"
	    "  Last heard:    @T+0@\n"
	    "  In flight:     0 checks\n"
	    "  Last check:    never\n"
	    "  Actions:       none\n");
	x->s.l.b.dead = true;
	lab_advance(&x->s.l, 10000);
	check(x, x->oper, "show ipsec dpd tunnel to-b", 0,
	    "Tunnel to-b\n"
	    "  Timeout:       10 seconds: a check after this much silence from "
	    "the peer\n"
	    "  Delay:         5 seconds: the wait for the answer before the "
	    "action\n"
	    "  Action:        restart\n"
	    "  Last heard:    @T+0@\n"
	    "  In flight:     1 check\n"
	    "  Last check:    @T+10@, no answer yet\n"
	    "  Actions:       none\n");
	lab_advance(&x->s.l, 5000);
	check(x, x->oper, "show ipsec dpd", 0,
	    "Tunnel to-b\n"
	    "  Timeout:       10 seconds: a check after this much silence from "
	    "the peer\n"
	    "  Delay:         5 seconds: the wait for the answer before the "
	    "action\n"
	    "  Action:        restart\n"
	    "  Last heard:    @T+0@\n"
	    "  In flight:     0 checks\n"
	    "  Last check:    @T+10@, no answer: timed out\n"
	    "  Actions:       1, the last @T+15@\n"
	    "\n"
	    "Tunnel to-c\n"
	    "  DPD:           off (dpd timeout 0): no liveness checks\n"
	    "  Action:        restart\n"
	    "  State:         unknown: the IKE engine does not have this tunnel; "
	    "see show log\n"
	    "                 for why its commit did not reach it\n");
	got = run(x, x->oper, "show ipsec dpd json", 0, NULL);
	assert_json(got, keys);
	free(got);
	/* ... and the tunnel says what happened, newest first. */
	got = run(x, x->oper, "show ipsec tunnel to-b detail", 0, NULL);
	assert_non_null(strstr(got, "  State:         connecting\n"));
	assert_non_null(strstr(got, ": DPD action (1 time)\n"));
	assert_non_null(strstr(got, ": DPD timeout (1 time)\n"));
	free(got);
	fix_free(x);
}

/* tunshd without an engine: the state says so, the rest refuses. */
static void
test_show_ipsec_without_engine(void **state)
{
	struct fix *x = fix_new();
	char *got;

	(void)state;
	x->s.env.ike = NULL;
	check(x, x->oper, "show ipsec tunnel", 0,
	    "Tunnel to-b\n"
	    "  State:         unknown: the IKE engine is not running\n"
	    "  Local:         192.0.2.1\n"
	    "  Remote:        192.0.2.2\n"
	    "\n"
	    "Tunnel to-c\n"
	    "  State:         unknown: the IKE engine is not running\n"
	    "  Local:         192.0.2.1\n"
	    "  Remote:        192.0.2.9\n");
	check(x, x->oper, "show ipsec sa", -1,
	    "% show ipsec sa: the IKE engine is not running; restart tunshd, and "
	    "see show log if it stays so\n");
	check(x, x->oper, "show ipsec dpd tunnel to-c", 0,
	    "Tunnel to-c\n"
	    "  DPD:           off (dpd timeout 0): no liveness checks\n"
	    "  Action:        restart\n"
	    "  State:         unknown: the IKE engine is not running\n");
	check(x, x->admin, "clear ipsec sa", -1,
	    "% clear ipsec sa: the IKE engine is not running; restart tunshd, "
	    "and see show log if it stays so\n");
	got = run(x, x->oper, "show ipsec tunnel json", 0, NULL);
	assert_non_null(strstr(got,
	    "    \"state\": \"unknown\",\n"
	    "    \"reason\": \"the IKE engine is not running\",\n"
	    "    \"monitor\": null\n"));
	free(got);
	fix_free(x);
}

/* Operators are told to ask an admin; nothing happens to the SAs. */
static void
test_show_ipsec_operator_may_not_act(void **state)
{
	struct fix *x = fix_new();

	(void)state;
	establish(x);
	check(x, x->oper, "clear ipsec sa tunnel to-b", -1,
	    "% clear ipsec sa: permission denied: only admins may act on SAs "
	    "(admins are root and group tunsh-admin); show ipsec tunnel shows "
	    "the state\n");
	check(x, x->oper, "test ipsec tunnel to-b", -1,
	    "% test ipsec tunnel: permission denied: only admins may act on "
	    "SAs (admins are root and group tunsh-admin); show ipsec tunnel "
	    "shows the state\n");
	assert_int_equal(lab_run(&x->s.l, 100), 0);
	assert_int_equal(lab_sa_count(&x->s.l.a.k), 2);
	fix_free(x);
}

static enum ike_tunnel_state
state_of(struct fix *x, const char *name)
{
	struct ike_tunnel_status st;

	assert_int_equal(ike_tunnel_status(x->s.l.a.e, name, &st), 0);
	return st.state;
}

/* clear renegotiates (restart); test says what it knows at once. */
static void
test_show_ipsec_clear_and_test(void **state)
{
	struct fix *x = fix_new();
	struct diag d;

	(void)state;
	diag_init(&d);
	establish(x);
	check(x, x->admin, "test ipsec tunnel to-b", 0,
	    "ipsec tunnel to-b is up: established @T+0@ as initiator, 1 CHILD "
	    "SA; nothing to do\n");
	/* A -> B  HDR, SK {D(IKE)}; then a new IKE_SA_INIT at once */
	check(x, x->admin, "clear ipsec sa tunnel to-b", 0,
	    "ipsec tunnel to-b: cleared 1 IKE SA and 1 CHILD SA; "
	    "renegotiating\n");
	assert_int_equal(state_of(x, "to-b"), IKE_TUNNEL_CONNECTING);
	lab_run(&x->s.l, 100);
	assert_int_equal(state_of(x, "to-b"), IKE_TUNNEL_UP);
	/* Down, then test: A -> B  HDR, SAi1, KEi, Ni */
	assert_int_equal(ike_tunnel_terminate(x->s.l.a.e, "to-b", false, &d),
	    0);
	lab_run(&x->s.l, 100);
	assert_int_equal(state_of(x, "to-b"), IKE_TUNNEL_DOWN);
	check(x, x->admin, "test ipsec tunnel to-b", 0,
	    "ipsec tunnel to-b: negotiation started with 192.0.2.2 port 500\n"
	    "see show ipsec tunnel to-b for how it goes\n");
	lab_run(&x->s.l, 100);
	assert_int_equal(state_of(x, "to-b"), IKE_TUNNEL_UP);
	/* B's key changes: A's next try fails in IKE_AUTH, and the next
	 * test reports that failure with the new start. */
	secbuf_free(x->s.psk_b);
	x->s.psk_b = secbuf_from_str("not-the-same-key");
	x->s.tb.c.psk = x->s.psk_b;
	assert_int_equal(ike_tunnel_change(x->s.l.b.e, &x->s.tb.c,
			     IKE_CHANGE_IN_PLACE, &d),
	    0);
	assert_int_equal(ike_tunnel_terminate(x->s.l.a.e, "to-b", true, &d), 0);
	lab_run(&x->s.l, 100);
	assert_int_not_equal(state_of(x, "to-b"), IKE_TUNNEL_UP);
	check(x, x->admin, "test ipsec tunnel to-b", 0,
	    "ipsec tunnel to-b: negotiation started with 192.0.2.2 port 500\n"
	    "see show ipsec tunnel to-b for how it goes\n"
	    "the previous attempt failed: authentication failed: the "
	    "pre-shared keys (or IDs)\n"
	    "                             do not match\n");
	/* to-c is in the engine but disabled: the engine says what to do. */
	lab_conf(&x->tc, "to-c", LAB_ADDR_A, 0xc0000209u, "10.1.0.0/24",
	    "10.3.0.0/24", &show_fix_gcm, x->s.psk);
	x->tc.c.enable = false;
	assert_int_equal(ike_tunnel_add(x->s.l.a.e, &x->tc.c, &d), 0);
	check(x, x->admin, "test ipsec tunnel to-c", -1,
	    "% error: tunnel to-c: disabled; enable it and commit first\n");
	/* Without a name: every tunnel of the running configuration; to-b
	 * has only its half-open IKE SA of the new try. */
	check(x, x->admin, "clear ipsec sa", 0,
	    "ipsec tunnel to-b: cleared 1 IKE SA and 0 CHILD SAs; "
	    "renegotiating\n"
	    "ipsec tunnel to-c: cleared 0 IKE SAs and 0 CHILD SAs; it is "
	    "disabled\n");
	check(x, x->admin, "test ipsec tunnel", -1,
	    "% Incomplete command: give NAME (? lists what fits)\n");
	check(x, x->admin, "test ipsec tunnel nope", -1,
	    "% ipsec tunnel nope does not exist in the running configuration; "
	    "show running-config lists the tunnels\n");
	diag_clear(&d);
	fix_free(x);
}

/*
 * A commit of a key the peer lacks: the tunnel runs on the SAs of the
 * previous configuration, and show says so, for how long, and why the
 * new one failed; after the rollback the line is gone.
 */
static void
test_show_ipsec_previous_config(void **state)
{
	struct fix *x = fix_new();
	struct secbuf *wrong = secbuf_from_str("not-the-peer-key");
	struct diag d;
	char *got;

	(void)state;
	diag_init(&d);
	x->s.ta.c.child_lifetime = 3600;
	establish(x);
	x->s.ta.c.psk = wrong;
	assert_int_equal(ike_tunnel_change(x->s.l.a.e, &x->s.ta.c,
			     IKE_CHANGE_REAUTH, &d),
	    0);
	lab_run(&x->s.l, 100);
	check(x, x->oper, "show ipsec tunnel to-b", 0,
	    "Tunnel to-b\n"
	    "  State:         up\n"
	    "  Role:          initiator\n"
	    "  Local:         192.0.2.1 port 500\n"
	    "  Remote:        192.0.2.2 port 500\n"
	    "  Uptime:        @UP+0@, since @T+0@\n"
	    "  IKE proposal:  AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519\n"
	    "  NAT-T:         no\n"
	    "  CHILD SAs:     1\n"
	    "    10.1.0.0/24 <-> 10.2.0.0/24  in a0000001 out b0000001\n"
	    "  Config:        previous: the SAs of the configuration before "
	    "the last commit\n"
	    "                 carry traffic (for 01:00:00 at most): the new "
	    "one failed:\n"
	    "                 authentication failed: the pre-shared keys (or "
	    "IDs) do not\n"
	    "                 match; retrying\n"
	    "  Last error:    authentication failed: the pre-shared keys (or "
	    "IDs) do not\n"
	    "                 match\n");
	x->s.ta.c.psk = x->s.psk;
	assert_int_equal(ike_tunnel_change(x->s.l.a.e, &x->s.ta.c,
			     IKE_CHANGE_REAUTH, &d),
	    0);
	lab_run(&x->s.l, 100);
	got = run(x, x->oper, "show ipsec tunnel to-b", 0, NULL);
	assert_null(strstr(got, "Config"));
	free(got);
	diag_clear(&d);
	secbuf_free(wrong);
	fix_free(x);
}

static void
spi_cb(void *arg, const struct ike_child_status *s)
{
	*(uint32_t *)arg = s->spi_in;
}

/* A's inbound CHILD SPI (the last one listed). */
static uint32_t
first_child_spi(struct fix *x)
{
	uint32_t spi = 0;

	ike_child_each(x->s.l.a.e, NULL, spi_cb, &spi);
	return spi;
}

/*
 * request ipsec rekey: operators refused in words; an admin's request
 * says what started, the rekey runs on the wire (new SPIs both ends), and
 * a tunnel that is not up is refused with the command that starts it.
 */
static void
test_show_ipsec_request_rekey(void **state)
{
	struct fix *x = fix_new();
	struct diag d;
	uint32_t spi;

	(void)state;
	diag_init(&d);
	check(x, x->admin, "request ipsec rekey tunnel to-b", -1,
	    "% request ipsec rekey: tunnel to-b is not in the IKE engine; see "
	    "show log for why its commit did not reach it\n");
	/* A has sent IKE_SA_INIT, no answer yet: nothing to rekey. */
	assert_int_equal(ike_tunnel_add(x->s.l.b.e, &x->s.tb.c, &d), 0);
	assert_int_equal(ike_tunnel_add(x->s.l.a.e, &x->s.ta.c, &d), 0);
	check(x, x->admin, "request ipsec rekey tunnel to-b ike", -1,
	    "% error: tunnel to-b is not up: nothing to rekey; test ipsec "
	    "tunnel to-b starts it\n");
	assert_int_equal(lab_run(&x->s.l, 100), 4);
	check(x, x->oper, "request ipsec rekey tunnel to-b", -1,
	    "% request ipsec rekey: permission denied: only admins may act on "
	    "SAs (admins are root and group tunsh-admin); show ipsec tunnel "
	    "shows the state\n");
	assert_int_equal(lab_run(&x->s.l, 100), 0);
	spi = first_child_spi(x);
	/* A -> B  HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr} */
	check(x, x->admin, "request ipsec rekey tunnel to-b", 0,
	    "ipsec tunnel to-b: rekey of 1 CHILD SA started; the IKE SA stays\n"
	    "see show ipsec sa tunnel to-b for the new SPIs\n");
	assert_int_not_equal(lab_run(&x->s.l, 100), 0);
	assert_int_not_equal(first_child_spi(x), spi);
	assert_null(lab_sa_find(&x->s.l.a.k, spi));
	assert_int_equal(lab_sa_count(&x->s.l.a.k), 2);
	/* A -> B  HDR, SK {SA, Ni, KEi} */
	check(x, x->admin, "request ipsec rekey tunnel to-b ike", 0,
	    "ipsec tunnel to-b: rekey of the IKE SA started\n"
	    "see show ipsec sa tunnel to-b for the new SPIs\n");
	assert_int_not_equal(lab_run(&x->s.l, 100), 0);
	assert_int_equal(state_of(x, "to-b"), IKE_TUNNEL_UP);
	check(x, x->admin, "request ipsec rekey tunnel", -1,
	    "% Incomplete command: give NAME (? lists what fits)\n");
	check(x, x->admin, "request ipsec rekey tunnel to-b now", -1,
	    "% request ipsec rekey: unexpected \"now\"; give tunnel NAME "
	    "[ike]\n");
	check(x, x->admin, "request ipsec rekey tunnel nope", -1,
	    "% ipsec tunnel nope does not exist in the running configuration; "
	    "show running-config lists the tunnels\n");
	diag_clear(&d);
	fix_free(x);
}

/* Tab and '?' know the new words. */
static void
test_show_ipsec_help(void **state)
{
	struct fix *x = fix_new();

	(void)state;
	rewind(x->s.f);
	/* libcli wraps long help onto more lines */
	assert_true(commands_complete(x->oper, "show ipsec ", true,
			show_fix_out, &x->s) >= 3);
	fputc('\0', x->s.f);
	fflush(x->s.f);
	assert_non_null(strstr(x->s.buf, "  tunnel  "));
	assert_non_null(strstr(x->s.buf, "  sa  "));
	assert_non_null(strstr(x->s.buf, "  dpd  "));
	/* Abbreviated, and with the name after detail. */
	assert_int_equal(commands_run(x->oper, "sh ips tu detail to-b json"),
	    0);
	/* Words after the command are abbreviated too (issue 12). */
	assert_int_equal(commands_run(x->oper, "sh ips d tunnel to-c"), 0);
	assert_int_equal(commands_run(x->oper, "sh ips d t to-c"), 0);
	assert_int_equal(commands_run(x->oper, "sh ips tu to-b det js"), 0);
	fix_free(x);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_show_ipsec_tunnel_up),
	cmocka_unit_test(test_show_ipsec_tunnel_json),
	cmocka_unit_test(test_show_ipsec_tunnel_brief),
	cmocka_unit_test(test_show_ipsec_tunnel_brief_days),
	cmocka_unit_test(test_show_ipsec_tunnel_brief_error),
	cmocka_unit_test(test_show_ipsec_json_schemas),
	cmocka_unit_test(test_show_ipsec_tunnel_routes),
	cmocka_unit_test(test_show_ipsec_tunnel_monitor),
	cmocka_unit_test(test_show_ipsec_previous_config),
	cmocka_unit_test(test_show_ipsec_sa),
	cmocka_unit_test(test_show_ipsec_duplicates_are_marked),
	cmocka_unit_test(test_show_ipsec_dpd),
	cmocka_unit_test(test_show_ipsec_without_engine),
	cmocka_unit_test(test_show_ipsec_operator_may_not_act),
	cmocka_unit_test(test_show_ipsec_clear_and_test),
	cmocka_unit_test(test_show_ipsec_request_rekey),
	cmocka_unit_test(test_show_ipsec_help),
};

TUNSH_TEST_MAIN(tests)
