/*
 * commands/host.c: what diagnose and ping ask of this host's kernel
 * beyond the IKE engine: its interface addresses and its route to a
 * peer.  Each answer is one quick syscall or netlink dump, never a wait
 * on the network (a connect() on a UDP socket looks the route up and
 * sends nothing).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands/private.h"

/* Calls fn for every IPv4 address of the host's interfaces (host order)
 * until it returns true; true if one did. */
static int
each_addr(bool (*fn)(void *arg, uint32_t addr), void *arg, bool *found)
{
	struct ifaddrs *all;

	*found = false;
	if (getifaddrs(&all) < 0)
		return -errno;
	for (struct ifaddrs *i = all; i != NULL && !*found; i = i->ifa_next) {
		const struct sockaddr_in *sin;

		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
			continue;
		sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;
		*found = fn(arg, ntohl(sin->sin_addr.s_addr));
	}
	freeifaddrs(all);
	return 0;
}

static bool
is_addr(void *arg, uint32_t addr)
{
	return *(uint32_t *)arg == addr;
}

static int
addr_is_local(void *arg, uint32_t addr, bool *yes)
{
	(void)arg;
	return each_addr(is_addr, &addr, yes);
}

struct within {
	const struct prefix4 *p;
	uint32_t found;
};

static bool
is_within(void *arg, uint32_t addr)
{
	struct within *w = arg;

	if (!prefix4_contains(w->p, addr))
		return false;
	w->found = addr;
	return true;
}

static int
addr_in(void *arg, const struct prefix4 *p, uint32_t *out)
{
	struct within w = { p, 0 };
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
route_src(void *arg, uint32_t dst, uint32_t *src)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
		.sin_port = htons(IKE_PORT) };
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	int fd, rc = 0;

	(void)arg;
	to.sin_addr.s_addr = htonl(dst);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&from, &len) < 0)
		rc = -errno;
	else
		*src = ntohl(from.sin_addr.s_addr);
	close(fd);
	return rc;
}

const struct commands_host_ops commands_host_real = {
	.addr_is_local = addr_is_local,
	.route_src = route_src,
	.addr_in = addr_in,
};
