/*
 * lib/json.c: quoting strings for JSON output (RFC 8259 section 7).  The
 * shapes of documents are the callers'; this only makes a string safe.
 */
#include <errno.h>
#include <stdio.h>

#include "lib/lib.h"

int
json_string(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 3)
		goto nospace;
	buf[o++] = '"';
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		char esc[8];
		size_t n;

		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			n = 2;
		} else if (ch < 0x20) {
			n = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", ch);
		} else {
			esc[0] = (char)ch;
			n = 1;
		}
		if (o + n + 2 > len)
			goto nospace;
		for (size_t i = 0; i < n; i++)
			buf[o++] = esc[i];
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return (int)o;
nospace:
	if (len > 0)
		buf[0] = '\0';
	return -ENOSPC;
}
