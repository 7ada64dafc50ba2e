/*
 * tests/unit/test_config_file.c: the file form (config/file.c): load ->
 * save -> load is the identity, and every kind of mistake in a file is
 * refused with its line and a message that says what to write instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "tests/unit/test.h"

static const char full_conf[] =
    "hostname = \"fw1\";\n"
    "interfaces = ( { name = \"wan1\"; address = \"203.0.113.2/24\";\n"
    "                 gateway = \"203.0.113.1\"; },\n"
    "               { name = \"wan2\"; address = \"192.0.2.10/28\"; } );\n"
    "vlans = ( { id = 20; name = \"office\"; subnet = \"10.20.5.0/24\"; },\n"
    "          { id = 30; subnet = \"10.30.0.0/24\"; } );\n"
    "client-vpn = { pool = \"10.99.0.0/24\"; };\n"
    "metrics = { listen = \"[::1]:9472\"; };\n"
    "tunnels = (\n"
    "  { name = \"branch-1\"; description = \"the \\\"old\\\" branch\";\n"
    "    wan-port = \"wan1\"; local-address = \"203.0.113.2\";\n"
    "    remote-address = \"198.51.100.7\"; initiator = false;\n"
    "    pre-shared-key = \"a-long-example-key-0001\";\n"
    "    remote-network = [ \"172.16.0.0/16\", \"172.18.0.0/24\" ];\n"
    "    local-network = [ \"vlan 20\", \"192.168.50.0/24\" ];\n"
    "    client-vpn-bound = true; ike-lifetime = \"8h\";\n"
    "    child-lifetime = 1800; rekey = false; reauthentication = true;\n"
    "    dpd-action = \"hold\"; dpd-timeout = 20; dpd-delay = 60;\n"
    "    replay-window = 64; tcp-mss = 1360;\n"
    "    ike-proposal = [ \"aes128-sha256-modp3072\" ];\n"
    "    esp-proposal = [ \"aes128gcm16-ecp256\" ];\n"
    "    local-id = \"fw1.example.net\"; remote-id = \"198.51.100.7\"; },\n"
    "  { name = \"aws-1\"; partner-type = \"aws\"; wan-port = \"wan2\";\n"
    "    remote-address = \"198.51.100.10\";\n"
    "    pre-shared-key = \"Aws_key.0123456789abcd\";\n"
    "    inside-address = \"169.254.10.2/30\";\n"
    "    remote-network = [ \"10.50.0.0/16\" ]; tunnel-type = \"ipip\";\n"
    "    local-network = [ \"vlan 30\" ]; enable = false; mtu = 1436; }\n"
    ");\n";

static int
collect(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
	return 0;
}

static char *
render(const struct config *c)
{
	struct config_render_opts o = { .show_secrets = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(config_render(c, &o, collect, f), 0);
	fclose(f);
	return buf;
}

static char *
write_text(const struct config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(config_file_write(c, f), 0);
	fclose(f);
	return buf;
}

static struct config *
load_ok(const char *text)
{
	struct diag d;
	struct config *c;

	diag_init(&d);
	c = config_load_string(text, "t.conf", &d);
	if (c == NULL)
		fail_msg("%s", d.count ? d.entries[0].text : "no message");
	assert_int_equal(d.count, 0);
	diag_clear(&d);
	return c;
}

/* A file that must not load: exactly these messages, in order. */
static void
load_bad(const char *text, const char *const *msgs)
{
	struct diag d;
	size_t n = 0;

	diag_init(&d);
	assert_null(config_load_string(text, "t.conf", &d));
	while (msgs[n] != NULL) {
		if (n >= d.count)
			fail_msg("missing message: %s", msgs[n]);
		assert_string_equal(d.entries[n].text, msgs[n]);
		n++;
	}
	assert_int_equal(d.count, n);
	diag_clear(&d);
}

static void
test_file_load_save_load_is_identity(void **state)
{
	struct config *a = load_ok(full_conf), *b;
	char *ra, *rb, *ta, *tb;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(config_validate(a, &d), 0);
	diag_clear(&d);
	ta = write_text(a);
	b = load_ok(ta);
	ra = render(a);
	rb = render(b);
	assert_string_equal(ra, rb);
	tb = write_text(b);
	assert_string_equal(ta, tb);
	/* Only what was set is written: aws-1's preset values are not. */
	assert_null(strstr(ta, "aes256gcm16-prfsha384-ecp384"));
	assert_non_null(strstr(ta, "    ike-lifetime = 28800;\n"));
	assert_non_null(strstr(ta, "    tunnel-type = \"route-based\";\n"));
	assert_non_null(strstr(ta,
	    "    description = \"the \\\"old\\\" "
	    "branch\";\n"));
	assert_int_equal(config_tunnel_find(b, "aws-1")->child_lifetime, 3600);
	assert_non_null(strstr(ta, "    replay-window = 64;\n"));
	assert_non_null(
	    strstr(ta, "\nmetrics = { listen = \"[::1]:9472\"; };\n"));
	assert_string_equal(b->metrics_listen, "[::1]:9472");
	assert_int_equal(config_tunnel_find(b, "branch-1")->replay_window, 64);
	assert_int_equal(config_tunnel_find(b, "aws-1")->replay_window, 1024);
	assert_false(config_tunnel_find(b, "aws-1")->enable);
	free(ra);
	free(rb);
	free(ta);
	free(tb);
	config_free(a);
	config_free(b);
}

static void
test_file_unknown_keys_refused_with_line(void **state)
{
	static const char *const top[] = {
		"t.conf:2: unknown setting "
		"\"hostnme\" in the file (known: hostname, interfaces, vlans, "
		"client-vpn, metrics, tunnels)",
		NULL
	};
	static const char *const tun[] = {
		"t.conf:3: unknown setting "
		"\"dpd-timeot\" in ipsec tunnel x (see tunsh.conf(5) for the list)",
		NULL
	};
	static const char *const cli_words[] = {
		"t.conf:1: unknown setting "
		"\"pre_shared_key\" in ipsec tunnel x (see tunsh.conf(5) for the "
		"list)",
		NULL
	};
	static const char *const vlan[] = {
		"t.conf:1: unknown setting \"vid\" "
		"in a vlan (known: id, name, subnet)",
		NULL
	};

	(void)state;
	load_bad("hostname = \"a\";\nhostnme = \"b\";\n", top);
	load_bad("tunnels = (\n { name = \"x\";\n   dpd-timeot = 5; } );\n",
	    tun);
	load_bad(
	    "tunnels = ( { name = \"x\"; pre_shared_key = \"12345678\"; } );",
	    cli_words);
	load_bad("vlans = ( { id = 2; vid = 3; } );", vlan);
}

static void
test_file_wrong_types_refused_with_line(void **state)
{
	static const char *const flag[] = { "t.conf:2: enable must be true or "
					    "false, not a string",
		NULL };
	static const char *const secs[] = {
		"t.conf:1: dpd-timeout must be a "
		"number of seconds or a string like \"8h\", not true or false",
		NULL
	};
	static const char *const count[] = {
		"t.conf:1: replay-window must be a number, not a list ( ... )",
		NULL
	};
	static const char *const list[] = {
		"t.conf:1: remote-network must be an "
		"array [ ... ], not a string",
		NULL
	};
	static const char *const host[] = { "t.conf:1: hostname must be a "
					    "string, not a number",
		NULL };
	static const char *const tunnels[] = {
		"t.conf:1: tunnels must be a list "
		"( ... ), not a group { ... }",
		NULL
	};

	(void)state;
	load_bad("tunnels = ( { name = \"x\";\n enable = \"yes\"; } );", flag);
	load_bad("tunnels = ( { name = \"x\"; dpd-timeout = true; } );", secs);
	load_bad("tunnels = ( { name = \"x\"; replay-window = ( 1 ); } );",
	    count);
	load_bad("tunnels = ( { name = \"x\"; remote-network = \"10.0.0.0/8\"; "
		 "} );",
	    list);
	load_bad("hostname = 5;", host);
	load_bad("tunnels = { name = \"x\"; };", tunnels);
}

static void
test_file_bad_values_refused_with_line(void **state)
{
	static const char *const msgs[] = {
		"t.conf:2: ipsec tunnel x: ike-lifetime 60 is out of range: give "
		"900-86400 seconds (suffixes s, m, h, d allowed)",
		"t.conf:3: ipsec tunnel x: local-network 10.1.1.1/24 has host bits "
		"set; did you mean 10.1.1.0/24?",
		"t.conf:4: ipsec tunnel x: esp-proposal aes256-sha256-modp1024: "
		"unknown algorithm \"modp1024\"; valid: aes128 aes256 aes128gcm16 "
		"aes256gcm16 chacha20poly1305 sha1 sha256 sha384 sha512 modp2048 "
		"modp3072 modp4096 ecp256 ecp384 ecp521 curve25519",
		"t.conf:5: ipsec tunnel x: replay-window \"5000\" is not a "
		"number of packets: give 0-4096",
		NULL
	};
	static const char *const dup[] = { "t.conf:2: ipsec tunnel x is defined "
					   "twice",
		NULL };
	static const char *const vlan[] = { "t.conf:1: vlan 5000: a VLAN ID is "
					    "1-4094",
		NULL };

	(void)state;
	/* Every error in the file at once, not just the first. */
	load_bad("tunnels = ( { name = \"x\";\n ike-lifetime = 60;\n"
		 " local-network = [ \"10.1.1.1/24\" ];\n"
		 " esp-proposal = [ \"aes256-sha256-modp1024\" ];\n"
		 " replay-window = 5000; } );",
	    msgs);
	load_bad("tunnels = ( { name = \"x\"; },\n { name = \"x\"; } );", dup);
	load_bad("vlans = ( { id = 5000; } );", vlan);
}

static void
test_file_syntax_error_has_line(void **state)
{
	static const char *const msgs[] = { "t.conf:3: syntax error", NULL };

	(void)state;
	load_bad("hostname = \"a\";\n\ntunnels = ( { name = = \"x\"; } );\n",
	    msgs);
}

static void
test_file_include_refused(void **state)
{
	static const char *const msgs[] = { "t.conf:2: @include is not "
					    "allowed: a tunsh configuration "
					    "is one file",
		NULL };
	struct config *c;

	(void)state;
	load_bad("hostname = \"a\";\n@include \"/etc/shadow\"\n", msgs);
	/* A loaded configuration is not a list of edits. */
	c = load_ok(full_conf);
	assert_int_equal(c->n_touched, 0);
	assert_false(c->system_changed);
	config_free(c);
}

static void
test_file_missing_is_an_error(void **state)
{
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_null(config_load_file("/nonexistent/tunsh.conf", &d));
	assert_string_equal(d.entries[0].text,
	    "/nonexistent/tunsh.conf: No such file or directory");
	diag_clear(&d);
}

static void
test_file_save_is_0600_and_replaces(void **state)
{
	char dir[] = "/tmp/tunsh-file-XXXXXX", path[64], cmd[96];
	struct config *c = load_ok(full_conf), *back;
	struct diag d;
	struct stat st;
	char *a, *b;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tunsh.conf", dir);
	diag_init(&d);
	assert_int_equal(config_save_file(c, path, NULL, NULL, &d), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	back = config_load_file(path, &d);
	assert_non_null(back);
	a = render(c);
	b = render(back);
	assert_string_equal(a, b);
	/* Nothing is left behind but the file itself. */
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(a);
	free(b);
	diag_clear(&d);
	config_free(c);
	config_free(back);
}

/* A FIFO, a device, a directory and a file over the limit are refused
 * at once and in words: none may block or spin the daemon. */
static void
test_file_read_refuses_what_is_not_a_bounded_regular_file(void **state)
{
	char dir[] = "/tmp/tunsh-read-XXXXXX", fifo[64], big[64];
	static const struct {
		const char *path, *words;
	} cases[] = {
		{ "/dev/zero",
		    "/dev/zero is a character device: give a "
		    "regular file" },
		{ "/tmp", "/tmp is a directory: give a regular file" },
	};
	struct diag d;
	size_t len;
	char *text;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		diag_init(&d);
		assert_true(
		    config_file_read(cases[i].path, &text, &len, &d) < 0);
		assert_null(text);
		assert_string_equal(d.entries[0].text, cases[i].words);
		diag_clear(&d);
	}
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	diag_init(&d);
	assert_int_equal(config_file_read(fifo, &text, &len, &d), -EINVAL);
	assert_non_null(strstr(d.entries[0].text, "is a FIFO"));
	diag_clear(&d);
	/* One byte over the limit (sparse: no disk used). */
	snprintf(big, sizeof(big), "%s/big.conf", dir);
	assert_non_null(f = fopen(big, "w"));
	assert_int_equal(ftruncate(fileno(f), (off_t)CONFIG_FILE_MAX + 1), 0);
	fclose(f);
	diag_init(&d);
	assert_int_equal(config_file_read(big, &text, &len, &d), -EFBIG);
	assert_non_null(strstr(d.entries[0].text, "is larger than 64 MiB"));
	diag_clear(&d);
	assert_null(config_load_file(big, &d));
	diag_clear(&d);
	unlink(fifo);
	unlink(big);
	rmdir(dir);
}

/* metrics = { listen = ...; }: the setter's words, at the value's line. */
static void
test_file_metrics_listen_refused_with_line(void **state)
{
	static const char *const port[] = {
		"t.conf:2: metrics listen \"127.0.0.1\" is not an address and "
		"port: give A.B.C.D:PORT or [IPv6]:PORT with a port of 1-65535, "
		"like 127.0.0.1:9472",
		NULL
	};
	static const char *const key[] = {
		"t.conf:1: unknown setting \"port\" in metrics (known: listen)",
		NULL
	};
	static const char *const type[] = {
		"t.conf:1: listen must be a string, not a number", NULL
	};

	(void)state;
	load_bad("metrics = {\n  listen = \"127.0.0.1\"; };\n", port);
	load_bad("metrics = { port = 9472; };\n", key);
	load_bad("metrics = { listen = 9472; };\n", type);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_file_metrics_listen_refused_with_line),
	cmocka_unit_test(
	    test_file_read_refuses_what_is_not_a_bounded_regular_file),
	cmocka_unit_test(test_file_load_save_load_is_identity),
	cmocka_unit_test(test_file_unknown_keys_refused_with_line),
	cmocka_unit_test(test_file_wrong_types_refused_with_line),
	cmocka_unit_test(test_file_bad_values_refused_with_line),
	cmocka_unit_test(test_file_syntax_error_has_line),
	cmocka_unit_test(test_file_include_refused),
	cmocka_unit_test(test_file_missing_is_an_error),
	cmocka_unit_test(test_file_save_is_0600_and_replaces),
};

TUNSH_TEST_MAIN(tests)
