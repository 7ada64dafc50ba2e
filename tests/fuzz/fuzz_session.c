/*
 * tests/fuzz/fuzz_session.c: what an operator or an admin can type.  Each
 * input is one session: its first byte picks the role (odd: admin), the
 * rest is lines separated by newlines, run as tunshd's sessions server
 * runs a LINE frame (commands_run on a copy of exactly the line's bytes,
 * then commands_uncommitted for the status); a line ending in a Tab or
 * '?' is a COMPLETE or HELP frame instead (commands_complete).  Modes are
 * reached by the lines themselves (configure, ipsec tunnel x, ...).  Every
 * line of output must be free of control characters.
 *
 * Fuzzed lines run save and load on invented paths, so the process
 * first moves into a scratch root: a private mount namespace (a user
 * namespace too when not root), the directories libFuzzer reads and
 * writes (corpus, artifacts, inputs) bound in at their own paths, then
 * chroot() and chdir("/").  "save /etc/passwd" writes the scratch
 * root's /etc/passwd, which does not exist; there is no /dev, so no
 * FIFO or /dev/zero for load to block on, and no /proc.  The store's
 * files are /tunsh.conf and /commits inside it, reset for every input.
 * Without /proc LeakSanitizer cannot run, so leaks are not looked for
 * here (unit_commands and the integration tests do, under ASan).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "commands/commands.h"

#define BASE_CONF TUNSH_SOURCE_DIR "/tests/cli/transcripts/base.conf"

static char root[] = "/tmp/tunsh-fuzz-session.XXXXXX";
static char *base_text; /* base.conf, read before the chroot */
static size_t base_len;

int LLVMFuzzerInitialize(int *argc, char ***argv);
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Initialization failures: the harness cannot run safely, so it does not
 * run at all (this is the program's start, before libFuzzer's main loop). */
static void
die(const char *what, const char *path)
{
	fprintf(stderr, "fuzz_session: %s %s: %s\n", what, path ? path : "",
	    strerror(errno));
	exit(1);
}

static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) < 0 || close(fd) < 0)
		die("cannot write", path);
}

/* Not root: root of a user namespace of our own, which may chroot. */
static void
enter_user_namespace(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER) < 0)
		die("cannot make a user namespace (needed when not root)", "");
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	write_file("/proc/self/gid_map", map);
}

/* mkdir -p of path inside the scratch root. */
static void
make_dirs(const char *inside)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s%s", root, inside);
	for (char *s = p + strlen(root) + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			die("cannot create", p);
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		die("cannot create", p);
}

/* A file or directory libFuzzer will use, at its own path in the root. */
static void
bind_in(const char *path)
{
	char real[PATH_MAX], at[PATH_MAX + sizeof(root)];
	struct stat st;

	if (realpath(path, real) == NULL || stat(real, &st) < 0)
		return; /* libFuzzer will say so itself */
	snprintf(at, sizeof(at), "%s%s", root, real);
	if (S_ISDIR(st.st_mode)) {
		make_dirs(real);
	} else {
		char dir[PATH_MAX];
		int fd;

		snprintf(dir, sizeof(dir), "%s", real);
		*strrchr(dir, '/') = '\0';
		if (dir[0] != '\0')
			make_dirs(dir);
		if ((fd = open(at, O_WRONLY | O_CREAT, 0600)) < 0)
			die("cannot create", at);
		close(fd);
	}
	if (mount(real, at, NULL, MS_BIND, NULL) < 0)
		die("cannot bind", real);
}

/* The directory part of an artifact prefix ("dir/" or "dir/name-"). */
static void
bind_prefix_dir(const char *prefix)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", prefix);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0';
	bind_in(dir);
}

static void
read_base(void)
{
	FILE *f = fopen(BASE_CONF, "r");

	if (f == NULL)
		die("cannot read", BASE_CONF);
	base_text = malloc(1 << 16);
	if (base_text == NULL)
		die("out of memory reading", BASE_CONF);
	base_len = fread(base_text, 1, (1 << 16) - 1, f);
	base_text[base_len] = '\0';
	fclose(f);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *args[256], prefix[PATH_MAX + 32],
	    no_leaks[] = "-detect_leaks=0";
	static char art[] = "/tmp/tunsh-fuzz-session-artifacts.XXXXXX";
	char sym[128];
	bool have_prefix = false;
	int n = 0;

	read_base();
	if (mkdtemp(root) == NULL)
		die("cannot create", root);
	if (geteuid() != 0)
		enter_user_namespace();
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("cannot make a private mount namespace", "");
	for (int i = 0; i < *argc && n < 253; i++) {
		const char *a = (*argv)[i];

		args[n++] = (*argv)[i];
		if (i == 0)
			continue;
		if (a[0] != '-') {
			bind_in(a);
		} else if (strncmp(a, "-artifact_prefix=", 17) == 0) {
			bind_prefix_dir(a + 17);
			have_prefix = true;
		} else if (strncmp(a, "-exact_artifact_path=", 21) == 0) {
			bind_prefix_dir(a + 21);
			have_prefix = true;
		} else if (strncmp(a, "-dict=", 6) == 0) {
			bind_in(a + 6);
		}
	}
	args[n++] = no_leaks;
	/* Crashes go to ./ by default, which the chroot would hide. */
	if (!have_prefix) {
		if (mkdtemp(art) == NULL)
			die("cannot create", art);
		snprintf(prefix, sizeof(prefix), "-artifact_prefix=%s/", art);
		args[n++] = prefix;
		bind_in(art);
		fprintf(stderr, "fuzz_session: crashes go to %s/\n", art);
	}
	args[n] = NULL;
	*argc = n;
	*argv = args;
	/* A crash report is symbolized by llvm-symbolizer, which the chroot
	 * would hide: start it now, and it stays. */
	__sanitizer_symbolize_pc(__builtin_return_address(0), "%p %F %L", sym,
	    sizeof(sym));
	if (chroot(root) < 0 || chdir("/") < 0)
		die("cannot chroot to", root);
	if (mkdir("/commits", 0700) < 0)
		die("cannot create", "/commits");
	fprintf(stderr, "fuzz_session: in %s (chroot)\n", root);
	return 0;
}

/* What tunshd's log sink would do, without the noise. */
static void
log_discard(enum log_level lvl, const char *subsys, const char *func,
    const char *msg, void *arg)
{
	(void)lvl;
	(void)subsys;
	(void)func;
	(void)arg;
	if (strlen(msg) >= 1024)
		__builtin_trap();
}

/* Each line of output: read whole (ASan sees an unterminated one) and
 * free of control characters, which would reach a terminal. */
static void
out(void *arg, const char *line)
{
	(void)arg;
	for (const unsigned char *p = (const unsigned char *)line; *p != '\0';
	     p++)
		if (*p < 0x20 || *p == 0x7f)
			__builtin_trap();
}

/* The previous input's files go: every file in / and /commits except
 * the directories libFuzzer uses, which are bound in. */
static void
reset_files(void)
{
	static const char *const dirs[] = { "/", "/commits/" };

	for (size_t i = 0; i < 2; i++) {
		DIR *dh = opendir(dirs[i]);
		struct dirent *e;

		while (dh != NULL && (e = readdir(dh)) != NULL) {
			char p[300];

			if (e->d_type == DT_DIR)
				continue;
			snprintf(p, sizeof(p), "%s%s", dirs[i], e->d_name);
			unlink(p);
		}
		if (dh != NULL)
			closedir(dh);
	}
	write_file("/tunsh.conf", base_text);
}

/* One line as the server takes it: a frame's bytes, copied. */
static bool
run_one(struct commands_session *s, const uint8_t *p, size_t len)
{
	char *line;

	/* A NUL in a LINE frame ends the connection (server.c). */
	if (memchr(p, '\0', len) != NULL)
		return false;
	if ((line = strndup((const char *)p, len)) == NULL)
		return false;
	if (len > 0 && (p[len - 1] == '\t' || p[len - 1] == '?')) {
		line[len - 1] = '\0';
		commands_complete(s, line, p[len - 1] == '?', out, NULL);
	} else {
		commands_run(s, line);
		commands_uncommitted(s);
	}
	free(line);
	return !commands_session_done(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_store_params p = { .path = "/tunsh.conf",
		.history_dir = "/commits" };
	struct commands_env env = { .version = "fuzz" };
	struct commands_session *s;
	struct diag d;
	size_t off = 1;

	if (size == 0)
		return 0;
	reset_files();
	log_set_sink(log_discard, NULL);
	log_ring_init(32);
	diag_init(&d);
	env.store = config_store_open(&p, &d);
	diag_clear(&d);
	if (env.store == NULL)
		__builtin_trap(); /* base.conf is valid */
	s = commands_session_new(&env, "fuzz", "fuzz",
	    data[0] & 1 ? COMMANDS_ADMIN : COMMANDS_OPERATOR, out, NULL);
	while (s != NULL && off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (data + off)) : size - off;

		if (!run_one(s, data + off, len))
			break;
		off += len + 1;
	}
	commands_session_free(s);
	config_store_free(env.store);
	return 0;
}
