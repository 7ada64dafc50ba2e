/*
 * tests/unit/test_apply.c: shell/apply.c, the commit plan to the engine,
 * the kernel and the interfaces, through tunshd's own live half
 * (shell/live.c) with its in-memory kernel and link ops (--kernel none):
 * a real configuration store commits, and the engine's tunnels, the
 * kernel's policies, interfaces and routes are read back after each
 * commit and each undo.  No packet leaves: every tunnel answers only
 * (initiator off) and the IKE sockets take any free port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config/config.h"
#include "ike/ike.h"
#include "kernel/kernel.h"
#include "shell/live.h"
#include "tests/unit/test.h"

struct fx {
	char dir[64], path[96];
	struct event_base *base;
	struct live *live;
	struct config_store *store;
	struct kernel_mem *mem;
	struct diag d;
};

static int
setup(void **state)
{
	static const char conf[] =
	    "hostname = \"apply\";\n"
	    "interfaces = ( { name = \"wan1\"; address = \"203.0.113.2/24\";"
	    " gateway = \"203.0.113.1\"; } );\n"
	    "vlans = ( { id = 10; name = \"lan\"; subnet = \"10.1.0.0/24\"; }"
	    " );\n"
	    "tunnels = ( );\n";
	struct live_opts o = { .kernel = LIVE_KERNEL_NONE };
	struct config_store_params p = { 0 };
	struct fx *fx = calloc(1, sizeof(*fx));
	FILE *f;

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_apply.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/tunsh.conf", fx->dir);
	assert_non_null(f = fopen(fx->path, "w"));
	fputs(conf, f);
	assert_int_equal(fclose(f), 0);
	diag_init(&fx->d);
	assert_non_null(fx->base = event_base_new());
	fx->live = live_open(fx->base, &o, &fx->d);
	assert_non_null(fx->live);
	assert_non_null(fx->mem = live_kernel_mem(fx->live));
	p.path = fx->path;
	p.apply = &live_apply_ops;
	p.apply_arg = fx->live;
	fx->store = config_store_open(&p, &fx->d);
	assert_non_null(fx->store);
	live_set_started(fx->live);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	config_store_free(fx->store);
	live_free(fx->live);
	event_base_free(fx->base);
	diag_clear(&fx->d);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* One change: settings "FIELD=VALUE" of tunnel NAME, or "-FIELD=VALUE" to
 * unset one (NULL settings: removes the tunnel), committed; returns the
 * commit's result. */
static int
commit(struct fx *fx, const char *name, const char *const *settings)
{
	struct config *cand = config_store_candidate(fx->store);
	struct config_commit_opts o = { .user = "test", .source = "unit" };
	int rc;

	assert_non_null(cand);
	if (settings == NULL)
		assert_int_equal(config_tunnel_remove(cand, name), 0);
	else {
		struct config_tunnel *t =
		    config_tunnel_edit(cand, name, true, &fx->d);

		assert_non_null(t);
		for (size_t i = 0; settings[i] != NULL; i++) {
			const char *set = settings[i] + (settings[i][0] == '-');
			const char *eq = strchr(set, '=');
			const struct config_field_info *fi;
			char key[64];

			assert_non_null(eq);
			snprintf(key, sizeof(key), "%.*s", (int)(eq - set),
			    set);
			assert_non_null(fi = config_field_lookup(key));
			if (set != settings[i])
				assert_int_equal(config_tunnel_unset(t, fi->id,
						     eq + 1, &fx->d),
				    0);
			else
				assert_int_equal(config_tunnel_set(t, fi->id,
						     eq + 1, &fx->d),
				    0);
		}
	}
	rc = config_store_commit(fx->store, cand, &o, &fx->d);
	config_free(cand);
	return rc;
}

static const char *const policy_based[] = { "wan-port=wan1",
	"remote-address=198.51.100.7", "pre-shared-key=apply-test-secret-1",
	"local-network=vlan 10", "remote-network=10.2.0.0/24",
	"remote-network=10.3.0.0/24", "initiator=off", NULL };

static const char *const route_based[] = { "tunnel-type=route-based",
	"wan-port=wan1", "remote-address=198.51.100.8",
	"pre-shared-key=apply-test-secret-2", "local-network=vlan 10",
	"remote-network=10.4.0.0/24", "initiator=off", "mtu=1380", NULL };

/* A policy-based tunnel: the engine has it, and the kernel an out, in
 * and fwd policy for each pair of networks (1 local x 2 remote); removing
 * it takes all of them away. */
static void
test_apply_policy_based_tunnel_and_its_removal(void **state)
{
	struct fx *fx = *state;
	struct ike_tunnel_status st;

	assert_int_equal(commit(fx, "p1", policy_based), 0);
	assert_int_equal(ike_tunnel_status(live_engine(fx->live), "p1", &st),
	    0);
	assert_int_equal(kernel_mem_policies(fx->mem), 6);
	assert_int_equal(kernel_mem_links(fx->mem), 0);

	assert_int_equal(commit(fx, "p1", NULL), 0);
	assert_int_not_equal(
	    ike_tunnel_status(live_engine(fx->live), "p1", &st), 0);
	assert_int_equal(kernel_mem_policies(fx->mem), 0);
}

/* A route-based tunnel: its interface (ts-NAME, at the MTU set), one
 * route to its remote network and 0.0.0.0/0 policies marked for it;
 * removed: none of them left. */
static void
test_apply_route_based_tunnel_makes_its_interface_and_route(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(commit(fx, "r1", route_based), 0);
	assert_int_equal(kernel_mem_links(fx->mem), 1);
	assert_int_equal(kernel_mem_link_mtu(fx->mem, "ts-r1"), 1380);
	assert_int_equal(kernel_mem_routes(fx->mem), 1);
	assert_int_equal(kernel_mem_policies(fx->mem), 3);

	assert_int_equal(commit(fx, "r1", NULL), 0);
	assert_int_equal(kernel_mem_links(fx->mem), 0);
	assert_int_equal(kernel_mem_routes(fx->mem), 0);
	assert_int_equal(kernel_mem_policies(fx->mem), 0);
}

/* A change of networks replaces the policies; a change of MTU moves the
 * interface in place; the other tunnel is not touched. */
static void
test_apply_changes_reach_the_kernel(void **state)
{
	struct fx *fx = *state;
	static const char *const one_net[] = { "remote-network=10.2.0.0/24",
		NULL };
	static const char *const drop_net[] = { "-remote-network=10.3.0.0/24",
		NULL };
	static const char *const mtu[] = { "mtu=1300", NULL };

	assert_int_equal(commit(fx, "p1", policy_based), 0);
	assert_int_equal(commit(fx, "r1", route_based), 0);
	assert_int_equal(kernel_mem_policies(fx->mem), 9);

	/* From two remote networks to one: unset one of the list. */
	assert_int_equal(commit(fx, "p1", drop_net), 0);
	assert_int_equal(kernel_mem_policies(fx->mem), 6);
	assert_int_equal(kernel_mem_link_mtu(fx->mem, "ts-r1"), 1380);
	assert_int_equal(kernel_mem_routes(fx->mem), 1);
	/* Setting it again as it is changes nothing. */
	assert_int_equal(commit(fx, "p1", one_net), 0);
	assert_int_equal(kernel_mem_policies(fx->mem), 6);

	assert_int_equal(commit(fx, "r1", mtu), 0);
	assert_int_equal(kernel_mem_link_mtu(fx->mem, "ts-r1"), 1300);
	assert_int_equal(kernel_mem_links(fx->mem), 1);
	assert_int_equal(kernel_mem_routes(fx->mem), 1);
}

/* A commit that validation refuses reaches neither the engine nor the
 * kernel: what was there stays. */
static void
test_apply_refused_commit_leaves_the_kernel_as_it_was(void **state)
{
	struct fx *fx = *state;
	static const char *const clash[] = { "wan-port=wan1",
		"remote-address=198.51.100.9", "pre-shared-key=apply-test-3x",
		"local-network=vlan 10", "remote-network=10.2.0.0/24",
		"initiator=off", NULL };
	struct ike_tunnel_status st;

	assert_int_equal(commit(fx, "p1", policy_based), 0);
	/* The same remote network as p1's, from the same VLAN. */
	assert_int_not_equal(commit(fx, "p2", clash), 0);
	assert_int_not_equal(
	    ike_tunnel_status(live_engine(fx->live), "p2", &st), 0);
	assert_int_equal(kernel_mem_policies(fx->mem), 6);
}

/*
 * IPv6 networks over an IPv4 peer (6-in-4): the commit reaches the
 * engine and the kernel, one IPv6 pair's policies (out, in, fwd) beside
 * the IPv4 tunnel's, and they go with the tunnel.
 */
static void
test_apply_ipv6_networks_reach_the_kernel(void **state)
{
	struct fx *fx = *state;
	static const char *const v6[] = { "wan-port=wan1",
		"remote-address=198.51.100.9", "pre-shared-key=apply-test-6x",
		"local-network=2001:db8:10::/64",
		"remote-network=2001:db8:20::/64", "initiator=off", NULL };
	struct ike_tunnel_status st;

	assert_int_equal(commit(fx, "p1", policy_based), 0);
	assert_int_equal(kernel_mem_policies(fx->mem), 6);
	assert_int_equal(commit(fx, "p6", v6), 0);
	assert_int_equal(ike_tunnel_status(live_engine(fx->live), "p6", &st),
	    0);
	assert_int_equal(kernel_mem_policies(fx->mem), 9);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(
	    test_apply_policy_based_tunnel_and_its_removal, setup, teardown),
	cmocka_unit_test_setup_teardown(
	    test_apply_route_based_tunnel_makes_its_interface_and_route, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_apply_changes_reach_the_kernel,
	    setup, teardown),
	cmocka_unit_test_setup_teardown(
	    test_apply_refused_commit_leaves_the_kernel_as_it_was, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(
	    test_apply_ipv6_networks_reach_the_kernel, setup, teardown),
};

TUNSH_TEST_MAIN(tests)
