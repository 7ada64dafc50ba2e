/*
 * lib/secbuf.c: the buffers that hold keys and pre-shared keys.  The whole
 * allocation is wiped with OPENSSL_cleanse() before it is freed, and a NUL
 * follows the data so that a text secret can be used as a string.  Nothing
 * here prints, logs or copies a secret anywhere else.
 */
#include <openssl/crypto.h>
#include <stdint.h>
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
	struct secbuf *b;

	if (p == NULL && len > 0)
		return NULL;
	if ((b = secbuf_new(len)) != NULL && len > 0)
		memcpy(b->data, p, len);
	return b;
}

struct secbuf *
secbuf_from_str(const char *s)
{
	return s != NULL ? secbuf_from(s, strlen(s)) : NULL;
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

/* Constant time in the contents (CRYPTO_memcmp), so that the comparison
 * can never leak a key through timing, even if it is later used on one. */
bool
secbuf_equal(const struct secbuf *a, const struct secbuf *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->len == b->len && CRYPTO_memcmp(a->data, b->data, a->len) == 0;
}
