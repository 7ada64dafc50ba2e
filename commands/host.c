/*
 * commands/host.c: what diagnose and ping ask of this host's kernel
 * beyond the IKE engine: its interface addresses and its route to a
 * peer, of either family.  Each answer is one quick syscall or netlink
 * dump, never a wait on the network (a connect() on a UDP socket looks
 * the route up and sends nothing).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands/private.h"

/* Calls fn for every IPv4 and IPv6 address of the host's interfaces
 * until it returns true; *found: whether one did. */
static int
each_addr(bool (*fn)(void *arg, const struct ipaddr *addr), void *arg,
    bool *found)
{
	struct ifaddrs *all;
	struct ipaddr a;

	*found = false;
	if (getifaddrs(&all) < 0)
		return -errno;
	for (struct ifaddrs *i = all; i != NULL && !*found; i = i->ifa_next) {
		if (i->ifa_addr == NULL ||
		    (i->ifa_addr->sa_family != AF_INET &&
			i->ifa_addr->sa_family != AF_INET6) ||
		    ipaddr_from_sockaddr(i->ifa_addr, &a, NULL) < 0)
			continue;
		*found = fn(arg, &a);
	}
	freeifaddrs(all);
	return 0;
}

static bool
is_addr(void *arg, const struct ipaddr *addr)
{
	const struct ipaddr *want = arg;

	return want->family == addr->family &&
	    memcmp(want->bytes, addr->bytes, sizeof(addr->bytes)) == 0;
}

static int
addr_is_local(void *arg, const struct ipaddr *addr, bool *yes)
{
	struct ipaddr want = *addr;

	(void)arg;
	return each_addr(is_addr, &want, yes);
}

struct within {
	const struct ipaddr *p;
	struct ipaddr found;
};

static bool
is_within(void *arg, const struct ipaddr *addr)
{
	struct within *w = arg;

	if (!ipaddr_contains(w->p, addr))
		return false;
	w->found = *addr;
	return true;
}

static int
addr_in(void *arg, const struct ipaddr *p, struct ipaddr *out)
{
	struct within w = { .p = p };
	bool found;
	int rc;

	(void)arg;
	if ((rc = each_addr(is_within, &w, &found)) < 0)
		return rc;
	if (!found)
		return -EADDRNOTAVAIL;
	*out = w.found;
	return 0;
}

static int
route_src(void *arg, const struct ipaddr *dst, struct ipaddr *src)
{
	struct sockaddr_storage to, from;
	socklen_t tlen, len = sizeof(from);
	int fd, rc = 0;

	(void)arg;
	if ((tlen = ipaddr_to_sockaddr(dst, IKE_PORT, &to)) == 0)
		return -EAFNOSUPPORT;
	if ((fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&to, tlen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&from, &len) < 0)
		rc = -errno;
	else
		rc = ipaddr_from_sockaddr((struct sockaddr *)&from, src, NULL);
	close(fd);
	return rc;
}

const struct commands_host_ops commands_host_real = {
	.addr_is_local = addr_is_local,
	.route_src = route_src,
	.addr_in = addr_in,
};
