/*
 * shell/tunsh.c: the front end a login runs.  Until tunshd hosts sessions
 * it only says so; it must not pretend to be a shell.
 */
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("tunsh %s\n", TUNSH_VERSION);
		return 0;
	}
	fprintf(stderr,
	    "tunsh: interactive sessions are not available in this "
	    "build yet; use tunshd --check-config or --print-config\n");
	return 2;
}
