/*
 * lib/diag.c: diagnostics lists, the messages library code hands back to a
 * person instead of printing them.  It formats and stores; it never prints
 * and never logs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

void
diag_init(struct diag *d)
{
	*d = (struct diag){ 0 };
}

void
diag_clear(struct diag *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->count; i++)
		free(d->entries[i].text);
	free(d->entries);
	diag_init(d);
}

/* Makes room for want more entries; 0 or -ENOMEM. */
static int
reserve(struct diag *d, size_t want)
{
	if (want > SIZE_MAX - d->count)
		return -ENOMEM;
	return lib_reserve(&d->entries, &d->cap, d->count + want,
	    sizeof(*d->entries));
}

/* Takes text over, freeing it if it cannot be stored. */
static int
append(struct diag *d, enum diag_severity sev, char *text)
{
	if (reserve(d, 1) < 0) {
		free(text);
		d->oom = true;
		return -ENOMEM;
	}
	d->entries[d->count].severity = sev;
	d->entries[d->count].text = text;
	d->count++;
	if (sev == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	return 0;
}

/* A NULL list takes every message and keeps none: for callers that only
 * want the return code. */
int
diag_vadd(struct diag *d, enum diag_severity sev, const char *fmt, va_list ap)
{
	va_list ap2;
	char *text;
	int n;

	if (d == NULL)
		return 0;
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || (text = malloc((size_t)n + 1)) == NULL) {
		d->oom = true;
		return -ENOMEM;
	}
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	return append(d, sev, text);
}

int
diag_add(struct diag *d, enum diag_severity sev, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = diag_vadd(d, sev, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * The entries' texts change owner; nothing is copied.  If dst cannot grow,
 * src's entries are dropped (dst->oom says so) rather than left behind, so
 * that src is empty either way, as callers expect.
 */
int
diag_move(struct diag *dst, struct diag *src)
{
	if (dst == src || src->count == 0) {
		dst->oom |= src->oom;
		return 0;
	}
	if (reserve(dst, src->count) < 0) {
		diag_clear(src);
		dst->oom = true;
		return -ENOMEM;
	}
	for (size_t i = 0; i < src->count; i++)
		append(dst, src->entries[i].severity, src->entries[i].text);
	dst->oom |= src->oom;
	free(src->entries);
	diag_init(src);
	return 0;
}

ssize_t
diag_find(const struct diag *d, const char *s)
{
	for (size_t i = 0; i < d->count; i++)
		if (strcmp(d->entries[i].text, s) == 0)
			return (ssize_t)i;
	return -1;
}
