/*
 * lib/diag.c: diagnostics lists, the messages library code returns to a
 * person instead of printing them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

void
diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
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

static int
append(struct diag *d, enum diag_severity sev, char *text)
{
	if (d->count == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 8;
		struct diag_entry *p = realloc(d->entries, cap * sizeof(*p));

		if (p == NULL) {
			free(text);
			d->oom = true;
			return -ENOMEM;
		}
		d->entries = p;
		d->cap = cap;
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

int
diag_move(struct diag *dst, struct diag *src)
{
	int rc = 0;

	for (size_t i = 0; i < src->count; i++) {
		if (append(dst, src->entries[i].severity,
			src->entries[i].text) < 0)
			rc = -ENOMEM;
		src->entries[i].text = NULL;
	}
	dst->oom |= src->oom;
	free(src->entries);
	diag_init(src);
	return rc;
}

ssize_t
diag_find(const struct diag *d, const char *s)
{
	for (size_t i = 0; i < d->count; i++)
		if (strcmp(d->entries[i].text, s) == 0)
			return (ssize_t)i;
	return -1;
}
