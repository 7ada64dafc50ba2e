/*
 * tests/unit/test.h: what every cmocka test file includes, and the shared
 * main: "test_x PATTERN" runs only the tests whose names match PATTERN.
 */
#ifndef TUNSH_TEST_H
#define TUNSH_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define TUNSH_TEST_MAIN(tests)                                           \
	int main(int argc, char **argv)                                  \
	{                                                                \
		if (argc > 1)                                            \
			cmocka_set_test_filter(argv[1]);                 \
		return cmocka_run_group_tests_name(argv[0], tests, NULL, \
		    NULL);                                               \
	}

#endif
