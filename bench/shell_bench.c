/*
 * bench/shell_bench.c: how fast the shell answers at scale.
 *   shell_c_show_run_ms_1000   tunsh -c 'show running-config' against a
 *                              running tunshd with 1,000 tunnels, from
 *                              start to exit (what ssh fw1 'show ...' costs)
 *   show_run_ms_10000          show running-config of 10,000 tunnels in
 *                              the daemon's session
 *   complete_ms_10000          one '?' listing at 10,000 tunnels
 *   config_line_us_10000       one configuration line in a tunnel context
 * Prints BENCH lines only; medians of repeated runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "commands/commands.h"

#define RUNS 21

extern char **environ;

static size_t bytes;

static void
count_out(void *arg, const char *line)
{
	(void)arg;
	bytes += strlen(line) + 1;
}

static pid_t
spawn(char *const argv[], bool quiet)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	if (quiet) {
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO,
		    "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO,
		    "/dev/null", O_WRONLY, 0);
	}
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		fprintf(stderr, "shell_bench: cannot run %s\n", argv[0]);
		abort();
	}
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* tunsh -c against a real tunshd on a 1,000-tunnel configuration. */
static void
bench_tunsh_c(const char *dir)
{
	char conf[128], state[128], sock[128],
	    tunshd[] = TUNSH_BIN_DIR "/tunshd",
	    tunsh[] = TUNSH_BIN_DIR "/tunsh";
	char cfg_opt[] = "--config", st_opt[] = "--state-dir",
	     so_opt[] = "--socket", fg[] = "-f", c_opt[] = "-c",
	     line[] = "show running-config";
	double t[RUNS];
	struct stat st;
	int status;
	pid_t d;

	snprintf(conf, sizeof(conf), "%s/tunsh-1000.conf", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(sock, sizeof(sock), "%s/tunshd.sock", dir);
	bench_write_config(conf, 1000);
	{
		char *argv[] = { tunshd, fg, cfg_opt, conf, st_opt, state,
			so_opt, sock, NULL };

		d = spawn(argv, true);
	}
	for (int i = 0; i < 100 && stat(sock, &st) < 0; i++)
		usleep(50000);
	for (size_t i = 0; i < RUNS; i++) {
		char *argv[] = { tunsh, so_opt, sock, c_opt, line, NULL };
		double t0 = bench_now_ms();

		waitpid(spawn(argv, true), &status, 0);
		t[i] = bench_now_ms() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "shell_bench: tunsh -c failed\n");
			abort();
		}
	}
	kill(d, SIGTERM);
	waitpid(d, &status, 0);
	bench_report("shell_c_show_run_ms_1000", bench_median(t, RUNS), "ms");
}

/* In the daemon's own session, at 10,000 tunnels. */
static void
bench_session(const char *dir)
{
	struct config_store_params p = { 0 };
	struct commands_env env = { .version = "bench" };
	struct commands_session *s;
	double show[RUNS], help[RUNS], line[RUNS * 10];
	char conf[128], cmd[64];
	struct diag d;

	snprintf(conf, sizeof(conf), "%s/tunsh-10000.conf", dir);
	bench_write_config(conf, 10000);
	p.path = conf;
	diag_init(&d);
	if ((env.store = config_store_open(&p, &d)) == NULL)
		bench_die("config_store_open", &d);
	s = commands_session_new(&env, "bench", "bench", COMMANDS_ADMIN,
	    count_out, NULL);
	for (size_t i = 0; i < RUNS; i++) {
		double t0 = bench_now_ms();

		bytes = 0;
		commands_run(s, "show running-config");
		show[i] = bench_now_ms() - t0;
		t0 = bench_now_ms();
		commands_complete(s, "show ", true, count_out, NULL);
		help[i] = bench_now_ms() - t0;
	}
	if (bytes < 10000 * 100) {
		fprintf(stderr, "shell_bench: show printed %zu bytes only\n",
		    bytes);
		abort();
	}
	commands_run(s, "configure");
	commands_run(s, "ipsec tunnel t05000");
	for (size_t i = 0; i < RUNS * 10; i++) {
		double t0;

		snprintf(cmd, sizeof(cmd), "dpd timeout %zu", 10 + i % 50);
		t0 = bench_now_ms();
		if (commands_run(s, cmd) < 0) {
			fprintf(stderr, "shell_bench: %s failed\n", cmd);
			abort();
		}
		line[i] = bench_now_ms() - t0;
	}
	bench_report("show_run_ms_10000", bench_median(show, RUNS), "ms");
	bench_report("complete_ms_10000", bench_median(help, RUNS), "ms");
	bench_report("config_line_us_10000",
	    1000 * bench_median(line, RUNS * 10), "us");
	commands_session_free(s);
	config_store_free(env.store);
	diag_clear(&d);
}

int
main(void)
{
	char dir[64];

	log_set_level(LOG_LVL_WARN);
	bench_scratch(dir, sizeof(dir));
	bench_tunsh_c(dir);
	bench_session(dir);
	bench_scratch_remove(dir);
	return 0;
}
