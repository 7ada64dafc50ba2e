/*
 * tests/integration/ike_flood.c: an IKE_SA_INIT flooder for
 * tests/integration/ike_flood.sh.  From n consecutive source addresses
 * (one UDP socket bound to each), round robin, it sends IKE_SA_INIT
 * requests with fresh SPIs to TARGET port 500 and answers every
 * N(COOKIE) at once with the request again and the cookie (RFC 7296 2.6),
 * as a flooder that receives at its addresses does.  Its KE is one real
 * Curve25519 value, so the responder does all the work of a real request.
 * It stops after SECONDS or MAX requests, whichever first, or on SIGTERM
 * (the test stops it once it has seen what it waits for), and prints
 * what it sent and what came back.
 *
 * usage: ike_flood TARGET FIRST_SOURCE N_SOURCES SECONDS MAX
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ike/crypto.h"
#include "ike/engine.h"
#include "ike/msg.h"
#include "ike_lab.h"

#define SOURCES_MAX 1024
#define NONCE_LEN   32

struct flood {
	struct sockaddr_in target;
	int fd[SOURCES_MAX];
	size_t n;
	uint8_t ke[32];
	uint64_t next_spi;
	unsigned long sent, echoed, answered, other;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
send_init(struct flood *f, int fd, uint64_t spi, const uint8_t *cookie,
    size_t cookie_len)
{
	struct ike_buf b;

	if (lab_flood_request(&b, spi, f->ke, cookie, cookie_len) == 0 &&
	    sendto(fd, b.data, b.len, 0, (struct sockaddr *)&f->target,
		sizeof(f->target)) == (ssize_t)b.len)
		f->sent++;
	ike_buf_free(&b);
}

/* Reads what came back on fd: cookies are echoed at once. */
static void
drain(struct flood *f, int fd)
{
	uint8_t buf[IKE_MSG_MAX];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct ike_parse_err err;
		struct ike_notify_payload note;
		struct ike_msg m;

		if (ike_msg_parse(buf, (size_t)n, &m, &err) < 0 ||
		    m.hdr.exchange != IKE_SA_INIT) {
			f->other++;
		} else if (msg_has_notify(&m, N_COOKIE, &note)) {
			uint8_t cookie[64];
			size_t len = note.data_len < sizeof(cookie) ?
			    note.data_len :
			    sizeof(cookie);

			memcpy(cookie, note.data, len);
			f->echoed++;
			send_init(f, fd, m.hdr.spi_i, cookie, len);
		} else if (ike_msg_find(&m, IKE_PL_SA) != NULL) {
			f->answered++;
		} else {
			f->other++;
		}
	}
}

static int
open_sources(struct flood *f, uint32_t first)
{
	for (size_t i = 0; i < f->n; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
			.sin_addr.s_addr = htonl(first + (uint32_t)i) };
		int buf = 1 << 20;

		f->fd[i] = socket(AF_INET, SOCK_DGRAM, 0);
		if (f->fd[i] < 0 ||
		    bind(f->fd[i], (struct sockaddr *)&a, sizeof(a)) < 0) {
			fprintf(stderr, "ike_flood: source %s: %s\n",
			    inet_ntoa(a.sin_addr), strerror(errno));
			return -1;
		}
		setsockopt(f->fd[i], SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	}
	return 0;
}

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	static struct flood f;
	struct in_addr target, first;
	struct ike_dh *dh;
	size_t ke_len = sizeof(f.ke);
	double end;
	unsigned long max;

	if (argc != 6 || inet_aton(argv[1], &target) == 0 ||
	    inet_aton(argv[2], &first) == 0) {
		fprintf(stderr,
		    "usage: ike_flood TARGET FIRST_SOURCE "
		    "N_SOURCES SECONDS MAX\n");
		return 2;
	}
	f.n = strtoul(argv[3], NULL, 10);
	end = now_s() + strtod(argv[4], NULL);
	max = strtoul(argv[5], NULL, 10);
	if (f.n == 0 || f.n > SOURCES_MAX)
		return 2;
	f.target = (struct sockaddr_in){ .sin_family = AF_INET,
		.sin_port = htons(500),
		.sin_addr = target };
	if ((dh = ike_dh_new(31)) == NULL ||
	    ike_dh_public(dh, f.ke, &ke_len) < 0)
		return 1;
	ike_dh_free(dh);
	if (open_sources(&f, ntohl(first.s_addr)) < 0)
		return 1;
	f.next_spi = ((uint64_t)getpid() << 32) | 1;
	signal(SIGTERM, on_term);
	for (size_t i = 0; !stop && f.sent < max && now_s() < end;
	     i = (i + 1) % f.n) {
		send_init(&f, f.fd[i], f.next_spi++, NULL, 0);
		drain(&f, f.fd[i]);
		if (f.sent % 256 == 0) /* a breath for the answers */
			poll(NULL, 0, 1);
	}
	for (size_t i = 0; i < f.n; i++) {
		drain(&f, f.fd[i]);
		close(f.fd[i]);
	}
	printf("sent=%lu echoed=%lu answered=%lu other=%lu\n", f.sent, f.echoed,
	    f.answered, f.other);
	return 0;
}
