/*
 * config/monitor.c: the text form of a tunnel's traffic monitor setting
 * ("destination A.B.C.D [source vlan ID|A.B.C.D] [interval S] [threshold
 * N]"): its parse and its format, for fields.c's table.  Which addresses
 * fit the tunnel is validate.c's.  The monitor probes with ICMP echoes
 * over IPv4, so its addresses are IPv4 ones.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_private.h"

/* A number of the monitor's, within 1-max. */
static int
monitor_number(const char *w, uint32_t max, bool secs, uint32_t *out)
{
	unsigned long n;
	char *end;

	if (secs)
		return config_parse_seconds(w, out) == 0 && *out >= 1 &&
			*out <= max ?
		    0 :
		    -ERANGE;
	if (!isdigit((unsigned char)w[0]))
		return -EINVAL;
	errno = 0;
	n = strtoul(w, &end, 10);
	if (*end != '\0' || errno != 0 || n < 1 || n > max)
		return -ERANGE;
	*out = (uint32_t)n;
	return 0;
}

/*
 * "destination A.B.C.D [source vlan ID|A.B.C.D] [interval S] [threshold
 * N]", the words after destination in any order.  Only the form: which
 * addresses fit the tunnel is validate.c's.
 */
int
tunnel_monitor_set(struct config_tunnel *t, const char *v, const char *who,
    struct diag *d)
{
	struct config_monitor m = { 0, 0, 0, CONFIG_MONITOR_INTERVAL,
		CONFIG_MONITOR_THRESHOLD };
	char buf[160], *save = NULL, *w, *arg, *end = NULL;
	unsigned long id;

	if (strlen(v) >= sizeof(buf))
		goto usage;
	snprintf(buf, sizeof(buf), "%s", v);
	for (w = strtok_r(buf, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save)) {
		if ((arg = strtok_r(NULL, " ", &save)) == NULL)
			goto usage;
		if (strcmp(w, "destination") == 0) {
			struct ipaddr six;

			if (ipaddr_parse(arg, &six) == 0 &&
			    six.family == AF_INET6) {
				diag_error(d,
				    "%s: monitor destination %s: the monitor "
				    "probes over IPv4 only: give an IPv4 host "
				    "behind the peer, like 10.2.0.10, or rely "
				    "on dpd-timeout for an IPv6-only tunnel",
				    who, arg);
				return -EINVAL;
			}
			if (addr4_parse(arg, &m.dst) < 0 || m.dst == 0 ||
			    m.dst >= 0xe0000000u) {
				diag_error(d,
				    "%s: monitor destination \"%s\" is not a "
				    "unicast IPv4 address: give a host behind "
				    "the peer, like 10.2.0.10",
				    who, arg);
				return -EINVAL;
			}
		} else if (strcmp(w, "source") == 0 &&
		    strcmp(arg, "vlan") == 0) {
			arg = strtok_r(NULL, " ", &save);
			id = arg != NULL && isdigit((unsigned char)arg[0]) ?
			    strtoul(arg, &end, 10) :
			    0;
			if (arg == NULL || id < CONFIG_VLAN_MIN ||
			    id > CONFIG_VLAN_MAX || *end != '\0') {
				diag_error(d,
				    "%s: monitor source vlan: a VLAN ID is "
				    "1-4094",
				    who);
				return -EINVAL;
			}
			m.src_vlan = (uint16_t)id;
			m.src_addr = 0;
		} else if (strcmp(w, "source") == 0) {
			if (addr4_parse(arg, &m.src_addr) < 0 ||
			    m.src_addr == 0 || m.src_addr >= 0xe0000000u) {
				diag_error(d,
				    "%s: monitor source \"%s\" is neither "
				    "vlan ID nor a unicast IPv4 address",
				    who, arg);
				return -EINVAL;
			}
			m.src_vlan = 0;
		} else if (strcmp(w, "interval") == 0) {
			if (monitor_number(arg, CONFIG_MONITOR_INTERVAL_MAX,
				true, &m.interval) < 0) {
				diag_error(d,
				    "%s: monitor interval \"%s\" is out of "
				    "range: give 1-%u seconds",
				    who, arg, CONFIG_MONITOR_INTERVAL_MAX);
				return -ERANGE;
			}
		} else if (strcmp(w, "threshold") == 0) {
			if (monitor_number(arg, CONFIG_MONITOR_THRESHOLD_MAX,
				false, &m.threshold) < 0) {
				diag_error(d,
				    "%s: monitor threshold \"%s\" is out of "
				    "range: give 1-%u probes",
				    who, arg, CONFIG_MONITOR_THRESHOLD_MAX);
				return -ERANGE;
			}
		} else {
			goto usage;
		}
	}
	if (m.dst == 0)
		goto usage;
	t->monitor = m;
	return 0;
usage:
	diag_error(d,
	    "%s: monitor \"%.60s\": write monitor destination A.B.C.D "
	    "[source vlan ID|A.B.C.D] [interval S] [threshold N]",
	    who, v);
	return -EINVAL;
}

/* "destination 10.2.0.10 source vlan 10 interval 10 threshold 10" */
size_t
tunnel_monitor_format(const struct config_monitor *m, char *buf, size_t len)
{
	char dst[ADDR4_STRLEN], src[ADDR4_STRLEN + 8] = "";
	char a[ADDR4_STRLEN];

	if (m->dst == 0)
		return 0;
	addr4_format(m->dst, dst, sizeof(dst));
	if (m->src_vlan != 0)
		snprintf(src, sizeof(src), " source vlan %u", m->src_vlan);
	else if (m->src_addr != 0) {
		addr4_format(m->src_addr, a, sizeof(a));
		snprintf(src, sizeof(src), " source %s", a);
	}
	snprintf(buf, len, "destination %s%s interval %u threshold %u", dst,
	    src, m->interval, m->threshold);
	return 1;
}
