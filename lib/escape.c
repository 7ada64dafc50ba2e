/*
 * lib/escape.c: text that users gave (names, comments, words typed) made
 * safe to show on someone else's terminal.  A control character in a
 * commit comment would otherwise clear the screen, retitle the window or
 * fake a prompt for every admin running show log or terminal monitor.
 * This only rewrites bytes; where text is escaped is the callers' choice.
 */
#include <stdbool.h>
#include <string.h>

#include "lib/lib.h"

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629 section 4:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or 0.  The
 * NUL that ends s fails every continuation test, so nothing past it is
 * read.
 */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;
		hi = s[0] == 0xed ? 0x9f : 0xbf;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* C0, DEL and C1 (U+0080-U+009F, which 8-bit terminals take as CSI and
 * friends): the characters a terminal acts on instead of showing. */
static bool
is_control(const unsigned char *s, size_t n)
{
	return (n == 1 && (s[0] < 0x20 || s[0] == 0x7f)) ||
	    (n == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

size_t
lib_escape_ctl(char *dst, size_t len, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t need = 0, done = 0;
	bool full = len == 0;

	while (*s != '\0') {
		size_t n = utf8_len(s), k = n != 0 ? n : 1;
		bool esc = n == 0 || is_control(s, n);
		size_t w = esc ? 4 * k : k;

		/* An escape or a character goes in whole or not at all. */
		if (!full && done + w < len) {
			for (size_t i = 0; i < k && esc; i++) {
				dst[done + 4 * i] = '\\';
				dst[done + 4 * i + 1] = 'x';
				dst[done + 4 * i + 2] = hex[s[i] >> 4];
				dst[done + 4 * i + 3] = hex[s[i] & 0xf];
			}
			if (!esc)
				memcpy(dst + done, s, k);
			done += w;
		} else {
			full = true;
		}
		need += w;
		s += k;
	}
	if (len > 0)
		dst[done] = '\0';
	return need;
}

bool
lib_ctl_free(const char *src)
{
	return lib_escape_ctl(NULL, 0, src) == strlen(src);
}
