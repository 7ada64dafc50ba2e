/*
 * lib/secbuf.c: the buffers that hold keys and pre-shared keys, wiped with
 * OPENSSL_cleanse() before they are freed.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

struct secbuf *
secbuf_new(size_t len)
{
	struct secbuf *b;

	if (len > SIZE_MAX - sizeof(*b) - 1)
		return NULL;
	if ((b = calloc(1, sizeof(*b) + len + 1)) == NULL)
		return NULL;
	b->len = len;
	return b;
}

struct secbuf *
secbuf_from(const void *p, size_t len)
{
	struct secbuf *b = secbuf_new(len);

	if (b != NULL && len > 0)
		memcpy(b->data, p, len);
	return b;
}

struct secbuf *
secbuf_from_str(const char *s)
{
	return secbuf_from(s, strlen(s));
}

struct secbuf *
secbuf_dup(const struct secbuf *b)
{
	return b != NULL ? secbuf_from(b->data, b->len) : NULL;
}

void
secbuf_free(struct secbuf *b)
{
	if (b == NULL)
		return;
	OPENSSL_cleanse(b, sizeof(*b) + b->len + 1);
	free(b);
}

bool
secbuf_equal(const struct secbuf *a, const struct secbuf *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	/* Not a MAC check: configuration diffs only, so no need for
	 * CRYPTO_memcmp, but it costs nothing. */
	return a->len == b->len && CRYPTO_memcmp(a->data, b->data, a->len) == 0;
}
