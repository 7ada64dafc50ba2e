/*
 * tests/unit/test_failover.c: the routes of route-based tunnels follow
 * their CHILD SAs.  Engine A of ike_lab.c has two tunnels to the same
 * remote network through two gateways of peer B (192.0.2.2 and
 * 192.0.2.4, AWS's pair), its carrier callback wired to
 * shell/dataplane.c over kernel link ops that record every route add
 * and delete.  Each test does to a gateway what happens to AWS's (its
 * link goes, it deletes the SAs, the SAs expire, it refuses us) and
 * checks the routes a kernel would hold: which tunnel carries the
 * network, at which metric, and that the network is never without a
 * route on the way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/msg.h"
#include "ike_lab.h"
#include "shell/dataplane.h"
#include "test.h"

static const struct lab_suite gcm_x25519 = { "aes256gcm16-prfsha256-x25519", 20,
	256, 5, 0, 31 };

#define NET "10.2.0.0/16"

/* The routes a kernel holds, and what was done to them. */
struct rec {
	struct kernel_route r[16];
	size_t n;
	size_t adds, dels;
	/* Fewest routes to NET after any delete since routes_made. */
	size_t fewest;
	bool routes_made;
	int fail_add; /* > 0: the next n route adds fail */
};

static int
rec_link_add(void *arg, const struct kernel_link *l, struct diag *d)
{
	(void)arg;
	(void)l;
	(void)d;
	return 0;
}

static int
rec_link_del(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return 0;
}

static bool
same(const struct kernel_route *a, const struct kernel_route *b)
{
	return ipaddr_cmp(&a->dst, &b->dst) == 0 &&
	    strcmp(a->dev, b->dev) == 0 && a->metric == b->metric;
}

static int
rec_route_add(void *arg, const struct kernel_route *r, struct diag *d)
{
	struct rec *k = arg;

	if (k->fail_add > 0) {
		k->fail_add--;
		diag_add(d, DIAG_ERROR, "route to " NET ": no buffer space");
		return -ENOBUFS;
	}
	/* The kernel refuses a second route to a network at one metric. */
	for (size_t i = 0; i < k->n; i++)
		if (ipaddr_cmp(&k->r[i].dst, &r->dst) == 0 &&
		    k->r[i].metric == r->metric)
			return -EEXIST;
	assert_true(k->n < 16);
	k->r[k->n++] = *r;
	k->adds++;
	return 0;
}

static int
rec_route_del(void *arg, const struct kernel_route *r)
{
	struct rec *k = arg;

	for (size_t i = 0; i < k->n; i++)
		if (same(&k->r[i], r)) {
			k->r[i] = k->r[--k->n];
			k->dels++;
			if (k->routes_made && k->n < k->fewest)
				k->fewest = k->n;
			return 0;
		}
	return 0;
}

static const struct kernel_link_ops rec_ops = { .link_add = rec_link_add,
	.link_del = rec_link_del,
	.route_add = rec_route_add,
	.route_del = rec_route_del };

/* The metric of the route through dev, 0 if there is none. */
static uint32_t
metric(const struct rec *k, const char *dev)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->r[i].dev, dev) == 0)
			return k->r[i].metric;
	return 0;
}

/* The interface the kernel sends NET's traffic into: lowest metric. */
static const char *
carrier_dev(const struct rec *k)
{
	const struct kernel_route *best = NULL;

	for (size_t i = 0; i < k->n; i++)
		if (best == NULL || k->r[i].metric < best->metric)
			best = &k->r[i];
	return best ? best->dev : "none";
}

struct fix {
	struct lab l;
	struct secbuf *psk, *psk_b;
	/* A's two tunnels to B's two gateways; B's two, responding. */
	struct lab_tunnel a1, a2, b1, b2;
	struct rec k;
	struct dataplane_set dps;
	unsigned ups, downs; /* carrier calls */
};

static void
on_carrier(void *arg, const char *tunnel, bool up, uint64_t wall)
{
	struct fix *f = arg;

	if (up)
		f->ups++;
	else
		f->downs++;
	dataplane_follow(&f->dps, tunnel, up, wall);
}

/* What shell/apply.c plans for a route-based tunnel to NET. */
static void
plan(struct fix *f, const char *tunnel, const char *dev)
{
	struct dataplane p;
	struct diag d;

	memset(&p, 0, sizeof(p));
	snprintf(p.tunnel, sizeof(p.tunnel), "%s", tunnel);
	snprintf(p.link.name, sizeof(p.link.name), "%s", dev);
	assert_int_equal(ipaddr_parse_prefix(NET, &p.routes[0].dst), 0);
	snprintf(p.routes[0].dev, sizeof(p.routes[0].dev), "%s", dev);
	p.routes[0].metric = dataplane_metric_free(&f->dps, &p.routes[0].dst);
	p.n_routes = 1;
	diag_init(&d);
	assert_int_equal(dataplane_add(&f->dps, &p, &d), 0);
	diag_clear(&d);
}

static void
route_based(struct lab_tunnel *t, uint32_t key)
{
	static const struct ipaddr any = { .family = AF_INET };

	t->c.route_based = true;
	t->c.local_nets = t->c.remote_nets = &any;
	t->c.n_local = t->c.n_remote = 1;
	t->c.mark = key;
}

/* AWS's pair: two gateways of B, the same network behind both; A's DPD
 * every 10 s of silence, 5 s for the answer, restart. */
static struct fix *
fix_new(void)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct ike_engine_params pa = { .carrier = on_carrier };
	struct lab_tunnel *a[] = { &f->a1, &f->a2 };

	pa.carrier_arg = f;
	f->dps.ops = &rec_ops;
	f->dps.arg = &f->k;
	lab_init(&f->l, &pa, NULL);
	f->psk = secbuf_from_str("lab-secret-1");
	f->psk_b = secbuf_dup(f->psk);
	lab_conf(&f->a1, "aws-1", LAB_ADDR_A, LAB_ADDR_B, "0.0.0.0/0",
	    "0.0.0.0/0", &gcm_x25519, f->psk);
	lab_conf(&f->a2, "aws-2", LAB_ADDR_A, LAB_ADDR_B2, "0.0.0.0/0",
	    "0.0.0.0/0", &gcm_x25519, f->psk);
	lab_conf(&f->b1, "gw-1", LAB_ADDR_B, LAB_ADDR_A, "0.0.0.0/0",
	    "0.0.0.0/0", &gcm_x25519, f->psk_b);
	lab_conf(&f->b2, "gw-2", LAB_ADDR_B2, LAB_ADDR_A, "0.0.0.0/0",
	    "0.0.0.0/0", &gcm_x25519, f->psk_b);
	route_based(&f->a1, 0x74730001);
	route_based(&f->a2, 0x74730002);
	route_based(&f->b1, 42);
	route_based(&f->b2, 43);
	f->b1.c.initiator = f->b2.c.initiator = false;
	for (size_t i = 0; i < 2; i++) {
		a[i]->c.dpd_timeout = 10;
		a[i]->c.dpd_delay = 5;
		a[i]->c.dpd_action = IKE_DPD_RESTART;
	}
	plan(f, "aws-1", "ts-aws-1");
	plan(f, "aws-2", "ts-aws-2");
	return f;
}

static void
fix_free(struct fix *f)
{
	lab_free(&f->l);
	dataplane_clear(&f->dps);
	assert_int_equal(f->k.n, 0); /* every route went with its record */
	secbuf_free(f->psk);
	secbuf_free(f->psk_b);
	free(f);
}

static void
add_all(struct fix *f)
{
	struct diag d;

	diag_init(&d);
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->b1.c, &d), 0);
	assert_int_equal(ike_tunnel_add(f->l.b.e, &f->b2.c, &d), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->a1.c, &d), 0);
	assert_int_equal(ike_tunnel_add(f->l.a.e, &f->a2.c, &d), 0);
	diag_clear(&d);
}

static enum ike_tunnel_state
state(struct lab_peer *p, const char *name)
{
	struct ike_tunnel_status st;

	assert_int_equal(ike_tunnel_status(p->e, name, &st), 0);
	return st.state;
}

/* Both up: aws-1 carries NET at 100, aws-2 is the backup at 110. */
static void
establish(struct fix *f)
{
	add_all(f);
	lab_run(&f->l, 200);
	assert_int_equal(state(&f->l.a, "aws-1"), IKE_TUNNEL_UP);
	assert_int_equal(state(&f->l.a, "aws-2"), IKE_TUNNEL_UP);
	assert_int_equal(metric(&f->k, "ts-aws-1"), 100);
	assert_int_equal(metric(&f->k, "ts-aws-2"), 110);
	assert_string_equal(carrier_dev(&f->k), "ts-aws-1");
	f->k.routes_made = true;
	f->k.fewest = f->k.n;
}

/* Gateway 1's link goes: nothing sent to 192.0.2.2 arrives. */
static void
gateway1_link(struct fix *f, bool up)
{
	ipaddr_from4(up ? LAB_ADDR_B : 0xc0000263u, 32, /* 192.0.2.99 */
	    &f->l.b.addrs[0]);
}

/* Before any CHILD SA, a route-based tunnel's routes wait at standby:
 * the network has a way in (no leak in clear), no tunnel carries it. */
static void
test_failover_routes_wait_at_standby_until_the_child_sa(void **state_)
{
	struct fix *f = fix_new();

	(void)state_;
	assert_int_equal(metric(&f->k, "ts-aws-1"), 100 + DATAPLANE_STANDBY);
	assert_int_equal(metric(&f->k, "ts-aws-2"), 110 + DATAPLANE_STANDBY);
	establish(f);
	assert_int_equal(f->ups, 2);
	assert_int_equal(f->downs, 0);
	assert_int_equal(f->k.n, 2);
	fix_free(f);
}

/*
 * Gateway 1's link goes down.  10 s of silence, A -> B HDR, SK {} goes
 * unanswered for 5 s: DPD restart drops aws-1's SAs and its route goes
 * to standby, aws-2's (110) carries NET.  The link comes back: the
 * restart's IKE_SA_INIT gets through, aws-1's CHILD SA is installed and
 * its route is back at 100, before aws-2's: the traffic returns to it.
 */
static void
test_failover_dpd_moves_the_traffic_and_back(void **state_)
{
	struct fix *f = fix_new();
	struct ike_tunnel_status st;

	(void)state_;
	establish(f);
	gateway1_link(f, false);
	lab_advance(&f->l, 10000); /* the check goes out ... */
	assert_string_equal(carrier_dev(&f->k), "ts-aws-1");
	lab_advance(&f->l, 5000); /* ... and no answer within the delay */
	assert_int_equal(ike_tunnel_status(f->l.a.e, "aws-1", &st), 0);
	assert_int_not_equal(st.event_counts[IKE_EV_DPD_ACTION], 0);
	assert_int_equal(metric(&f->k, "ts-aws-1"), 100 + DATAPLANE_STANDBY);
	assert_int_equal(metric(&f->k, "ts-aws-2"), 110);
	assert_string_equal(carrier_dev(&f->k), "ts-aws-2");
	assert_int_equal(f->downs, 1);
	/* Retries while the link is down change nothing. */
	lab_advance(&f->l, 30000);
	assert_int_equal(f->downs, 1);
	assert_string_equal(carrier_dev(&f->k), "ts-aws-2");

	gateway1_link(f, true);
	lab_advance(&f->l, 70000); /* the restart's backoff is at most 60 s */
	assert_int_equal(state(&f->l.a, "aws-1"), IKE_TUNNEL_UP);
	assert_int_equal(metric(&f->k, "ts-aws-1"), 100);
	assert_int_equal(metric(&f->k, "ts-aws-2"), 110);
	assert_string_equal(carrier_dev(&f->k), "ts-aws-1");
	/* NET had a route all along: each new one was made first. */
	assert_int_equal(f->k.fewest, 2);
	fix_free(f);
}

/* B -> A  HDR, SK {D(ESP, aws-1's SPI)}: the peer deleted the CHILD SA
 * (AWS's maintenance); NET moves to aws-2 at once, and back to aws-1
 * when A's restart brings it up again. */
static void
test_failover_delete_from_peer_withdraws_the_route(void **state_)
{
	struct fix *f = fix_new();
	struct diag d;

	(void)state_;
	establish(f);
	diag_init(&d);
	f->a1.c.initiator = false; /* aws-1 stays down: only B can start it */
	assert_int_equal(ike_tunnel_change(f->l.a.e, &f->a1.c, false, &d), 0);
	assert_int_equal(ike_tunnel_terminate(f->l.b.e, "gw-1", false, &d), 0);
	lab_run(&f->l, 100);
	assert_int_not_equal(state(&f->l.a, "aws-1"), IKE_TUNNEL_UP);
	assert_int_equal(metric(&f->k, "ts-aws-1"), 100 + DATAPLANE_STANDBY);
	assert_string_equal(carrier_dev(&f->k), "ts-aws-2");
	assert_int_equal(f->k.fewest, 2);
	diag_clear(&d);
	fix_free(f);
}

/* The CHILD SA reaches its hard lifetime with rekeying off at both
 * ends: it goes, and its route with it. */
static void
test_failover_expiry_without_rekey_withdraws_the_route(void **state_)
{
	struct fix *f = fix_new();

	(void)state_;
	f->a1.c.rekey = f->b1.c.rekey = false;
	f->a1.c.child_lifetime = f->b1.c.child_lifetime = 120;
	f->a1.c.dpd_timeout = 0;
	establish(f);
	lab_advance(&f->l, 130000);
	assert_int_equal(metric(&f->k, "ts-aws-1"), 100 + DATAPLANE_STANDBY);
	assert_string_equal(carrier_dev(&f->k), "ts-aws-2");
	fix_free(f);
}

/* A gateway that refuses us (a wrong key): the route never leaves
 * standby, and the other tunnel carries the network. */
static void
test_failover_failed_negotiation_keeps_standby(void **state_)
{
	struct fix *f = fix_new();

	(void)state_;
	secbuf_free(f->psk_b);
	f->psk_b = secbuf_from_str("lab-secret-2");
	f->b1.c.psk = f->psk_b;
	f->b2.c.psk = f->psk;
	add_all(f);
	lab_advance(&f->l, 5000);
	assert_int_not_equal(state(&f->l.a, "aws-1"), IKE_TUNNEL_UP);
	assert_int_equal(state(&f->l.a, "aws-2"), IKE_TUNNEL_UP);
	assert_int_equal(metric(&f->k, "ts-aws-1"), 100 + DATAPLANE_STANDBY);
	assert_string_equal(carrier_dev(&f->k), "ts-aws-2");
	assert_int_equal(f->downs, 0);
	fix_free(f);
}

/* Rekeys and a reauthentication make the new SAs before the old ones
 * go: the routes do not move at all. */
static void
test_failover_rekey_and_reauth_leave_routes_alone(void **state_)
{
	struct fix *f = fix_new();
	size_t adds;
	struct diag d;

	(void)state_;
	f->a1.c.reauth = true;
	establish(f);
	adds = f->k.adds;
	diag_init(&d);
	assert_int_equal(ike_tunnel_rekey(f->l.a.e, "aws-1", false, &d), 0);
	lab_run(&f->l, 100);
	assert_int_equal(ike_tunnel_rekey(f->l.a.e, "aws-1", true, &d), 0);
	lab_run(&f->l, 200);
	assert_int_equal(ike_tunnel_rekey(f->l.a.e, "aws-2", true, &d), 0);
	lab_run(&f->l, 200);
	diag_clear(&d);
	assert_int_equal(state(&f->l.a, "aws-1"), IKE_TUNNEL_UP);
	assert_int_equal(f->k.adds, adds);
	assert_int_equal(f->downs, 0);
	assert_int_equal(metric(&f->k, "ts-aws-1"), 100);
	fix_free(f);
}

/* A route the kernel will not take at standby: the active one stays
 * (a route at the wrong metric beats none), and undo still finds it. */
static void
test_failover_route_that_cannot_move_stays(void **state_)
{
	struct fix *f = fix_new();
	struct commands_dataplane st;

	(void)state_;
	establish(f);
	f->k.fail_add = 1;
	gateway1_link(f, false);
	lab_advance(&f->l, 15000);
	assert_int_equal(f->downs, 1);
	assert_int_equal(metric(&f->k, "ts-aws-1"), 100);
	/* show ipsec tunnel says where it stayed, and that it is stuck. */
	assert_true(dataplane_status(&f->dps, "aws-1", &st));
	assert_false(st.up);
	assert_int_equal(st.routes[0].metric_now, 100);
	assert_true(st.routes[0].stuck);
	assert_true(dataplane_status(&f->dps, "aws-2", &st));
	assert_false(st.routes[0].stuck);
	/* Up again: where it stayed is where it belongs. */
	gateway1_link(f, true);
	lab_advance(&f->l, 70000);
	assert_int_equal(f->ups, 3);
	assert_true(dataplane_status(&f->dps, "aws-1", &st));
	assert_true(st.up);
	assert_false(st.routes[0].stuck);
	assert_int_equal(metric(&f->k, "ts-aws-1"), 100);
	fix_free(f); /* asserts that every route was removed */
}

/* mtu: made with the interface, changed in place (tunsh.conf(5): the
 * interface and its routes stay). */
static void
test_dataplane_mtu_in_place(void **state)
{
	struct kernel_mem *k = kernel_mem_new();
	struct dataplane_set s = { &kernel_mem_link_ops, k, NULL };
	struct dataplane p = { 0 }, *dp;
	struct diag d;

	(void)state;
	diag_init(&d);
	snprintf(p.tunnel, sizeof(p.tunnel), "aws-1");
	snprintf(p.link.name, sizeof(p.link.name), "ts-aws-1");
	p.link.mtu = 1446;
	ipaddr_from4(0x0a020000, 16, &p.routes[0].dst);
	snprintf(p.routes[0].dev, sizeof(p.routes[0].dev), "ts-aws-1");
	p.routes[0].metric = 100;
	p.n_routes = 1;
	assert_int_equal(dataplane_add(&s, &p, &d), 0);
	assert_int_equal(kernel_mem_link_mtu(k, "ts-aws-1"), 1446);
	dp = dataplane_take(&s, "aws-1");
	assert_int_equal(dataplane_set_mtu(&s, dp, 1300, &d), 0);
	dataplane_put(&s, dp);
	assert_int_equal(kernel_mem_link_mtu(k, "ts-aws-1"), 1300);
	assert_int_equal(dataplane_find(&s, "aws-1")->link.mtu, 1300);
	assert_int_equal(kernel_mem_links(k), 1);
	assert_int_equal(kernel_mem_routes(k), 1);
	/* Gone under it: said, and the record keeps what the kernel had. */
	kernel_mem_link_ops.link_del(k, "ts-aws-1");
	dp = dataplane_take(&s, "aws-1");
	assert_int_equal(dataplane_set_mtu(&s, dp, 1400, &d), -ENOENT);
	assert_int_equal(dp->link.mtu, 1300);
	assert_string_equal(d.entries[0].text,
	    "interface ts-aws-1: no such interface");
	dataplane_put(&s, dp);
	dataplane_clear(&s);
	kernel_mem_free(k);
	diag_clear(&d);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_dataplane_mtu_in_place),
	cmocka_unit_test(
	    test_failover_routes_wait_at_standby_until_the_child_sa),
	cmocka_unit_test(test_failover_dpd_moves_the_traffic_and_back),
	cmocka_unit_test(test_failover_delete_from_peer_withdraws_the_route),
	cmocka_unit_test(
	    test_failover_expiry_without_rekey_withdraws_the_route),
	cmocka_unit_test(test_failover_failed_negotiation_keeps_standby),
	cmocka_unit_test(test_failover_rekey_and_reauth_leave_routes_alone),
	cmocka_unit_test(test_failover_route_that_cannot_move_stays),
};

TUNSH_TEST_MAIN(tests)
