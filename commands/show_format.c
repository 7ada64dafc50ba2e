/*
 * commands/show_format.c: the pieces of text and JSON that the live
 * IPsec commands write alike: times, durations and timers, endpoints,
 * networks and SPIs, the "  Label:  value" lines wrapped to 80 columns,
 * and the words for what is not known.  No command's layout lives here.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands/show_ipsec.h"

uint64_t
show_wall_now(void)
{
	return (uint64_t)time(NULL);
}

void
show_time(uint64_t wall, char *buf, size_t len)
{
	time_t t = (time_t)wall;
	struct tm tm;

	if (wall == 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "never");
		return;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

void
show_duration(uint64_t s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%" PRIu64 "d %02u:%02u:%02u", s / 86400,
		    (unsigned)(s / 3600 % 24), (unsigned)(s / 60 % 60),
		    (unsigned)(s % 60));
	else
		snprintf(buf, len, "%02u:%02u:%02u", (unsigned)(s / 3600),
		    (unsigned)(s / 60 % 60), (unsigned)(s % 60));
}

void
show_in(uint64_t s, char *buf, size_t len)
{
	char d[32];

	if (s == 0) {
		snprintf(buf, len, "never");
		return;
	}
	show_duration(s, d, sizeof(d));
	snprintf(buf, len, "in %s", d);
}

void
show_endpoint(const struct ike_endpoint *ep, char *buf, size_t len)
{
	char a[IPADDR_STRLEN];

	ipaddr_format(&ep->addr, a, sizeof(a));
	snprintf(buf, len, "%s port %u", a, ep->port);
}

void
show_nets(const struct ipaddr *p, size_t n, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && at < len; i++) {
		char one[IPADDR_STRLEN];

		ipaddr_format_prefix(&p[i], one, sizeof(one));
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
		    i ? ", " : "", one);
	}
	if (n == 0)
		snprintf(buf, len, "-");
}

void
show_wrapped(struct cli_def *cli, const char *head, size_t col,
    const char *text)
{
	size_t room = SHOW_WIDTH - col;
	bool first = true;

	while (first || *text != '\0') {
		size_t n = strlen(text);

		if (n > room) {
			size_t cut = room;

			while (cut > 0 && text[cut] != ' ')
				cut--;
			n = cut > 0 ? cut : room;
		}
		cli_print(cli, "%-*s%.*s", (int)col, first ? head : "", (int)n,
		    text);
		text += n;
		while (*text == ' ')
			text++;
		first = false;
	}
}

void
show_field(struct cli_def *cli, const char *label, const char *fmt, ...)
{
	char head[32], text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(head, sizeof(head), "  %s:", label);
	show_wrapped(cli, head, SHOW_LABEL_COL, text);
}

const char *
show_role(bool initiator)
{
	return initiator ? "initiator" : "responder";
}

const char *
show_plural(size_t n)
{
	return n == 1 ? "" : "s";
}

const char *
show_known_or_null(const char *s)
{
	return s == NULL || s[0] == '\0' || strcmp(s, "-") == 0 ? NULL : s;
}

const char *
show_unknown_reason(const struct ike_engine *e)
{
	return e == NULL ? SHOW_NO_ENGINE :
			   "the IKE engine does not have this tunnel; see show "
			   "log for why its commit did not reach it";
}

/* A wall time or a duration that may be absent (0): null then. */
void
show_json_u64_or_null(struct json_writer *j, const char *key, uint64_t v)
{
	if (v == 0)
		json_null(j, key);
	else
		json_u64(j, key, v);
}

void
show_json_endpoint(struct json_writer *j, const char *key,
    const struct ike_endpoint *ep)
{
	char a[IPADDR_STRLEN];

	ipaddr_format(&ep->addr, a, sizeof(a));
	json_object(j, key, JSON_LINES);
	json_str(j, "address", a);
	json_u64(j, "port", ep->port);
	json_end(j);
}

void
show_json_prefix(struct json_writer *j, const char *key, const struct ipaddr *p)
{
	char s[IPADDR_STRLEN];

	ipaddr_format_prefix(p, s, sizeof(s));
	json_str(j, key, s);
}

void
show_json_nets(struct json_writer *j, const char *key, const struct ipaddr *p,
    size_t n)
{
	json_array(j, key, JSON_LINES);
	for (size_t i = 0; i < n; i++)
		show_json_prefix(j, NULL, &p[i]);
	json_end(j);
}

void
show_json_spi32(struct json_writer *j, const char *key, uint32_t spi)
{
	char s[12];

	snprintf(s, sizeof(s), "%08" PRIx32, spi);
	json_str(j, key, s);
}
