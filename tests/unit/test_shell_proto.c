/*
 * tests/unit/test_shell_proto.c: the tunsh <-> tunshd frame codec and the
 * HELLO message (shell/proto.c): whole frames, partial ones, and each
 * malformed header refused as early as its bytes allow.
 */
#include <errno.h>
#include <string.h>

#include "shell/shell.h"
#include "tests/unit/test.h"

static void
test_shell_frame_round_trip_and_partial(void **state)
{
	uint8_t buf[SHELL_FRAME_HDR + 16];
	struct shell_frame f;
	size_t used = 0;

	(void)state;
	assert_int_equal(shell_frame_header(buf, SHELL_LINE, 8), 0);
	memcpy(buf + SHELL_FRAME_HDR, "show run", 8);
	/* 'T', version 1, LINE, no flags, length 8 (big endian) */
	assert_memory_equal(buf, "T\x01\x02\x00\x00\x00\x00\x08", 8);
	for (size_t n = 0; n < SHELL_FRAME_HDR + 8; n++)
		assert_int_equal(shell_frame_decode(buf, n, &f, &used), 0);
	assert_int_equal(shell_frame_decode(buf, sizeof(buf), &f, &used), 1);
	assert_int_equal(used, SHELL_FRAME_HDR + 8);
	assert_int_equal(f.type, SHELL_LINE);
	assert_int_equal(f.len, 8);
	assert_memory_equal(f.payload, "show run", 8);
	/* An empty frame is whole at its header. */
	assert_int_equal(shell_frame_header(buf, SHELL_HANGUP, 0), 0);
	assert_int_equal(shell_frame_decode(buf, SHELL_FRAME_HDR, &f, &used),
	    1);
	assert_int_equal(used, SHELL_FRAME_HDR);
}

static void
test_shell_frame_refuses_bad_headers(void **state)
{
	uint8_t buf[SHELL_FRAME_HDR];
	struct shell_frame f;
	size_t used;

	(void)state;
	/* Known bad from the first byte: another protocol altogether. */
	assert_int_equal(shell_frame_decode((const uint8_t *)"GET / HTTP", 1,
			     &f, &used),
	    -EPROTO);
	assert_int_equal(shell_frame_header(buf, SHELL_OUTPUT, 1), 0);
	buf[1] = 2; /* a version we do not speak */
	assert_int_equal(shell_frame_decode(buf, 2, &f, &used), -EPROTO);
	buf[1] = 1;
	buf[2] = 99; /* an unknown type */
	assert_int_equal(shell_frame_decode(buf, 3, &f, &used), -EPROTO);
	buf[2] = SHELL_OUTPUT;
	buf[3] = 1; /* flags must be zero */
	assert_int_equal(shell_frame_decode(buf, 4, &f, &used), -EPROTO);
	/* A 1 MiB line is refused from its header, before it arrives. */
	assert_int_equal(shell_frame_header(buf, SHELL_LINE, 0), 0);
	buf[5] = 0x10;
	assert_int_equal(shell_frame_decode(buf, SHELL_FRAME_HDR, &f, &used),
	    -EMSGSIZE);
	assert_int_equal(
	    shell_frame_header(buf, SHELL_LINE, SHELL_FRAME_MAX + 1), -EINVAL);
	assert_int_equal(shell_frame_header(buf, 0, 0), -EINVAL);
}

static void
test_shell_hello(void **state)
{
	struct shell_hello h = { SHELL_PROTO_VERSION, true, 132, 43,
		"ssh 192.0.2.9 52100" };
	struct shell_hello back;
	char buf[256];
	int n;

	(void)state;
	n = shell_hello_format(&h, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf,
	    "version=1\nterminal=1\nwidth=132\n"
	    "height=43\nsource=ssh 192.0.2.9 52100\n");
	assert_int_equal(
	    shell_hello_parse((const uint8_t *)buf, (size_t)n, &back), 0);
	assert_true(back.terminal);
	assert_int_equal(back.width, 132);
	assert_string_equal(back.source, "ssh 192.0.2.9 52100");
	/* Newer keys are ignored; broken lines and versions are not. */
	assert_int_equal(shell_hello_parse((const uint8_t *)"version=1\n"
							    "color=256\n",
			     20, &back),
	    0);
	assert_int_equal(shell_hello_parse((const uint8_t *)"version=1\nwidth",
			     15, &back),
	    -EINVAL);
	assert_int_equal(shell_hello_parse((const uint8_t *)"version=1\n"
							    "width=x\n",
			     18, &back),
	    -EINVAL);
	assert_int_equal(shell_hello_parse((const uint8_t *)"version=2\n", 10,
			     &back),
	    -EPROTO);
	assert_int_equal(shell_hello_parse((const uint8_t *)"version=1\n"
							    "source=a\tb\n",
			     21, &back),
	    -EINVAL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_shell_frame_round_trip_and_partial),
	cmocka_unit_test(test_shell_frame_refuses_bad_headers),
	cmocka_unit_test(test_shell_hello),
};

TUNSH_TEST_MAIN(tests)
