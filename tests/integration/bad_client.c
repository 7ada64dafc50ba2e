/*
 * tests/integration/bad_client.c: a client that breaks the protocol, for
 * tests/integration/shell.sh.  "garbage" sends bytes that are no frame;
 * "oversize" announces a 1 MiB line; "nohello" sends a LINE first.  Prints
 * the daemon's FATAL message and exits 0 when the daemon answered with one
 * and closed, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	unsigned char in[4096];
	const char *what;
	size_t got = 0;
	ssize_t n;
	int fd;

	if (argc != 3)
		return 2;
	what = argv[2];
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return 2;
	if (strcmp(what, "garbage") == 0)
		n = write(fd, "GET / HTTP/1.0\r\n\r\n", 18);
	else if (strcmp(what, "oversize") == 0)
		n = write(fd, "T\x01\x02\x00\x00\x10\x00\x00", 8);
	else
		n = write(fd, "T\x01\x02\x00\x00\x00\x00\x04show", 12);
	if (n <= 0)
		return 2;
	while ((n = read(fd, in + got, sizeof(in) - got)) > 0)
		got += (size_t)n;
	/* One FATAL frame (type 20), then the end of the connection. */
	if (got < 8 || in[0] != 'T' || in[2] != 20)
		return 1;
	printf("%.*s\n", (int)(got - 8), in + 8);
	return 0;
}
