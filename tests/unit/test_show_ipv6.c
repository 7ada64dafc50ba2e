/*
 * tests/unit/test_show_ipv6.c: the show commands of a configuration with
 * IPv6 (issue 14): addresses in their RFC 5952 form, whole, and every
 * line within 80 columns, as a person reads them; the JSON of one family
 * unchanged in shape.  The tunnels are in the configuration only (the
 * engine does not take IPv6 yet): what show says of them comes from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "tests/unit/show_fixture.h"
#include "tests/unit/test.h"

static const char conf_text[] =
    "hostname = \"fw6\";\n"
    "interfaces = ( { name = \"wan1\"; address = [ \"192.0.2.1/24\", "
    "\"2001:db8:ffff:ffff:ffff:ffff:ffff:1/64\" ];\n"
    "    gateway = [ \"192.0.2.254\", \"2001:db8:ffff:ffff:ffff:ffff:ffff:fe\" "
    "]; },\n"
    "  { name = \"wan6\"; address = \"2001:db8:6::2/64\"; gateway = "
    "\"fe80::1\"; } );\n"
    "vlans = ( { id = 10; name = \"a\"; subnet = [ \"10.1.0.0/24\", "
    "\"2001:db8:10::/64\" ]; },\n"
    "  { id = 11; subnet = \"2001:db8:ffff:ffff:ffff:ffff:ffff:0/112\"; "
    "} );\n"
    "tunnels = (\n"
    "  { name = \"to-v6\"; wan-port = \"wan6\"; remote-address = "
    "\"2001:db8:ffff:ffff:ffff:ffff:ffff:7\";\n"
    "    pre-shared-key = \"lab-secret-1\"; local-network = [ \"vlan 10\" "
    "];\n"
    "    remote-network = [ \"2001:db8:20::/64\", \"10.2.0.0/24\" ]; }\n"
    ");\n";

static char *
run(struct show_fix *x, const char *line)
{
	struct commands_session *s =
	    show_fix_session(x, "olga", COMMANDS_OPERATOR);
	char *got;

	fflush(x->f);
	rewind(x->f);
	x->len = 0;
	commands_run(s, line);
	fflush(x->f);
	got = strndup(x->buf, x->len);
	commands_session_free(s);
	return got;
}

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

static void
check(struct show_fix *x, const char *line, const char *want)
{
	char *got = run(x, line);

	if (strcmp(got, want) != 0)
		fail_msg("%s:\ngot:\n%swant:\n%s", line, got, want);
	/* Text within 80 columns; JSON is one object a line, whole. */
	if (strstr(line, "json") == NULL)
		assert_narrow(got);
	free(got);
}

static void
test_show_ipv6_interfaces_and_vlans(void **state)
{
	struct show_fix x;

	(void)state;
	show_fix_init(&x, conf_text, "lab-secret-1");
	check(&x, "show interfaces",
	    "Interface        Address             Gateway          Tunnels\n"
	    "wan1             192.0.2.1/24        192.0.2.254      0\n"
	    "                 2001:db8:ffff:ffff:ffff:ffff:ffff:1/64\n"
	    "                                     "
	    "2001:db8:ffff:ffff:ffff:ffff:ffff:fe\n"
	    "wan6             2001:db8:6::2/64    fe80::1          1\n");
	check(&x, "show vlans",
	    "VLAN  Name                 Subnet              Tunnels\n"
	    "10    a                    10.1.0.0/24         1\n"
	    "                           2001:db8:10::/64\n"
	    "11    -                    -                   0\n"
	    "                           2001:db8:ffff:ffff:ffff:ffff:ffff:0/112\n");
	check(&x, "show interfaces json",
	    "[\n"
	    "  { \"name\": \"wan1\", \"address\": \"192.0.2.1/24\", "
	    "\"address6\": \"2001:db8:ffff:ffff:ffff:ffff:ffff:1/64\", "
	    "\"gateway\": \"192.0.2.254\", "
	    "\"gateway6\": \"2001:db8:ffff:ffff:ffff:ffff:ffff:fe\", "
	    "\"tunnels\": 0 },\n"
	    "  { \"name\": \"wan6\", \"address\": null, \"address6\": "
	    "\"2001:db8:6::2/64\", \"gateway\": null, \"gateway6\": "
	    "\"fe80::1\", \"tunnels\": 1 }\n"
	    "]\n");
	show_fix_fini(&x);
}

static void
test_show_ipv6_tunnel_brief_and_detail(void **state)
{
	struct show_fix x;
	char *got;

	(void)state;
	show_fix_init(&x, conf_text, "lab-secret-1");
	check(&x, "show ipsec tunnel brief",
	    "Tunnel       Peer            State      Uptime   SAs    In   Out "
	    "Last error\n"
	    "to-v6        2001:db8:ffff:ffff:ffff:ffff:ffff:7\n"
	    "                             unknown    -          -     -     - "
	    "-\n");
	got = run(&x, "show ipsec tunnel to-v6");
	assert_narrow(got);
	if (strstr(got, "2001:db8:6::2") == NULL ||
	    strstr(got, "2001:db8:ffff:ffff:ffff:ffff:ffff:7") == NULL)
		fail_msg("show ipsec tunnel to-v6 lacks an endpoint:\n%s", got);
	free(got);
	got = run(&x, "show running-config");
	assert_narrow(got);
	if (strstr(got, " remote-network 2001:db8:20::/64\n") == NULL ||
	    strstr(got, " subnet 2001:db8:10::/64\n") == NULL)
		fail_msg("show running-config:\n%s", got);
	free(got);
	show_fix_fini(&x);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_show_ipv6_interfaces_and_vlans),
	cmocka_unit_test(test_show_ipv6_tunnel_brief_and_detail),
};

TUNSH_TEST_MAIN(tests)
