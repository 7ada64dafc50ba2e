/*
 * bench/config_rss.c: what a configured tunnel costs in memory.
 *   config_rss_bytes_per_tunnel_N   the real tunshd (--kernel none, idle,
 *                                   in its own network namespace when it
 *                                   can have one) on a file of N tunnels
 *                                   that wait for their peers (initiator
 *                                   false: no SA until a peer or traffic
 *                                   comes), with one session in configure
 *                                   so a candidate is held: VmRSS minus
 *                                   that of an empty file, divided by N
 *   config_rss_bytes_per_tunnel_initiating_10000
 *                                   the same with initiators whose peers
 *                                   never answer: each tunnel also holds
 *                                   the half-open IKE SA of its attempt
 *   config_model_bytes_per_tunnel_10000
 *                                   malloc'd bytes of the loaded model
 *                                   alone, per tunnel (mallinfo2)
 * Prints BENCH lines only.  Arguments, all optional: tunshd's and tunsh's
 * paths (else the build's), and the largest count to measure (100000).
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "config/config.h"

#define WAIT_STEPS 6000 /* of 50 ms: 100,000 tunnels load in minutes */

struct daemon {
	pid_t tunshd, tunsh;
	int to_tunsh; /* the client's stdin, held open: it stays in configure */
};

static bool
can_unshare(void)
{
	return geteuid() == 0 && access("/usr/bin/unshare", X_OK) == 0;
}

/* Starts tunshd on conf; returns once its socket exists. */
static void
daemon_start(struct daemon *dm, const char *dir, const char *conf,
    const char *bin)
{
	char state[300], sock[256], log[256];
	struct stat st;
	int fd, i;

	/* Each size its own history: a file differing from the last
	 * commit is taken, but warned about. */
	snprintf(state, sizeof(state), "%s.state", conf);
	snprintf(sock, sizeof(sock), "%s/tunshd.sock", dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	unlink(sock);
	if ((dm->tunshd = fork()) == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, STDERR_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (can_unshare())
			execl("/usr/bin/unshare", "unshare", "-n", "--", bin,
			    "-f", "--config", conf, "--state-dir", state,
			    "--socket", sock, "--kernel", "none", "--ike-ports",
			    "0,0", (char *)NULL);
		else
			execl(bin, bin, "-f", "--config", conf, "--state-dir",
			    state, "--socket", sock, "--kernel", "none",
			    "--ike-ports", "0,0", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < WAIT_STEPS && stat(sock, &st) < 0; i++)
		usleep(50000);
	if (i == WAIT_STEPS) {
		fprintf(stderr, "config_rss: tunshd did not open %s (see %s)\n",
		    sock, log);
		kill(dm->tunshd, SIGTERM);
		abort();
	}
}

/*
 * A tunsh session that enters configure and stays: its stdin is a pipe
 * held open.  Returns once the session answered a command inside
 * configure, so the candidate exists.
 */
static void
session_open(struct daemon *dm, const char *dir, const char *tunsh)
{
	static const char script[] = "configure\ndo show version\n";
	char sock[256], line[512];
	int in[2], out[2];
	FILE *f;

	snprintf(sock, sizeof(sock), "%s/tunshd.sock", dir);
	if (pipe(in) < 0 || pipe(out) < 0)
		abort();
	if ((dm->tunsh = fork()) == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		close(in[1]);
		close(out[0]);
		execl(tunsh, tunsh, "--socket", sock, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	dm->to_tunsh = in[1];
	if (write(in[1], script, sizeof(script) - 1) < 0)
		abort();
	f = fdopen(out[0], "r");
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "configuration version") != NULL)
			break;
	if (feof(f)) {
		fprintf(stderr, "config_rss: the session ended early\n");
		abort();
	}
	/* The reader end stays open with the client: it writes nothing
	 * more until its stdin closes. */
}

static long
rss_bytes(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* unshare execs tunshd in its own process: the pid is the daemon's. */
static long
measure(const char *dir, size_t n, bool initiating, const char *tunshd,
    const char *tunsh)
{
	struct daemon dm = { 0 };
	char conf[256];
	int status;
	long rss;

	snprintf(conf, sizeof(conf), "%s/tunsh-%zu.conf", dir, n);
	bench_write_config_as(conf, n, !initiating);
	daemon_start(&dm, dir, conf, tunshd);
	session_open(&dm, dir, tunsh);
	rss = rss_bytes(dm.tunshd);
	close(dm.to_tunsh);
	kill(dm.tunsh, SIGTERM);
	waitpid(dm.tunsh, &status, 0);
	kill(dm.tunshd, SIGTERM);
	waitpid(dm.tunshd, &status, 0);
	unlink(conf);
	if (rss < 0) {
		fprintf(stderr, "config_rss: no VmRSS for tunshd\n");
		abort();
	}
	return rss;
}

/* The model alone: heap bytes held by a loaded configuration. */
static void
bench_model(const char *dir)
{
	struct mallinfo2 before, after;
	struct config *c;
	char conf[256];
	struct diag d;

	snprintf(conf, sizeof(conf), "%s/model.conf", dir);
	bench_write_config(conf, 10000);
	diag_init(&d);
	before = mallinfo2();
	if ((c = config_load_file(conf, &d)) == NULL)
		bench_die("loading the generated file", &d);
	after = mallinfo2();
	bench_report("config_model_bytes_per_tunnel_10000",
	    (double)(after.uordblks - before.uordblks) / 10000, "bytes");
	config_free(c);
	diag_clear(&d);
	unlink(conf);
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = { 1000, 10000, 100000 };
	const char *tunshd = argc > 1 ? argv[1] : TUNSH_BIN_DIR "/tunshd";
	const char *tunsh = argc > 2 ? argv[2] : TUNSH_BIN_DIR "/tunsh";
	size_t most = argc > 3 ? strtoul(argv[3], NULL, 10) : 100000;
	char dir[64], name[64];
	long base;

	log_set_level(LOG_LVL_WARN);
	bench_scratch(dir, sizeof(dir));
	bench_model(dir);
	base = measure(dir, 0, false, tunshd, tunsh);
	for (size_t i = 0;
	     i < sizeof(sizes) / sizeof(sizes[0]) && sizes[i] <= most; i++) {
		long rss = measure(dir, sizes[i], false, tunshd, tunsh);

		snprintf(name, sizeof(name), "config_rss_bytes_per_tunnel_%zu",
		    sizes[i]);
		bench_report(name, (double)(rss - base) / (double)sizes[i],
		    "bytes");
	}
	if (most >= 10000)
		bench_report("config_rss_bytes_per_tunnel_initiating_10000",
		    (double)(measure(dir, 10000, true, tunshd, tunsh) - base) /
			10000,
		    "bytes");
	bench_scratch_remove(dir);
	return 0;
}
