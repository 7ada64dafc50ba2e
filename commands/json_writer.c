/*
 * commands/json_writer.c: the JSON form of show commands, pretty-printed
 * two spaces an indent through cli_print.  A line is held until the next
 * one shows whether it needs a comma, so callers emit members in order
 * and never count them.
 */
#include <inttypes.h>
#include <stdio.h>

#include "commands/private.h"

static void
jw_line(struct jw *j, const char *key, const char *value, bool member)
{
	char k[80];
	int n;

	if (j->has_pend)
		cli_print(j->cli, "%s%s", j->pend, member ? "," : "");
	if (key != NULL && json_string(key, k, sizeof(k)) < 0)
		snprintf(k, sizeof(k), "\"?\"");
	n = snprintf(j->pend, sizeof(j->pend), "%*s%s%s%s", (int)j->depth * 2,
	    "", key ? k : "", key ? ": " : "", value);
	j->has_pend = n >= 0;
}

void
jw_value(struct jw *j, const char *key, const char *value)
{
	jw_line(j, key, value, !j->first[j->depth]);
	j->first[j->depth] = false;
}

void
jw_open(struct jw *j, const char *key, const char *bracket)
{
	jw_value(j, key, bracket);
	if (j->depth + 1 < sizeof(j->first) / sizeof(j->first[0]))
		j->depth++;
	j->first[j->depth] = true;
}

void
jw_close(struct jw *j, const char *bracket)
{
	if (j->depth > 0)
		j->depth--;
	jw_line(j, NULL, bracket, false);
}

void
jw_end(struct jw *j)
{
	if (j->has_pend)
		cli_print(j->cli, "%s", j->pend);
	j->has_pend = false;
}

void
jw_str(struct jw *j, const char *key, const char *s)
{
	char q[1300];

	if (s == NULL || json_string(s, q, sizeof(q)) < 0)
		snprintf(q, sizeof(q), "null");
	jw_value(j, key, q);
}

void
jw_u64(struct jw *j, const char *key, uint64_t v)
{
	char n[24];

	snprintf(n, sizeof(n), "%" PRIu64, v);
	jw_value(j, key, n);
}

/* A wall time or a duration that may be absent (0): null then. */
void
jw_u64_or_null(struct jw *j, const char *key, uint64_t v)
{
	if (v == 0)
		jw_value(j, key, "null");
	else
		jw_u64(j, key, v);
}

void
jw_bool(struct jw *j, const char *key, bool v)
{
	jw_value(j, key, v ? "true" : "false");
}

/* Values of the IPsec show commands. */

void
jw_endpoint(struct jw *j, const char *key, const struct ike_endpoint *ep)
{
	char a[ADDR4_STRLEN];

	addr4_format(ep->addr, a, sizeof(a));
	jw_open(j, key, "{");
	jw_str(j, "address", a);
	jw_u64(j, "port", ep->port);
	jw_close(j, "}");
}

void
jw_prefix(struct jw *j, const char *key, const struct prefix4 *p)
{
	char s[PREFIX4_STRLEN];

	prefix4_format(p, s, sizeof(s));
	jw_str(j, key, s);
}

void
jw_nets(struct jw *j, const char *key, const struct prefix4 *p, size_t n)
{
	jw_open(j, key, "[");
	for (size_t i = 0; i < n; i++)
		jw_prefix(j, NULL, &p[i]);
	jw_close(j, "]");
}

void
jw_spi32(struct jw *j, const char *key, uint32_t spi)
{
	char s[12];

	snprintf(s, sizeof(s), "%08" PRIx32, spi);
	jw_str(j, key, s);
}
