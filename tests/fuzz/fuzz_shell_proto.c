/*
 * tests/fuzz/fuzz_shell_proto.c: what a hostile or broken client can send
 * tunshd: a stream of frames, decoded one after another as the session
 * reader does, HELLO payloads parsed.  A decoded frame must lie within the
 * input, and a parsed HELLO must format back and parse to the same values.
 */
#include <stdint.h>
#include <string.h>

#include "shell/shell.h"

static void
hello_round_trip(const struct shell_hello *h)
{
	struct shell_hello back;
	char buf[512];
	int n = shell_hello_format(h, buf, sizeof(buf));

	if (n < 0 ||
	    shell_hello_parse((const uint8_t *)buf, (size_t)n, &back) != 0 ||
	    back.terminal != h->terminal || back.width != h->width ||
	    back.height != h->height || strcmp(back.source, h->source) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shell_hello h;
	struct shell_frame f;
	size_t off = 0, used;

	while (off < size &&
	    shell_frame_decode(data + off, size - off, &f, &used) == 1) {
		if (used > size - off || f.payload + f.len > data + size)
			__builtin_trap();
		if (f.type == SHELL_HELLO &&
		    shell_hello_parse(f.payload, f.len, &h) == 0)
			hello_round_trip(&h);
		off += used;
	}
	return 0;
}
