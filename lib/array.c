/*
 * lib/array.c: room in a growing array, the one way the tree's arrays of
 * unknown length grow (doubling, so n appends cost O(n) in all).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/lib.h"

/* The first allocation: small arrays stay small, and doubling from 16
 * reaches a million entries in 16 reallocations. */
#define ARRAY_MIN 16

int
lib_reserve(void *arr, size_t *cap, size_t need, size_t size)
{
	void **p = arr, *q;
	size_t c = *cap != 0 ? *cap : ARRAY_MIN;

	if (need <= *cap)
		return 0;
	if (size == 0 || need > SIZE_MAX / size)
		return -ENOMEM;
	while (c < need)
		c = c > SIZE_MAX / 2 / size ? need : c * 2;
	if ((q = realloc(*p, c * size)) == NULL)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}
