/*
 * config/model.c: the configuration objects themselves: creation, copy on
 * write of tunnels between a running configuration and its candidates,
 * lookup, and the system objects (hostname, WAN interfaces, VLANs, pool,
 * metrics listen).  No validation across objects (validate.c) and no I/O
 * (file.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_private.h"

struct config_tunnel *
tunnel_new(const char *name)
{
	struct config_tunnel *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->refs = 1;
	snprintf(t->name, sizeof(t->name), "%s", name);
	tunnel_apply_defaults(t);
	return t;
}

struct config_tunnel *
tunnel_clone(const struct config_tunnel *t)
{
	struct config_tunnel *n = malloc(sizeof(*n));

	if (n == NULL)
		return NULL;
	memcpy(n, t, sizeof(*n));
	n->refs = 1;
	if (tunnel_members_dup(n, t) < 0) {
		free(n);
		return NULL;
	}
	return n;
}

void
tunnel_unref(struct config_tunnel *t)
{
	if (t == NULL || --t->refs > 0)
		return;
	tunnel_members_free(t);
	free(t);
}

struct config *
config_new(void)
{
	struct config *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	snprintf(c->hostname, sizeof(c->hostname), "tunsh");
	return c;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_tunnels; i++)
		tunnel_unref(c->tunnels[i]);
	free(c->tunnels);
	free(c->ifaces);
	free(c->vlans);
	free(c->touched);
	free(c);
}

static void *
memdup(const void *p, size_t n)
{
	void *q;

	if (n == 0)
		return NULL;
	if ((q = malloc(n)) != NULL)
		memcpy(q, p, n);
	return q;
}

struct config *
config_copy(const struct config *c)
{
	struct config *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->version = c->version;
	memcpy(n->hostname, c->hostname, sizeof(n->hostname));
	n->pool = c->pool;
	memcpy(n->metrics_listen, c->metrics_listen, sizeof(n->metrics_listen));
	n->n_ifaces = c->n_ifaces;
	n->n_vlans = c->n_vlans;
	n->ifaces = memdup(c->ifaces, c->n_ifaces * sizeof(*c->ifaces));
	n->vlans = memdup(c->vlans, c->n_vlans * sizeof(*c->vlans));
	n->tunnels = memdup(c->tunnels, c->n_tunnels * sizeof(*c->tunnels));
	if ((c->n_ifaces && n->ifaces == NULL) ||
	    (c->n_vlans && n->vlans == NULL) ||
	    (c->n_tunnels && n->tunnels == NULL)) {
		free(n->ifaces);
		free(n->vlans);
		free(n->tunnels);
		free(n);
		return NULL;
	}
	n->n_tunnels = n->cap_tunnels = c->n_tunnels;
	n->tracking = true;
	for (size_t i = 0; i < n->n_tunnels; i++)
		n->tunnels[i]->refs++;
	return n;
}

int
config_touch(struct config *c, const char *name)
{
	void *p;

	/* Linear, but only over what one candidate edits. */
	if (!c->tracking)
		return 0;
	for (size_t i = 0; i < c->n_touched; i++)
		if (strcmp(c->touched[i], name) == 0)
			return 0;
	if (c->n_touched == c->cap_touched) {
		size_t cap = c->cap_touched ? 2 * c->cap_touched : 8;

		if ((p = realloc(c->touched, cap * sizeof(*c->touched))) ==
		    NULL)
			return -ENOMEM;
		c->touched = p;
		c->cap_touched = cap;
	}
	snprintf(c->touched[c->n_touched++], sizeof(c->touched[0]), "%s", name);
	return 0;
}

int
config_set_hostname(struct config *c, const char *name, struct diag *d)
{
	if (name == NULL)
		name = "tunsh";
	if (!hostname_label_valid(name)) {
		diag_error(d,
		    "hostname \"%s\" is not a valid host name: use 1-63 "
		    "letters, digits and hyphens, not starting or ending with a "
		    "hyphen",
		    name);
		return -EINVAL;
	}
	snprintf(c->hostname, sizeof(c->hostname), "%s", name);
	c->system_changed = true;
	return 0;
}

/* Tunnels */

bool
config_tunnel_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CONFIG_TUNNEL_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
			ch == '-'))
			return false;
	}
	return true;
}

ssize_t
tunnel_search(const struct config *c, const char *name)
{
	size_t lo = 0, hi = c->n_tunnels;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(c->tunnels[mid]->name, name);

		if (r == 0)
			return (ssize_t)mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ssize_t)lo - 1;
}

const struct config_tunnel *
config_tunnel_find(const struct config *c, const char *name)
{
	ssize_t i = tunnel_search(c, name);

	return i >= 0 ? c->tunnels[i] : NULL;
}

static int
tunnel_insert(struct config *c, size_t at, struct config_tunnel *t)
{
	if (c->n_tunnels == c->cap_tunnels) {
		size_t cap = c->cap_tunnels ? 2 * c->cap_tunnels : 16;
		void *p = realloc(c->tunnels, cap * sizeof(*c->tunnels));

		if (p == NULL)
			return -ENOMEM;
		c->tunnels = p;
		c->cap_tunnels = cap;
	}
	memmove(&c->tunnels[at + 1], &c->tunnels[at],
	    (c->n_tunnels - at) * sizeof(*c->tunnels));
	c->tunnels[at] = t;
	c->n_tunnels++;
	return 0;
}

struct config_tunnel *
config_tunnel_edit(struct config *c, const char *name, bool create,
    struct diag *d)
{
	struct config_tunnel *t;
	ssize_t i;

	if (!config_tunnel_name_valid(name)) {
		diag_error(d,
		    "ipsec tunnel \"%s\": a tunnel name is 1-%d of "
		    "A-Z a-z 0-9 . _ -",
		    name, CONFIG_TUNNEL_NAME_MAX);
		return NULL;
	}
	if (config_touch(c, name) < 0)
		goto oom;
	i = tunnel_search(c, name);
	if (i >= 0) {
		t = c->tunnels[i];
		if (t->refs == 1)
			return t;
		/* Shared with running or another copy: clone before writing. */
		if ((t = tunnel_clone(t)) == NULL)
			goto oom;
		tunnel_unref(c->tunnels[i]);
		c->tunnels[i] = t;
		return t;
	}
	if (!create) {
		diag_error(d, "ipsec tunnel %s does not exist", name);
		return NULL;
	}
	if ((t = tunnel_new(name)) == NULL)
		goto oom;
	if (tunnel_insert(c, (size_t)(-i - 1), t) < 0) {
		tunnel_unref(t);
		goto oom;
	}
	return t;
oom:
	diag_error(d, "ipsec tunnel %s: out of memory", name);
	return NULL;
}

int
config_tunnel_remove(struct config *c, const char *name)
{
	ssize_t i = tunnel_search(c, name);

	if (i < 0)
		return -ENOENT;
	if (config_touch(c, name) < 0)
		return -ENOMEM;
	tunnel_unref(c->tunnels[i]);
	memmove(&c->tunnels[i], &c->tunnels[i + 1],
	    (c->n_tunnels - (size_t)i - 1) * sizeof(*c->tunnels));
	c->n_tunnels--;
	return 0;
}

int
tunnels_walk(const struct config *a, const struct config *b, tunnel_pair_fn fn,
    void *arg)
{
	size_t i = 0, j = 0;
	int rc = 0;

	/* Both lists are sorted by name: one merge pass. */
	while (rc == 0 && (i < a->n_tunnels || j < b->n_tunnels)) {
		const struct config_tunnel *x =
		    i < a->n_tunnels ? a->tunnels[i] : NULL;
		const struct config_tunnel *y =
		    j < b->n_tunnels ? b->tunnels[j] : NULL;
		int r = x == NULL ? 1 :
		    y == NULL	  ? -1 :
				    strcmp(x->name, y->name);

		rc = fn(arg, r <= 0 ? x : NULL, r >= 0 ? y : NULL);
		i += r <= 0;
		j += r >= 0;
	}
	return rc;
}

int
config_tunnel_family(const struct config_tunnel *t)
{
	if (t->remote_address.ip.family != 0)
		return t->remote_address.ip.family;
	if (t->local_address.ip.family != 0)
		return t->local_address.ip.family;
	return AF_INET;
}

int
config_tunnel_local_addr(const struct config *c, const struct config_tunnel *t,
    char *buf, size_t len)
{
	const struct config_interface *i;
	struct ipaddr a;

	if (config_host_is_set(&t->local_address)) {
		const char *s = config_host_text(&t->local_address, buf, len);

		if (s != buf)
			snprintf(buf, len, "%s", s);
		return 0;
	}
	if (t->wan_port[0] != '\0' &&
	    (i = config_interface_find(c, t->wan_port)) != NULL &&
	    i->addr[config_slot(config_tunnel_family(t))].family != 0) {
		a = i->addr[config_slot(config_tunnel_family(t))];
		a.len = (uint8_t)ipaddr_bits(&a);
		ipaddr_format(&a, buf, len);
		return 0;
	}
	if (len > 0)
		buf[0] = '\0';
	return -ENOENT;
}

size_t
config_tunnel_local_prefixes(const struct config *c,
    const struct config_tunnel *t, struct ipaddr *out, size_t max)
{
	const struct config_vlan *v;
	size_t n = 0;

	for (size_t i = 0; i < t->n_local && n < max; i++) {
		if (t->local_nets[i].vlan == 0) {
			out[n++] = t->local_nets[i].prefix;
			continue;
		}
		if ((v = config_vlan_find(c, t->local_nets[i].vlan)) == NULL)
			continue;
		for (int f = 0; f < CONFIG_FAMILIES && n < max; f++)
			if (v->subnet[f].family != 0)
				out[n++] = v->subnet[f];
	}
	if (t->client_vpn_bound && c->pool.family != 0 && n < max)
		out[n++] = c->pool;
	return n;
}

/* WAN interfaces: a handful, kept sorted by name. */

const struct config_interface *
config_interface_find(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (strcmp(c->ifaces[i].name, name) == 0)
			return &c->ifaces[i];
	return NULL;
}

struct config_interface *
config_interface_edit(struct config *c, const char *name, struct diag *d)
{
	struct config_interface *p;
	size_t at = 0;

	if (!config_ifname_valid(name)) {
		diag_error(d,
		    "interface \"%s\": an interface name is 1-15 of "
		    "A-Z a-z 0-9 . _ -, starting with a letter",
		    name);
		return NULL;
	}
	c->system_changed = true;
	for (; at < c->n_ifaces; at++) {
		int r = strcmp(c->ifaces[at].name, name);

		if (r == 0)
			return &c->ifaces[at];
		if (r > 0)
			break;
	}
	p = realloc(c->ifaces, (c->n_ifaces + 1) * sizeof(*p));
	if (p == NULL) {
		diag_error(d, "interface %s: out of memory", name);
		return NULL;
	}
	c->ifaces = p;
	memmove(&p[at + 1], &p[at], (c->n_ifaces - at) * sizeof(*p));
	memset(&p[at], 0, sizeof(*p));
	snprintf(p[at].name, sizeof(p[at].name), "%s", name);
	c->n_ifaces++;
	return &p[at];
}

int
config_interface_remove(struct config *c, const char *name)
{
	const struct config_interface *i = config_interface_find(c, name);
	size_t at;

	if (i == NULL)
		return -ENOENT;
	at = (size_t)(i - c->ifaces);
	memmove(&c->ifaces[at], &c->ifaces[at + 1],
	    (c->n_ifaces - at - 1) * sizeof(*c->ifaces));
	c->n_ifaces--;
	c->system_changed = true;
	return 0;
}

/* Neither unspecified, nor loopback, multicast or link-local: an
 * address a peer can reach (IPv4: not 0.0.0.0 nor 224.0.0.0/3). */
static bool
unicast(const struct ipaddr *a)
{
	static const uint8_t zero[16];
	const uint8_t *b = a->bytes;

	if (a->family == AF_INET)
		return ipaddr_to4(a) != 0 && ipaddr_to4(a) < 0xe0000000u;
	return memcmp(b, zero, 16) != 0 && b[0] != 0xff &&
	    !(b[0] == 0xfe && (b[1] & 0xc0) == 0x80) &&
	    !(memcmp(b, zero, 15) == 0 && b[15] == 1);
}

/* The all-zeros host of its prefix: the subnet's, not a host's. */
static bool
anycast6(const struct ipaddr *a)
{
	struct ipaddr net;

	ipaddr_mask(a, a->len, &net);
	return memcmp(net.bytes, a->bytes, sizeof(net.bytes)) == 0;
}

int
config_interface_set_address(struct config *c, struct config_interface *i,
    const char *value, struct diag *d)
{
	struct ipaddr a;

	c->system_changed = true;
	if (value == NULL) {
		memset(i->addr, 0, sizeof(i->addr));
		return 0;
	}
	if (ipaddr_parse_ifaddr(value, &a) < 0 || a.len == 0 ||
	    (a.family == AF_INET && ipaddr_to4(&a) == 0)) {
		diag_error(d,
		    "interface %s: address \"%s\" is not an IPv4 or IPv6 "
		    "address with its prefix length, like 203.0.113.2/24 or "
		    "2001:db8::2/64",
		    i->name, value);
		return -EINVAL;
	}
	if (a.family == AF_INET6 && !unicast(&a)) {
		diag_error(d,
		    "interface %s: address %s is not a global IPv6 unicast "
		    "address: give one with its prefix length, like "
		    "2001:db8::2/64",
		    i->name, value);
		return -EINVAL;
	}
	if (a.family == AF_INET6 && a.len < 127 && anycast6(&a)) {
		diag_error(d,
		    "interface %s: address %s is the Subnet-Router anycast "
		    "address of its subnet (RFC 4291 2.6.1): give a host's, "
		    "like 2001:db8::2/64",
		    i->name, value);
		return -EINVAL;
	}
	i->addr[config_slot(a.family)] = a;
	return 0;
}

int
config_interface_set_gateway(struct config *c, struct config_interface *i,
    const char *value, struct diag *d)
{
	struct ipaddr a;

	c->system_changed = true;
	if (value == NULL) {
		memset(i->gateway, 0, sizeof(i->gateway));
		return 0;
	}
	if (ipaddr_parse(value, &a) < 0 ||
	    (a.family == AF_INET && ipaddr_to4(&a) == 0)) {
		diag_error(d,
		    "interface %s: gateway \"%s\" is not an IPv4 or IPv6 "
		    "address",
		    i->name, value);
		return -EINVAL;
	}
	/* A router's link-local address is the usual IPv6 next hop. */
	if (a.family == AF_INET6 && (!unicast(&a) && a.bytes[0] != 0xfe)) {
		diag_error(d,
		    "interface %s: gateway %s is not an IPv6 unicast "
		    "address: give the router's, like fe80::1",
		    i->name, value);
		return -EINVAL;
	}
	i->gateway[config_slot(a.family)] = a;
	return 0;
}

/*
 * "no address X": removes the one of X's family when it is X (the same
 * address, however it is written).
 */
static int
unset_slot(struct ipaddr *slots, const char *value, bool with_len,
    const char *who, const char *what, struct diag *d)
{
	struct ipaddr a;
	int rc = with_len ? ipaddr_parse_ifaddr(value, &a) :
			    ipaddr_parse(value, &a);

	if (rc == 0 && ipaddr_equal(&slots[config_slot(a.family)], &a)) {
		memset(&slots[config_slot(a.family)], 0, sizeof(a));
		return 0;
	}
	diag_error(d,
	    "%s: %s %s is not configured: give the %s as show "
	    "running-config shows it, or no %s to remove every one",
	    who, what, value, what, what);
	return -ENOENT;
}

int
config_interface_unset_address(struct config *c, struct config_interface *i,
    const char *value, struct diag *d)
{
	char who[CONFIG_IFNAME_MAX + 16];

	if (value == NULL)
		return config_interface_set_address(c, i, NULL, d);
	c->system_changed = true;
	snprintf(who, sizeof(who), "interface %s", i->name);
	return unset_slot(i->addr, value, true, who, "address", d);
}

int
config_interface_unset_gateway(struct config *c, struct config_interface *i,
    const char *value, struct diag *d)
{
	char who[CONFIG_IFNAME_MAX + 16];

	if (value == NULL)
		return config_interface_set_gateway(c, i, NULL, d);
	c->system_changed = true;
	snprintf(who, sizeof(who), "interface %s", i->name);
	return unset_slot(i->gateway, value, false, who, "gateway", d);
}

/* VLANs: up to 4094, kept sorted by id for binary search. */

static ssize_t
vlan_search(const struct config *c, unsigned id)
{
	size_t lo = 0, hi = c->n_vlans;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->vlans[mid].id == id)
			return (ssize_t)mid;
		if (c->vlans[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ssize_t)lo - 1;
}

const struct config_vlan *
config_vlan_find(const struct config *c, uint16_t id)
{
	ssize_t i = vlan_search(c, id);

	return i >= 0 ? &c->vlans[i] : NULL;
}

struct config_vlan *
config_vlan_edit(struct config *c, unsigned id, struct diag *d)
{
	struct config_vlan *p;
	ssize_t i;
	size_t at;

	if (id < CONFIG_VLAN_MIN || id > CONFIG_VLAN_MAX) {
		diag_error(d, "vlan %u: a VLAN ID is 1-4094", id);
		return NULL;
	}
	c->system_changed = true;
	if ((i = vlan_search(c, id)) >= 0)
		return &c->vlans[i];
	at = (size_t)(-i - 1);
	p = realloc(c->vlans, (c->n_vlans + 1) * sizeof(*p));
	if (p == NULL) {
		diag_error(d, "vlan %u: out of memory", id);
		return NULL;
	}
	c->vlans = p;
	memmove(&p[at + 1], &p[at], (c->n_vlans - at) * sizeof(*p));
	memset(&p[at], 0, sizeof(*p));
	p[at].id = (uint16_t)id;
	c->n_vlans++;
	return &p[at];
}

int
config_vlan_remove(struct config *c, unsigned id)
{
	ssize_t i = vlan_search(c, id);

	if (i < 0)
		return -ENOENT;
	memmove(&c->vlans[i], &c->vlans[i + 1],
	    (c->n_vlans - (size_t)i - 1) * sizeof(*c->vlans));
	c->n_vlans--;
	c->system_changed = true;
	return 0;
}

int
config_vlan_set_name(struct config *c, struct config_vlan *v, const char *name,
    struct diag *d)
{
	c->system_changed = true;
	if (name == NULL) {
		v->name[0] = '\0';
		return 0;
	}
	if (name[0] == '\0' || strlen(name) > CONFIG_VLAN_NAME_MAX ||
	    !text_printable(name)) {
		diag_error(d, "vlan %u: name must be 1-%d printable characters",
		    v->id, CONFIG_VLAN_NAME_MAX);
		return -EINVAL;
	}
	snprintf(v->name, sizeof(v->name), "%s", name);
	return 0;
}

/* A prefix of either family; host bits get a suggestion. */
static int
parse_subnet(const char *who, const char *value, struct ipaddr *out,
    struct diag *d)
{
	struct ipaddr a, p;
	char buf[IPADDR_STRLEN];

	if (ipaddr_parse_prefix(value, out) == 0)
		return 0;
	if (ipaddr_parse_ifaddr(value, &a) == 0) {
		ipaddr_mask(&a, a.len, &p);
		ipaddr_format_prefix(&p, buf, sizeof(buf));
		diag_error(d, "%s %s has host bits set; did you mean %s?", who,
		    value, buf);
	} else if (strchr(value, ':') != NULL) {
		diag_error(d,
		    "%s \"%s\" is not a prefix: write an IPv6 network and its "
		    "length, like 2001:db8:20::/64",
		    who, value);
	} else {
		diag_error(d, "%s \"%s\" is not a prefix: write A.B.C.D/N", who,
		    value);
	}
	return -EINVAL;
}

int
config_vlan_set_subnet(struct config *c, struct config_vlan *v,
    const char *value, struct diag *d)
{
	struct ipaddr p;
	char who[32];

	c->system_changed = true;
	if (value == NULL) {
		memset(v->subnet, 0, sizeof(v->subnet));
		return 0;
	}
	snprintf(who, sizeof(who), "vlan %u: subnet", v->id);
	if (parse_subnet(who, value, &p, d) < 0)
		return -EINVAL;
	v->subnet[config_slot(p.family)] = p;
	return 0;
}

int
config_vlan_unset_subnet(struct config *c, struct config_vlan *v,
    const char *value, struct diag *d)
{
	char who[16];

	if (value == NULL)
		return config_vlan_set_subnet(c, v, NULL, d);
	c->system_changed = true;
	snprintf(who, sizeof(who), "vlan %u", v->id);
	return unset_slot(v->subnet, value, true, who, "subnet", d);
}

int
config_set_pool(struct config *c, const char *value, struct diag *d)
{
	struct ipaddr p;

	c->system_changed = true;
	if (value == NULL) {
		memset(&c->pool, 0, sizeof(c->pool));
		return 0;
	}
	if (parse_subnet("client-vpn: pool", value, &p, d) < 0)
		return -EINVAL;
	if (p.family != AF_INET) {
		diag_error(d,
		    "client-vpn: pool %s is IPv6: client-VPN users get an "
		    "IPv4 address from an IPv4 pool, like 10.99.0.0/24",
		    value);
		return -EINVAL;
	}
	c->pool = p;
	return 0;
}

int
config_listen_parse(const char *s, char *addr, size_t len, uint16_t *port)
{
	const char *colon = strrchr(s, ':'), *a = s;
	unsigned char bin[16];
	unsigned long p;
	size_t n;
	char *end;

	if (colon == NULL)
		return -EINVAL;
	n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		a = s + 1;
		n -= 2;
	}
	if (n == 0 || n >= len)
		return -EINVAL;
	memcpy(addr, a, n);
	addr[n] = '\0';
	/* "[1.2.3.4]:80" and an IPv6 address without brackets are not. */
	if (a == s ? inet_pton(AF_INET, addr, bin) != 1 :
		     inet_pton(AF_INET6, addr, bin) != 1)
		return -EINVAL;
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || p == 0 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

/*
 * Kept in its canonical form (inet_ntop's, the port without leading
 * zeros), so that the same address written twice ways is no change.
 */
int
config_set_metrics_listen(struct config *c, const char *value, struct diag *d)
{
	char addr[INET6_ADDRSTRLEN], canon[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	uint16_t port;
	bool v6;

	if (value == NULL) {
		c->metrics_listen[0] = '\0';
		c->system_changed = true;
		return 0;
	}
	if (config_listen_parse(value, addr, sizeof(addr), &port) < 0) {
		diag_error(d,
		    "metrics listen \"%s\" is not an address and port: give "
		    "A.B.C.D:PORT or [IPv6]:PORT with a port of 1-65535, like "
		    "127.0.0.1:9472",
		    value);
		return -EINVAL;
	}
	v6 = value[0] == '[';
	inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin);
	inet_ntop(v6 ? AF_INET6 : AF_INET, bin, canon, sizeof(canon));
	snprintf(c->metrics_listen, sizeof(c->metrics_listen),
	    v6 ? "[%s]:%u" : "%s:%u", canon, port);
	c->system_changed = true;
	return 0;
}
