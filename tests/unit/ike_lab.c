/*
 * tests/unit/ike_lab.c: the in-memory network, fake kernel, fake clock and
 * deterministic random source of ike_lab.h.  Nothing here is clever: it
 * must be obviously right so that the engines are what is tested.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"
#include "ike/msg.h"
#include "ike/negotiate.h"
#include "ike_lab.h"

static uint64_t
rng_next(uint64_t *s)
{
	/* xorshift64*: reproducible runs from a fixed seed. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Clock and random seams */

static uint64_t
lab_now(void *arg)
{
	return ((struct lab_peer *)arg)->lab->now_ms;
}

static uint64_t
lab_wall(void *arg)
{
	const struct lab *l = ((struct lab_peer *)arg)->lab;

	return l->wall + l->now_ms / 1000;
}

static const struct ike_clock_ops lab_clock = { lab_now, lab_wall };

static void
lab_bytes(void *arg, void *buf, size_t len)
{
	struct lab *l = ((struct lab_peer *)arg)->lab;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(rng_next(&l->rng) >> 56);
}

static const struct ike_random_ops lab_random = { lab_bytes };

/* Network */

static bool
owns(const struct lab_peer *p, const struct ipaddr *addr)
{
	for (size_t i = 0; i < p->n_addrs; i++)
		if (ipaddr_equal(&p->addrs[i], addr))
			return true;
	return false;
}

/*
 * A NAT in front of A: its source becomes LAB_NAT_ADDR with the port
 * moved up by 10000, and traffic to that address and port goes back.
 */
static int
lab_send(void *arg, const struct ike_endpoint *local,
    const struct ike_endpoint *remote, const uint8_t *buf, size_t len)
{
	struct lab_peer *p = arg;
	struct lab *l = p->lab;
	struct lab_pkt *k;
	size_t udp = len + (len > 1 && remote->port == IKE_NATT_PORT ? 4 : 0);

	if (udp > l->largest)
		l->largest = udp;
	if (l->mtu && udp > l->mtu) {
		l->too_big++;
		l->dropped++;
		p->tx++;
		return 0;
	}
	if ((k = malloc(sizeof(*k) + len)) == NULL)
		return -ENOMEM;
	k->next = NULL;
	k->src = *local;
	k->dst = *remote;
	if (l->nat_a && p == &l->a) {
		ipaddr_from4(LAB_NAT_ADDR, 32, &k->src.addr);
		k->src.port = (uint16_t)(local->port +
		    (l->nat_shift ? l->nat_shift : 10000));
	}
	/* Byte 18 of the IKE header is the exchange type (RFC 7296 3.1). */
	if (l->float_a && p == &l->a && len > 18 && buf[18] != IKE_SA_INIT)
		k->src.port = k->dst.port = IKE_NATT_PORT;
	k->len = len;
	memcpy(k->data, buf, len);
	if (l->tail)
		l->tail->next = k;
	else
		l->head = k;
	l->tail = k;
	l->queued++;
	p->tx++;
	return 0;
}

static const struct ike_net_ops lab_net = { lab_send };

static struct lab_peer *
route(struct lab *l, struct ike_endpoint *dst)
{
	if (l->nat_a && ipaddr_to4(&dst->addr) == LAB_NAT_ADDR) {
		dst->addr = l->a.addrs[0];
		dst->port = (uint16_t)(dst->port -
		    (l->nat_shift ? l->nat_shift : 10000));
		return &l->a;
	}
	if (owns(&l->a, &dst->addr))
		return &l->a;
	if (owns(&l->b, &dst->addr))
		return &l->b;
	return NULL;
}

static bool
deliver_one(struct lab *l)
{
	struct lab_pkt *k = l->head;
	struct lab_peer *to;

	if (k == NULL)
		return false;
	l->head = k->next;
	if (l->head == NULL)
		l->tail = NULL;
	l->queued--;
	to = route(l, &k->dst);
	if (to == NULL && l->stray != NULL) {
		l->delivered++;
		l->stray(l, k, l->stray_arg);
	} else if (to == NULL || to->dead ||
	    (l->loss && rng_next(&l->rng) % 100 < l->loss)) {
		l->dropped++;
	} else {
		l->delivered++;
		ike_engine_input(to->e, &k->dst, &k->src, k->data, k->len);
		if (l->after)
			l->after(l, l->after_arg);
	}
	free(k);
	return true;
}

size_t
lab_run(struct lab *l, size_t max)
{
	size_t n = 0;

	while (n < max && deliver_one(l))
		n++;
	return n;
}

void
lab_flush(struct lab *l)
{
	while (l->head) {
		struct lab_pkt *k = l->head;

		l->head = k->next;
		free(k);
	}
	l->tail = NULL;
	l->queued = 0;
}

void
lab_rotate(struct lab *l)
{
	struct lab_pkt *k = l->head;

	if (k == NULL || k->next == NULL)
		return;
	l->head = k->next;
	k->next = NULL;
	l->tail->next = k;
	l->tail = k;
}

static uint64_t
next_timer(const struct lab *l)
{
	uint64_t a = ike_engine_next_timer(l->a.e);
	uint64_t b = ike_engine_next_timer(l->b.e);

	return a < b ? a : b;
}

void
lab_advance(struct lab *l, uint64_t ms)
{
	uint64_t end = l->now_ms + ms;

	lab_run(l, 100000);
	for (;;) {
		uint64_t t = next_timer(l);

		if (t > end)
			break;
		if (t > l->now_ms)
			l->now_ms = t;
		ike_engine_run_timers(l->a.e);
		ike_engine_run_timers(l->b.e);
		lab_run(l, 100000);
	}
	l->now_ms = end;
}

/* Kernel */

static struct lab_sa *
sa_slot(struct lab_kernel *k, uint32_t dst, uint32_t spi)
{
	for (size_t i = 0; i < LAB_SAS; i++)
		if (k->sas[i].used && k->sas[i].sa.spi == spi &&
		    ipaddr_to4(&k->sas[i].sa.dst) == dst)
			return &k->sas[i];
	return NULL;
}

static int
k_spi_alloc(void *arg, const struct ipaddr *src, const struct ipaddr *dst,
    uint32_t reqid, uint32_t *spi, struct diag *d)
{
	struct lab_kernel *k = &((struct lab_peer *)arg)->k;

	(void)src;
	(void)dst;
	(void)reqid;
	(void)d;
	*spi = k->next_spi++;
	if (!k->count_only && k->n_larval < LAB_SAS)
		k->larval[k->n_larval++] = *spi;
	return 0;
}

static void
larval_drop(struct lab_kernel *k, uint32_t spi)
{
	for (size_t i = 0; i < k->n_larval; i++)
		if (k->larval[i] == spi) {
			k->larval[i] = k->larval[--k->n_larval];
			return;
		}
}

static void
copy_key(const struct secbuf *key, uint8_t *out, size_t *len)
{
	*len = key ? key->len : 0;
	if (key)
		memcpy(out, key->data, key->len < 64 ? key->len : 64);
}

static int
k_sa_add(void *arg, const struct kernel_sa *sa, struct diag *d)
{
	struct lab_kernel *k = &((struct lab_peer *)arg)->k;
	struct lab_sa *s = NULL;

	if (k->fail_sa_add > 0) {
		k->fail_sa_add--;
		diag_add(d, DIAG_ERROR,
		    "this kernel has no ESP support (CONFIG_INET_ESP)");
		return -ENOSYS;
	}
	k->sa_adds++;
	if (k->count_only)
		return 0;
	larval_drop(k, sa->spi);
	for (size_t i = 0; i < LAB_SAS && s == NULL; i++)
		if (!k->sas[i].used)
			s = &k->sas[i];
	if (s == NULL || sa_slot(k, ipaddr_to4(&sa->dst), sa->spi) != NULL)
		return -EEXIST;
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->seq = ++k->next_seq;
	s->sa = *sa;
	copy_key(sa->enc_key, s->enc_key, &s->enc_len);
	copy_key(sa->auth_key, s->auth_key, &s->auth_len);
	snprintf(s->enc_alg, sizeof(s->enc_alg), "%s", sa->enc_alg);
	snprintf(s->auth_alg, sizeof(s->auth_alg), "%s",
	    sa->auth_alg ? sa->auth_alg : "");
	s->sa.enc_key = s->sa.auth_key = NULL;
	s->sa.enc_alg = s->enc_alg;
	s->sa.auth_alg = s->auth_alg;
	return 0;
}

static int
k_sa_del(void *arg, const struct ipaddr *dst, uint32_t spi)
{
	struct lab_kernel *k = &((struct lab_peer *)arg)->k;
	struct lab_sa *s = sa_slot(k, ipaddr_to4(dst), spi);

	k->sa_dels++;
	larval_drop(k, spi);
	if (s != NULL)
		s->used = false;
	return 0;
}

static int
k_sa_query(void *arg, const struct ipaddr *dst, uint32_t spi,
    struct kernel_sa_stats *out)
{
	struct lab_kernel *k = &((struct lab_peer *)arg)->k;
	struct lab_sa *s = sa_slot(k, ipaddr_to4(dst), spi);

	if (s == NULL)
		return -ENOENT;
	*out = s->stats;
	return 0;
}

static int
k_sa_move(void *arg, const struct ipaddr *dst, uint32_t spi,
    const struct kernel_sa_move *m, struct diag *d)
{
	struct lab_kernel *k = &((struct lab_peer *)arg)->k;
	struct lab_sa *s = sa_slot(k, ipaddr_to4(dst), spi);

	(void)d;
	if (s == NULL)
		return -ENOENT;
	s->sa.src = m->src;
	s->sa.dst = m->dst;
	s->sa.encap = true;
	s->sa.encap_sport = m->sport;
	s->sa.encap_dport = m->dport;
	k->sa_moves++;
	return 0;
}

static int
k_policy_add(void *arg, const struct kernel_policy *p, struct diag *d)
{
	struct lab_kernel *k = &((struct lab_peer *)arg)->k;

	if (k->fail_policy_add > 0 && k->fail_policy_add_skip > 0)
		k->fail_policy_add_skip--;
	else if (k->fail_policy_add > 0) {
		k->fail_policy_add--;
		diag_add(d, DIAG_ERROR, "policy refused (injected)");
		return -EIO;
	}
	if (k->count_only)
		return 0;
	for (size_t i = 0; i < k->n_pol; i++)
		if (kernel_policy_same(&k->pol[i], p)) {
			k->pol[i] = *p; /* an update */
			return 0;
		}
	if (k->n_pol == LAB_POLICIES)
		return -ENOSPC;
	k->pol[k->n_pol++] = *p;
	return 0;
}

static int
k_policy_del(void *arg, const struct kernel_policy *p)
{
	struct lab_kernel *k = &((struct lab_peer *)arg)->k;

	for (size_t i = 0; i < k->n_pol; i++)
		if (kernel_policy_same(&k->pol[i], p)) {
			k->pol[i] = k->pol[--k->n_pol];
			return 0;
		}
	return 0;
}

const struct kernel_ops lab_kernel_ops = {
	.spi_alloc = k_spi_alloc,
	.sa_add = k_sa_add,
	.sa_del = k_sa_del,
	.sa_query = k_sa_query,
	.sa_move = k_sa_move,
	.policy_add = k_policy_add,
	.policy_del = k_policy_del,
};

size_t
lab_sa_count(const struct lab_kernel *k)
{
	size_t n = 0;

	for (size_t i = 0; i < LAB_SAS; i++)
		n += k->sas[i].used;
	return n;
}

const struct lab_sa *
lab_sa_find(const struct lab_kernel *k, uint32_t spi)
{
	for (size_t i = 0; i < LAB_SAS; i++)
		if (k->sas[i].used && k->sas[i].sa.spi == spi)
			return &k->sas[i];
	return NULL;
}

int
lab_flood_request(struct ike_buf *b, uint64_t spi, const uint8_t ke[32],
    const uint8_t *cookie, size_t cookie_len)
{
	struct ike_header h = { .spi_i = spi,
		.exchange = IKE_SA_INIT,
		.flags = IKE_FLAG_INITIATOR };
	struct ike_sa_payload sa = { .n_proposals = 1 };
	struct ike_proposal *p = &sa.proposals[0];
	uint8_t ni[IKE_NONCE_LEN];

	p->num = 1;
	p->protocol = IKE_PROTO_IKE;
	p->transforms[0] = (struct ike_transform){ IKE_TRANS_ENCR, 20, 256 };
	p->transforms[1] = (struct ike_transform){ IKE_TRANS_PRF, 5, 0 };
	p->transforms[2] = (struct ike_transform){ IKE_TRANS_DH, 31, 0 };
	p->n_transforms = 3;
	for (size_t i = 0; i < sizeof(ni); i++)
		ni[i] = (uint8_t)(spi >> (8 * (i % 8))) ^ (uint8_t)i;
	ike_buf_init(b);
	ike_msg_begin(b, &h);
	if (cookie_len > 0)
		ike_notify_add(b, 0, N_COOKIE, NULL, 0, cookie, cookie_len);
	ike_sa_add(b, &sa);
	ike_ke_add(b, 31, ke, 32);
	ike_payload_add(b, IKE_PL_NONCE, false, ni, sizeof(ni));
	return ike_buf_finish(b);
}

uint32_t
lab_sa_sending(const struct lab_kernel *k, uint32_t addr)
{
	const struct lab_sa *best = NULL;

	for (size_t i = 0; i < LAB_SAS; i++)
		if (k->sas[i].used && ipaddr_to4(&k->sas[i].sa.src) == addr &&
		    (best == NULL || k->sas[i].seq > best->seq))
			best = &k->sas[i];
	return best ? best->sa.spi : 0;
}

static bool
in_prefix(const struct ipaddr *sel, uint32_t a)
{
	struct prefix4 q;

	if (ipaddr_to_prefix4(sel, &q) < 0)
		return sel->family == 0; /* no selector: any */
	return q.len == 0 || (a >= q.addr && a <= prefix4_last(&q));
}

uint32_t
lab_sa_for_flow(const struct lab_kernel *k, uint32_t addr, uint32_t src,
    uint32_t dst)
{
	const struct lab_sa *best = NULL;

	for (size_t i = 0; i < LAB_SAS; i++)
		if (k->sas[i].used && ipaddr_to4(&k->sas[i].sa.src) == addr &&
		    in_prefix(&k->sas[i].sa.sel_src, src) &&
		    in_prefix(&k->sas[i].sa.sel_dst, dst) &&
		    (best == NULL || k->sas[i].seq > best->seq))
			best = &k->sas[i];
	return best ? best->sa.spi : 0;
}

bool
lab_keys_agree(const struct lab_kernel *a, const struct lab_kernel *b,
    uint32_t spi)
{
	const struct lab_sa *x = lab_sa_find(a, spi), *y = lab_sa_find(b, spi);

	return x != NULL && y != NULL && x->enc_len == y->enc_len &&
	    x->enc_len > 0 && memcmp(x->enc_key, y->enc_key, x->enc_len) == 0 &&
	    x->auth_len == y->auth_len &&
	    memcmp(x->auth_key, y->auth_key, x->auth_len) == 0 &&
	    strcmp(x->enc_alg, y->enc_alg) == 0;
}

/* Setup */

static void
peer_init(struct lab *l, struct lab_peer *p, uint32_t spi_base,
    const struct ike_engine_params *params)
{
	struct ike_engine_params ep = { 0 };

	if (params != NULL)
		ep = *params;
	p->lab = l;
	p->k.next_spi = spi_base;
	ep.net = &lab_net;
	ep.net_arg = p;
	ep.kernel = &lab_kernel_ops;
	ep.kernel_arg = p;
	ep.clock = &lab_clock;
	ep.clock_arg = p;
	ep.random = &lab_random;
	ep.random_arg = p;
	p->e = ike_engine_new(&ep);
}

void
lab_init(struct lab *l, const struct ike_engine_params *pa,
    const struct ike_engine_params *pb)
{
	memset(l, 0, sizeof(*l));
	l->rng = 0x9e3779b97f4a7c15ull;
	l->wall = 1800000000; /* 2027-01-15, any fixed moment */
	l->now_ms = 1000;
	ipaddr_from4(LAB_ADDR_A, 32, &l->a.addrs[0]);
	ipaddr_from4(LAB_ADDR_A2, 32, &l->a.addrs[1]);
	(void)ipaddr_parse(LAB_ADDR6_A, &l->a.addrs[2]);
	l->a.n_addrs = 3;
	ipaddr_from4(LAB_ADDR_B, 32, &l->b.addrs[0]);
	ipaddr_from4(LAB_ADDR_B2, 32, &l->b.addrs[1]);
	(void)ipaddr_parse(LAB_ADDR6_B, &l->b.addrs[2]);
	l->b.n_addrs = 3;
	peer_init(l, &l->a, 0xa0000001u, pa);
	peer_init(l, &l->b, 0xb0000001u, pb);
}

void
lab_free(struct lab *l)
{
	lab_flush(l);
	ike_engine_free(l->a.e);
	ike_engine_free(l->b.e);
}

static size_t
nets(const char *s, struct ipaddr *out)
{
	char buf[512], *save = NULL, *tok;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, " ", &save); tok && n < 16;
	     tok = strtok_r(NULL, " ", &save))
		if (ipaddr_parse_prefix(tok, &out[n]) == 0)
			n++;
	return n;
}

static void
conf_at(struct lab_tunnel *t, const char *name, const struct ipaddr *local,
    const struct ipaddr *remote, const char *ln, const char *rn,
    const struct lab_suite *s, const struct secbuf *psk)
{
	struct ike_tunnel_conf *c = &t->c;
	struct ike_algs *ike = &t->ike[0], *esp = &t->esp[0];

	memset(t, 0, sizeof(*t));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->enable = true;
	c->local_addr = *local;
	c->remote_addr = *remote;
	c->psk = psk;
	c->n_local = nets(ln, t->ln);
	c->n_remote = nets(rn, t->rn);
	c->local_nets = t->ln;
	c->remote_nets = t->rn;
	c->ike = t->ike;
	c->esp = t->esp;
	c->n_ike = c->n_esp = 1;
	ike->n_encr = ike->n_prf = ike->n_dh = esp->n_encr = 1;
	ike->encr[0] = esp->encr[0] = s->encr;
	ike->encr_bits[0] = esp->encr_bits[0] = s->encr_bits;
	ike->prf[0] = s->prf;
	ike->dh[0] = s->dh;
	if (s->integ) {
		ike->n_integ = esp->n_integ = 1;
		ike->integ[0] = esp->integ[0] = s->integ;
	}
	c->initiator = true;
	c->rekey = true;
	c->dpd_action = IKE_DPD_RESTART;
}

void
lab_conf(struct lab_tunnel *t, const char *name, uint32_t local,
    uint32_t remote, const char *ln, const char *rn, const struct lab_suite *s,
    const struct secbuf *psk)
{
	struct ipaddr l, r;

	ipaddr_from4(local, 32, &l);
	ipaddr_from4(remote, 32, &r);
	conf_at(t, name, &l, &r, ln, rn, s, psk);
}

void
lab_conf_at(struct lab_tunnel *t, const char *name, const char *local,
    const char *remote, const char *ln, const char *rn,
    const struct lab_suite *s, const struct secbuf *psk)
{
	struct ipaddr l = { 0 }, r = { 0 };

	(void)ipaddr_parse(local, &l);
	(void)ipaddr_parse(remote, &r);
	conf_at(t, name, &l, &r, ln, rn, s, psk);
}
