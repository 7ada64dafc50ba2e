/*
 * tests/unit/validate_fixture.c: the shared pieces of test_validate and
 * test_validate_cross (see validate_fixture.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/validate_fixture.h"

void
set(struct config_tunnel *t, enum config_field f, const char *v)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_tunnel_set(t, f, v, &d), 0);
	assert_int_equal(d.count, 0);
	diag_clear(&d);
}

void
unset(struct config_tunnel *t, enum config_field f, const char *v)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_tunnel_unset(t, f, v, &d), 0);
	diag_clear(&d);
}

struct config_tunnel *
edit(struct config *c, const char *name)
{
	struct diag d;
	struct config_tunnel *t;

	diag_init(&d);
	t = config_tunnel_edit(c, name, true, &d);
	assert_non_null(t);
	diag_clear(&d);
	return t;
}

void
iface(struct config *c, const char *name, const char *addr, const char *gw)
{
	struct diag d;
	struct config_interface *i;

	diag_init(&d);
	i = config_interface_edit(c, name, &d);
	assert_non_null(i);
	if (addr != NULL)
		assert_int_equal(config_interface_set_address(c, i, addr, &d),
		    0);
	if (gw != NULL)
		assert_int_equal(config_interface_set_gateway(c, i, gw, &d), 0);
	assert_int_equal(d.count, 0);
	diag_clear(&d);
}

void
vlan(struct config *c, unsigned id, const char *subnet)
{
	struct diag d;
	struct config_vlan *v;

	diag_init(&d);
	v = config_vlan_edit(c, id, &d);
	assert_non_null(v);
	if (subnet != NULL)
		assert_int_equal(config_vlan_set_subnet(c, v, subnet, &d), 0);
	assert_int_equal(d.count, 0);
	diag_clear(&d);
}

void
pool(struct config *c, const char *value)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_set_pool(c, value, &d), 0);
	diag_clear(&d);
}

/* An enabled policy-based tunnel on wan1 from vlan 20 to remote_net. */
struct config_tunnel *
policy_tunnel(struct config *c, const char *name, const char *remote,
    const char *remote_net)
{
	struct config_tunnel *t = edit(c, name);

	set(t, CF_WAN_PORT, "wan1");
	set(t, CF_REMOTE_ADDRESS, remote);
	set(t, CF_PSK, PSK);
	set(t, CF_LOCAL_NETWORK, "vlan 20");
	set(t, CF_REMOTE_NETWORK, remote_net);
	return t;
}

/* A valid AWS tunnel: route-based by the preset, no networks needed. */
struct config_tunnel *
aws_tunnel(struct config *c, const char *name)
{
	struct config_tunnel *t = edit(c, name);

	set(t, CF_PARTNER_TYPE, "aws");
	set(t, CF_WAN_PORT, "wan1");
	set(t, CF_REMOTE_ADDRESS, "52.1.2.3");
	set(t, CF_PSK, AWS_PSK);
	set(t, CF_INSIDE_ADDRESS, "169.254.10.2/30");
	return t;
}

/*
 * wan1 203.0.113.2/24 via 203.0.113.1, vlan 20 10.20.5.0/24, client-vpn
 * pool 10.99.0.0/24, and tunnel "hq" from vlan 20 to 172.16.0.0/16.
 */
struct config *
base(void)
{
	struct config *c = config_new();

	assert_non_null(c);
	iface(c, "wan1", "203.0.113.2/24", "203.0.113.1");
	vlan(c, 20, "10.20.5.0/24");
	pool(c, "10.99.0.0/24");
	policy_tunnel(c, "hq", "198.51.100.7", "172.16.0.0/16");
	return c;
}

/* Running is built by hand: forget the edit marks a commit would clear. */
void
as_running(struct config *c)
{
	c->n_touched = 0;
	c->system_changed = false;
}

ssize_t
find(const struct diag *d, const char *text)
{
	for (size_t i = 0; i < d->count; i++)
		if (strcmp(d->entries[i].text, text) == 0)
			return (ssize_t)i;
	return -1;
}

/* Prints what was said when an expectation fails: the test log shows it. */
void
dump(const struct diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		print_message("  %s: %s\n",
		    d->entries[i].severity == DIAG_ERROR ? "error" : "warning",
		    d->entries[i].text);
}

/* d holds exactly n errors, msg among them as an error. */
void
check_errors(const struct diag *d, size_t n, const char *msg)
{
	ssize_t i = msg != NULL ? find(d, msg) : 0;

	if (d->errors != n || i < 0) {
		print_message("expected %zu error(s) with \"%s\"; got:\n", n,
		    msg != NULL ? msg : "");
		dump(d);
	}
	assert_int_equal(d->errors, n);
	if (msg != NULL) {
		assert_true(i >= 0);
		assert_int_equal(d->entries[i].severity, DIAG_ERROR);
	}
}

/* Full validation fails with exactly n errors, msg among them. */
void
expect_errors(const struct config *c, size_t n, const char *msg)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_validate(c, &d), -EINVAL);
	check_errors(&d, n, msg);
	diag_clear(&d);
}

void
expect_error(const struct config *c, const char *msg)
{
	expect_errors(c, 1, msg);
}

/* Full validation passes with no error and no warning. */
void
expect_valid(const struct config *c)
{
	struct diag d;
	int rc;

	diag_init(&d);
	rc = config_validate(c, &d);
	if (rc != 0 || d.count != 0)
		dump(&d);
	assert_int_equal(d.count, 0);
	assert_int_equal(rc, 0);
	diag_clear(&d);
}

/* Incremental validation of cand against running fails like that. */
void
expect_change_errors(const struct config *running,
    const struct config_index *idx, const struct config *cand, size_t n,
    const char *msg)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(config_validate_change(running, idx, cand, &d),
	    n ? -EINVAL : 0);
	check_errors(&d, n, msg);
	diag_clear(&d);
}
