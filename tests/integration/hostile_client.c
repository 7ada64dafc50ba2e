/*
 * tests/integration/hostile_client.c: clients that abuse tunshd's sessions
 * server on purpose, for tests/integration/hostile.sh.  Each mode does one
 * bad thing through the real socket and prints what the daemon answered,
 * so that the script can assert on it:
 *   slowread SOCK SECONDS LINE   sends LINE again and again for SECONDS and
 *                                never reads; prints "sent N", then waits
 *                                for the daemon to close ("closed by
 *                                tunshd") or standard input to end
 *   hold SOCK N                  opens N sessions and keeps them; prints
 *                                "open K refused R" and the first refusal,
 *                                then waits for standard input to end
 *   listen SOCK LINE...          runs the lines, prints "ready", then
 *                                prints every NOTICE and FATAL until the
 *                                daemon closes (a session ended by
 *                                tunshd: what does its user see?)
 *   nohello SOCK                 connects and says nothing
 *   oversize | binary | nul SOCK a HELLO, then a frame over the maximum,
 *                                bytes that are no frame, or a line with a
 *                                NUL byte
 * The last four print the daemon's FATAL message and exit 0 when it sent
 * one and closed, 1 otherwise; 2 is a failure of the client itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define HELLO "version=1\nterminal=0\nwidth=0\nheight=0\nsource=hostile\n"

static int
connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One frame: 'T', version 1, type, flags 0, length (big endian). */
static size_t
frame(uint8_t *buf, uint8_t type, const void *p, size_t len)
{
	uint32_t n = htonl((uint32_t)len);

	buf[0] = 'T';
	buf[1] = 1;
	buf[2] = type;
	buf[3] = 0;
	memcpy(buf + 4, &n, sizeof(n));
	memcpy(buf + 8, p, len);
	return 8 + len;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
send_hello(int fd)
{
	uint8_t buf[256];

	return write_all(fd, buf, frame(buf, 1, HELLO, strlen(HELLO)));
}

/* Reads one whole frame; its type, or -1 at the end or an error. */
static int
read_frame(int fd, char *msg, size_t len)
{
	uint8_t hdr[8];
	uint32_t n;
	size_t got = 0;

	while (got < sizeof(hdr)) {
		ssize_t r = read(fd, hdr + got, sizeof(hdr) - got);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	memcpy(&n, hdr + 4, sizeof(n));
	n = ntohl(n);
	for (uint32_t i = 0; i < n; i++) {
		char ch;

		if (read(fd, &ch, 1) != 1)
			return -1;
		if (i + 1 < len)
			msg[i] = ch;
	}
	msg[n < len ? n : len - 1] = '\0';
	return hdr[2];
}

/* Until the daemon's FATAL and close: 0 when both came. */
static int
expect_fatal(int fd)
{
	char msg[4096];
	int type;

	while ((type = read_frame(fd, msg, sizeof(msg))) >= 0)
		if (type == 20) {
			printf("%s\n", msg);
			return read_frame(fd, msg, sizeof(msg)) < 0 ? 0 : 1;
		}
	return 1;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for standard input to end, or the socket to be closed. */
static void
wait_end(int fd)
{
	struct pollfd p[2] = { { .fd = 0, .events = POLLIN },
		{ .fd = fd, .events = POLLRDHUP } };
	char buf[256];

	for (;;) {
		if (poll(p, 2, -1) < 0)
			return;
		if (p[1].revents & (POLLHUP | POLLRDHUP | POLLERR)) {
			printf("closed by tunshd\n");
			fflush(stdout);
			return;
		}
		if ((p[0].revents & (POLLIN | POLLHUP)) &&
		    read(0, buf, sizeof(buf)) <= 0)
			return;
	}
}

static int
slowread(const char *path, double seconds, const char *line)
{
	static uint8_t buf[8 + 4096];
	size_t len, off = 0, sent = 0;
	double end;
	int fd;

	if ((fd = connect_to(path)) < 0 || send_hello(fd) < 0 ||
	    strlen(line) > 4096)
		return 2;
	len = frame(buf, 2, line, strlen(line));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	end = now() + seconds;
	while (now() < end) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0 || !(p.revents & POLLOUT))
			continue;
		if ((n = write(fd, buf + off, len - off)) < 0) {
			if (errno == EAGAIN)
				continue;
			break;
		}
		off += (size_t)n;
		if (off == len) {
			off = 0;
			sent++;
		}
	}
	printf("sent %zu\n", sent);
	fflush(stdout);
	wait_end(fd);
	return 0;
}

static int
hold(const char *path, unsigned n)
{
	char msg[4096], first[4096] = "";
	unsigned open = 0, refused = 0, failed = 0;
	int fd = -1;

	for (unsigned i = 0; i < n; i++) {
		int type;

		if ((fd = connect_to(path)) < 0 || send_hello(fd) < 0) {
			failed++;
			continue;
		}
		type = read_frame(fd, msg, sizeof(msg));
		if (type == 17) {
			open++; /* a PROMPT: kept open to the end */
			continue;
		}
		refused++;
		if (first[0] == '\0')
			snprintf(first, sizeof(first), "%s",
			    type == 20 ? msg : "(closed without a word)");
		close(fd);
	}
	printf("open %u refused %u failed %u\n%s\n", open, refused, failed,
	    first);
	fflush(stdout);
	wait_end(-1);
	return 0;
}

static int
listen_to(const char *path, char **lines, int n)
{
	uint8_t buf[8 + 4096];
	char msg[4096];
	int fd, type;

	if ((fd = connect_to(path)) < 0 || send_hello(fd) < 0 ||
	    read_frame(fd, msg, sizeof(msg)) != 17)
		return 2;
	for (int i = 0; i < n; i++) {
		if (strlen(lines[i]) > 4096 ||
		    write_all(fd, buf,
			frame(buf, 2, lines[i], strlen(lines[i]))) < 0)
			return 2;
		while ((type = read_frame(fd, msg, sizeof(msg))) != 17)
			if (type < 0)
				return 2;
	}
	printf("ready\n");
	fflush(stdout);
	while ((type = read_frame(fd, msg, sizeof(msg))) >= 0)
		if (type == 20 || type == 22) {
			printf("%s %s\n", type == 20 ? "FATAL" : "NOTICE", msg);
			fflush(stdout);
		}
	printf("closed by tunshd\n");
	return 0;
}

int
main(int argc, char **argv)
{
	static const uint8_t junk[] = { 0x00, 0xff, 0x7f, 'T', 0x01, 0x99, 0x00,
		0xde, 0xad, 0xbe, 0xef, 0x0a };
	uint8_t buf[64];
	const char *what;
	int fd;

	if (argc < 3)
		return 2;
	what = argv[1];
	if (strcmp(what, "slowread") == 0 && argc == 5)
		return slowread(argv[2], atof(argv[3]), argv[4]);
	if (strcmp(what, "hold") == 0 && argc == 4)
		return hold(argv[2], (unsigned)atoi(argv[3]));
	if (strcmp(what, "listen") == 0)
		return listen_to(argv[2], argv + 3, argc - 3);
	if ((fd = connect_to(argv[2])) < 0)
		return 2;
	if (strcmp(what, "nohello") == 0)
		return expect_fatal(fd);
	if (send_hello(fd) < 0 ||
	    read_frame(fd, (char *)buf, sizeof(buf)) != 17)
		return 2;
	if (strcmp(what, "oversize") == 0) {
		/* A LINE of 65,537 bytes: one over SHELL_FRAME_MAX. */
		static const uint8_t h[] = { 'T', 1, 2, 0, 0, 1, 0, 1 };

		if (write_all(fd, h, sizeof(h)) < 0)
			return 2;
	} else if (strcmp(what, "binary") == 0) {
		if (write_all(fd, junk, sizeof(junk)) < 0)
			return 2;
	} else if (strcmp(what, "nul") == 0) {
		if (write_all(fd, buf, frame(buf, 2, "show\0version", 12)) < 0)
			return 2;
	} else {
		return 2;
	}
	return expect_fatal(fd);
}
