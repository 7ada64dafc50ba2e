/*
 * tests/unit/test_commands.c: the command tree driven line by line, as
 * golden transcripts (tests/cli/transcripts/, one .txt each).  A transcript is what
 * a person would see: a line that starts with the session's current
 * prompt and a space is typed, the lines up to the next such line are the
 * exact output expected.  Comment lines ("# ...") may head it; "# role:
 * operator" among them runs it as an operator.  A line typed that ends
 * in '?' shows the help there, one that ends in <TAB> the words Tab
 * completes, one a line.  Each runs on a fresh copy of tests/cli/transcripts/
 * base.conf with a store in a scratch directory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands/commands.h"
#include "tests/unit/test.h"

#define DIR_T TUNSH_SOURCE_DIR "/tests/cli/transcripts"

/* A fixed clock, so that history times read the same in every run. */
static int64_t
fixed_now(void *arg)
{
	(void)arg;
	return 1790000000; /* 2026-09-21 14:13:20 UTC */
}

static const struct config_clock fixed_clock = { fixed_now, NULL };

struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static void
out(void *arg, const char *line)
{
	struct capture *c = arg;

	fprintf(c->f, "%s\n", line);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int ch;

	assert_non_null(f);
	m = open_memstream(&buf, &len);
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(m);
	fclose(f);
	return buf;
}

static void
copy_file(const char *from, const char *to)
{
	char *text = slurp(from);
	FILE *f = fopen(to, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(text);
}

/* What a daemon holds, in a scratch directory: a store on base.conf. */
struct world {
	char dir[32];
	struct commands_env env;
};

static void
world_open(struct world *w)
{
	struct config_store_params p = { 0 };
	char conf[64], hist[64];
	struct diag d;

	memset(w, 0, sizeof(*w));
	snprintf(w->dir, sizeof(w->dir), "/tmp/tunsh-cmd-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(conf, sizeof(conf), "%s/tunsh.conf", w->dir);
	snprintf(hist, sizeof(hist), "%s/commits", w->dir);
	copy_file(DIR_T "/base.conf", conf);
	p.path = conf;
	p.history_dir = hist;
	p.clock = &fixed_clock;
	diag_init(&d);
	w->env.store = config_store_open(&p, &d);
	assert_non_null(w->env.store);
	diag_clear(&d);
	w->env.version = "test";
}

static void
world_close(struct world *w)
{
	char cmd[64];

	config_store_free(w->env.store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", w->dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * A line typed ending in '?' asks for help there, one ending in <TAB>
 * for the words Tab completes (one a line), as tunsh asks tunshd; any
 * other line is run.
 */
static void
run_typed(struct commands_session *s, const char *typed, struct capture *cap)
{
	size_t tl = strlen(typed);
	char line[1024];

	if (tl > 0 && typed[tl - 1] == '?') {
		snprintf(line, sizeof(line), "%.*s", (int)(tl - 1), typed);
		commands_complete(s, line, true, out, cap);
	} else if (tl >= 5 && strcmp(typed + tl - 5, "<TAB>") == 0) {
		snprintf(line, sizeof(line), "%.*s", (int)(tl - 5), typed);
		commands_complete(s, line, false, out, cap);
	} else {
		commands_run(s, typed);
	}
}

/* Runs one transcript; fails with the first difference. */
static void
run_transcript(const char *path)
{
	struct world w;
	struct commands_session *s;
	struct capture cap = { 0 };
	char *text = slurp(path), *line, *save = NULL, *expect;
	size_t elen = 0, lineno = 0, at_line = 0;
	char prompt[128], typed[1024] = { 0 };
	enum commands_role role = COMMANDS_ADMIN;
	/* TUNSH_GOLDEN_UPDATE=1: write what was seen back to the file. */
	bool update = getenv("TUNSH_GOLDEN_UPDATE") != NULL;
	char *regen = NULL;
	size_t rlen = 0;
	FILE *ef, *rf = open_memstream(&regen, &rlen);

	world_open(&w);
	if (strstr(text, "# role: operator\n") != NULL)
		role = COMMANDS_OPERATOR;
	cap.f = open_memstream(&cap.buf, &cap.len);
	s = commands_session_new(&w.env, "alice", "test", role, out, &cap);
	assert_non_null(s);
	/* The transcripts' files are this process's: open them as it. */
	commands_session_set_cred(s, getuid(), getgid());
	ef = open_memstream(&expect, &elen);
	for (line = strtok_r(text, "\n", &save);;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t pl;

		if (line != NULL)
			lineno++;
		/* Comments head a transcript, before the first line typed. */
		if (line != NULL && typed[0] == '\0' && line[0] == '#') {
			fprintf(rf, "%s\n", line);
			continue;
		}
		commands_prompt(s, prompt, sizeof(prompt));
		pl = strlen(prompt);
		if (line != NULL &&
		    !(strncmp(line, prompt, pl) == 0 && line[pl] == ' ')) {
			fprintf(ef, "%s\n", line);
			continue;
		}
		/* A typed line or the end: check what the last one said. */
		fflush(ef);
		fflush(cap.f);
		fwrite(cap.buf, 1, cap.len, rf);
		if (line != NULL)
			fprintf(rf, "%s\n", line);
		if (!update && typed[0] != '\0' &&
		    (cap.len != elen || memcmp(cap.buf, expect, elen) != 0))
			fail_msg("%s:%zu: after \"%s\" got:\n%.*s--- want:\n%s",
			    path, at_line, typed, (int)cap.len, cap.buf,
			    expect);
		if (line == NULL)
			break;
		fclose(cap.f);
		free(cap.buf);
		cap.f = open_memstream(&cap.buf, &cap.len);
		fclose(ef);
		free(expect);
		ef = open_memstream(&expect, &elen);
		snprintf(typed, sizeof(typed), "%s", line + pl + 1);
		at_line = lineno;
		run_typed(s, typed, &cap);
	}
	fclose(ef);
	free(expect);
	fclose(cap.f);
	free(cap.buf);
	fclose(rf);
	if (update) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fwrite(regen, 1, rlen, f);
		fclose(f);
	}
	free(regen);
	commands_session_free(s);
	world_close(&w);
	free(text);
}

static void
test_commands_transcripts(void **state)
{
	struct dirent *e;
	size_t n = 0;
	DIR *dh;

	(void)state;
	/* Files a transcript loads are named relative to its folder. */
	assert_int_equal(chdir(DIR_T), 0);
	assert_non_null(dh = opendir(DIR_T));
	while ((e = readdir(dh)) != NULL) {
		char path[512];
		size_t len = strlen(e->d_name);

		if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", DIR_T, e->d_name);
		print_message("transcript %s\n", e->d_name);
		run_transcript(path);
		n++;
	}
	closedir(dh);
	assert_true(n > 0);
}

static void
test_commands_exit_status(void **state)
{
	struct world w;
	struct commands_session *s;
	struct capture cap = { 0 };
	char prompt[64];

	(void)state;
	world_open(&w);
	cap.f = open_memstream(&cap.buf, &cap.len);
	s = commands_session_new(&w.env, "bob", "test", COMMANDS_ADMIN, out,
	    &cap);
	assert_int_equal(commands_run(s, "show version"), 0);
	assert_int_equal(commands_run(s, "bogus"), -1);
	assert_int_equal(commands_run(s, "  "), 0);
	assert_int_equal(commands_run(s, "! a comment"), 0);
	assert_int_equal(commands_run(s, "configure"), 0);
	assert_int_equal(commands_run(s, "ipsec tunnel t9"), 0);
	assert_int_equal(commands_run(s, "dpd timeout 99999"), -1);
	assert_int_equal(commands_run(s, "dpd timeout 20"), 0);
	assert_true(commands_uncommitted(s));
	commands_prompt(s, prompt, sizeof(prompt));
	assert_string_equal(prompt, "fw1(config-ipsec-tunnel-t9)#");
	/* Not valid yet (no remote-address, key, networks): refused. */
	assert_int_equal(commands_run(s, "commit"), -1);
	assert_int_equal(commands_run(s, "end"), 0);
	assert_int_equal(commands_run(s, "exit"), 0);
	assert_true(commands_session_done(s));
	commands_session_free(s);
	fclose(cap.f);
	free(cap.buf);
	world_close(&w);
}

static void
test_commands_complete_and_help(void **state)
{
	struct world w;
	struct commands_session *s;
	struct capture cap = { 0 };

	(void)state;
	world_open(&w);
	cap.f = open_memstream(&cap.buf, &cap.len);
	s = commands_session_new(&w.env, "bob", "test", COMMANDS_ADMIN, out,
	    &cap);
	/* Tab: the words that complete the last one. */
	assert_int_equal(commands_complete(s, "sh", false, out, &cap), 1);
	assert_int_equal(commands_complete(s, "show r", false, out, &cap), 1);
	fflush(cap.f);
	assert_string_equal(cap.buf, "show\nrunning-config\n");
	/* '?': each next word with its help. */
	rewind(cap.f);
	/* Every exec show command (libcli wraps long help onto more lines). */
	assert_true(commands_complete(s, "show ", true, out, &cap) >= 6);
	fputc('\0', cap.f);
	fflush(cap.f);
	assert_non_null(strstr(cap.buf, "  interfaces  "));
	assert_non_null(strstr(cap.buf, "  vlans  "));
	assert_non_null(strstr(cap.buf, "  users  "));
	assert_non_null(strstr(cap.buf,
	    "  version              Software and "
	    "configuration versions\n"));
	assert_int_equal(commands_complete(s, "bogus ", true, out, &cap), 0);
	commands_session_free(s);
	fclose(cap.f);
	free(cap.buf);
	world_close(&w);
}

static void
test_commands_exclusive_and_users(void **state)
{
	struct world w;
	struct commands_session *a, *b;
	struct capture ca = { 0 }, cb = { 0 };

	(void)state;
	world_open(&w);
	ca.f = open_memstream(&ca.buf, &ca.len);
	cb.f = open_memstream(&cb.buf, &cb.len);
	a = commands_session_new(&w.env, "alice", "ssh 192.0.2.1 4000",
	    COMMANDS_ADMIN, out, &ca);
	b = commands_session_new(&w.env, "bob", "console /dev/ttyS0",
	    COMMANDS_ADMIN, out, &cb);
	/* Exclusive is refused while another session configures. */
	assert_int_equal(commands_run(b, "configure"), 0);
	assert_int_equal(commands_run(a, "configure exclusive"), -1);
	assert_int_equal(commands_run(b, "end"), 0);
	assert_int_equal(commands_run(a, "configure exclusive"), 0);
	/* Then nobody else may configure or commit until it is released. */
	assert_int_equal(commands_run(b, "configure"), -1);
	assert_int_equal(commands_run(b, "show users"), 0);
	fputc('\0', cb.f);
	fflush(cb.f);
	assert_non_null(strstr(cb.buf,
	    "% configure: alice (ssh 192.0.2.1 4000) holds configure "
	    "exclusive; try again when they leave configuration mode\n"));
	assert_non_null(
	    strstr(cb.buf, "  1    alice        ssh 192.0.2.1 4000"));
	assert_non_null(strstr(cb.buf, "configure  00:00:0"));
	assert_non_null(strstr(cb.buf, " exclusive\n"));
	assert_non_null(
	    strstr(cb.buf, "* 2    bob          console /dev/ttyS0"));
	assert_int_equal(commands_run(a, "end"), 0);
	assert_int_equal(commands_run(b, "configure"), 0);
	commands_session_free(a);
	commands_session_free(b);
	assert_null(w.env.sessions);
	fclose(ca.f);
	free(ca.buf);
	fclose(cb.f);
	free(cb.buf);
	world_close(&w);
}

/* The server's end of clear session: it frees the session, as tunshd's
 * does, and keeps why. */
static void
end_session(void *arg, struct commands_session *s, const char *why)
{
	snprintf(arg, 200, "%s", why);
	commands_session_free(s);
}

static void
test_commands_clear_session(void **state)
{
	struct world w;
	struct commands_session *a, *o, *v;
	struct capture ca = { 0 }, co = { 0 }, cv = { 0 };
	char why[200] = "";

	(void)state;
	world_open(&w);
	w.env.end_session = end_session;
	w.env.end_arg = why;
	ca.f = open_memstream(&ca.buf, &ca.len);
	co.f = open_memstream(&co.buf, &co.len);
	cv.f = open_memstream(&cv.buf, &cv.len);
	a = commands_session_new(&w.env, "alice", "pipe", COMMANDS_ADMIN, out,
	    &ca);
	o = commands_session_new(&w.env, "olga", "pipe", COMMANDS_OPERATOR, out,
	    &co);
	v = commands_session_new(&w.env, "victor", "ssh 192.0.2.7 22",
	    COMMANDS_ADMIN, out, &cv);
	assert_int_equal(commands_session_id(v), 3);
	assert_int_equal(commands_run(v, "configure exclusive"), 0);
	assert_int_equal(commands_run(v, "hostname fw9"), 0);
	/* An operator is refused, and so are a bad ID and one's own. */
	assert_int_equal(commands_run(o, "clear session 3"), -1);
	assert_int_equal(commands_run(a, "clear session 9"), -1);
	assert_int_equal(commands_run(a, "clear session 1"), -1);
	assert_int_equal(commands_run(a, "clear session 3"), 0);
	assert_string_equal(why, "ended by admin alice (session 1, pipe)");
	assert_null(w.env.exclusive);
	assert_int_equal(commands_run(a, "configure exclusive"), 0);
	fputc('\0', ca.f);
	fflush(ca.f);
	fputc('\0', co.f);
	fflush(co.f);
	assert_non_null(strstr(co.buf,
	    "% clear session: permission denied: only admins may end "
	    "sessions (admins are root and group tunsh-admin)\n"));
	assert_non_null(strstr(ca.buf,
	    "% clear session 9: no such session; show users lists them\n"));
	assert_non_null(strstr(ca.buf,
	    "% clear session 1: this is your own session; exit ends it\n"));
	assert_non_null(strstr(ca.buf,
	    "session 3 of victor (ssh 192.0.2.7 22) ended; its uncommitted "
	    "changes are discarded; configure exclusive is released\n"));
	commands_session_free(a);
	commands_session_free(o);
	assert_null(w.env.sessions);
	fclose(ca.f);
	free(ca.buf);
	fclose(co.f);
	free(co.buf);
	fclose(cv.f);
	free(cv.buf);
	world_close(&w);
}

/* The whole capture so far, as a string. */
static const char *
captured(struct capture *c)
{
	fputc('\0', c->f);
	fflush(c->f);
	return c->buf;
}

/*
 * Lines that crashed tunshd (issue 9): "show " and 3,000 capitals and a
 * lone quote walked ios_error() past the end of the line.  For both
 * roles, the marker lands under the refused word, and a word too far
 * right for a marker gets the message alone.
 */
static void
test_commands_hostile_lines(void **state)
{
	static const enum commands_role roles[] = { COMMANDS_OPERATOR,
		COMMANDS_ADMIN };
	char line[3100];
	unsigned seed = 9;

	(void)state;
	memcpy(line, "show ", 5);
	for (size_t i = 5; i < 3005; i++) {
		seed = seed * 1103515245u + 12345u;
		line[i] = (char)('A' + (seed >> 16) % 26);
	}
	memcpy(line + 3005, "'\"", 3);
	for (size_t r = 0; r < 2; r++) {
		struct world w;
		struct commands_session *s;
		struct capture cap = { 0 };
		char far[700];

		world_open(&w);
		cap.f = open_memstream(&cap.buf, &cap.len);
		s = commands_session_new(&w.env, "bob", "test", roles[r], out,
		    &cap);
		assert_int_equal(commands_run(s, line), -1);
		/* "fw1> " or "fw1# ", then "show ": the word is at 10. */
		assert_string_equal(captured(&cap),
		    "          ^\n"
		    "% Invalid input detected at '^' marker.\n");
		rewind(cap.f);
		snprintf(far, sizeof(far), "show%*s", 600, "bogus");
		assert_int_equal(commands_run(s, far), -1);
		assert_string_equal(captured(&cap),
		    "% Invalid input detected at '^' marker.\n");
		rewind(cap.f);
		assert_int_equal(commands_run(s, "'\""), -1);
		assert_int_equal(commands_run(s, "|"), -1);
		assert_int_equal(commands_run(s, "show version"), 0);
		/* Help after a filter's argument crashed libcli (CI fuzz). */
		rewind(cap.f);
		assert_int_equal(commands_complete(s, "show log | begin INFO ",
				     true, out, &cap),
		    0);
		assert_int_equal(commands_complete(s,
				     "show log | begin \"x | y\" ", true, out,
				     &cap),
		    0);
		assert_int_equal(commands_complete(s,
				     "show log | begin x | include y ", true,
				     out, &cap),
		    0);
		assert_string_equal(captured(&cap), "  <cr>\n  <cr>\n  <cr>\n");
		commands_session_free(s);
		fclose(cap.f);
		free(cap.buf);
		world_close(&w);
	}
}

/*
 * Text users gave reaches other terminals escaped (issue 9, defect 12):
 * an error that echoes the word typed, the source of a session in show
 * users, a commit comment in show log.  No ESC byte in any output.
 */
static void
test_commands_output_escapes_control_characters(void **state)
{
	struct world w;
	struct commands_session *s;
	struct capture cap = { 0 };
	const char *got;

	(void)state;
	world_open(&w);
	assert_int_equal(log_ring_init(16), 0);
	cap.f = open_memstream(&cap.buf, &cap.len);
	s = commands_session_new(&w.env, "bob", "ssh \x1b]0;owned\x07",
	    COMMANDS_ADMIN, out, &cap);
	assert_int_equal(commands_run(s, "show running-config \x1b[2J"), -1);
	assert_int_equal(commands_run(s, "show users"), 0);
	/* The total of | count, and a bad pattern echoed in an error. */
	assert_int_equal(commands_run(s, "show version | count"), 0);
	assert_int_equal(commands_run(s, "show version | include \x1b[("), -1);
	assert_int_equal(commands_run(s, "configure"), 0);
	assert_int_equal(commands_run(s, "ipsec tunnel branch-1"), 0);
	assert_int_equal(commands_run(s, "dpd timeout 20"), 0);
	assert_int_equal(commands_run(s, "commit comment a\x1b[2Jb"), 0);
	assert_int_equal(commands_run(s, "end"), 0);
	assert_int_equal(commands_run(s, "show log"), 0);
	got = captured(&cap);
	assert_non_null(strstr(got,
	    "% show running-config: unexpected \"\\x1b[2J\"; give "));
	assert_non_null(strstr(got, " bob          ssh \\x1b]0;owned\\x07 "));
	assert_non_null(strstr(got, "(comment \"a\\x1b[2Jb\")"));
	assert_non_null(strstr(got, "\n2\n"));
	assert_non_null(strstr(got, "% include: \"\\x1b[(\" is not a regular"));
	assert_null(memchr(got, '\r', cap.len));
	assert_null(memchr(got, '\x1b', cap.len));
	assert_null(memchr(got, '\x07', cap.len));
	commands_session_free(s);
	log_ring_init(0);
	fclose(cap.f);
	free(cap.buf);
	world_close(&w);
}

/* The buffers a renderer handed over, remembered to be looked at again
 * once it has returned. */
struct seen {
	const char *bufs[8];
	size_t n;
};

static int
remember_key_line(void *arg, const char *line)
{
	struct seen *w = arg;

	if (strstr(line, "example-only-change-me-0001") == NULL || w->n == 8)
		return 0;
	/* Stop there, as a failed write would: no later line overwrites
	 * the buffer, and the error path must wipe too. */
	w->bufs[w->n++] = line;
	return -EIO;
}

/* Whether the key is still in the memory that held one of the lines.
 * The renderer has returned: its stack buffers are dead but not yet
 * reused (this loop calls nothing); what a later deep call, or a core
 * dump, would find there. */
static bool
key_left(const struct seen *w)
{
	static const char key[] = "example-only-change-me-0001";

	for (size_t i = 0; i < w->n; i++) {
		const volatile char *p = w->bufs[i];

		for (size_t k = 0; k + sizeof(key) - 1 <= 256; k++) {
			size_t j = 0;

			while (j < sizeof(key) - 1 && p[k + j] == key[j])
				j++;
			if (j == sizeof(key) - 1)
				return true;
		}
	}
	return false;
}

/*
 * Issue 9, defect 16: the renderers format keys (show-secrets, diffs,
 * save) into buffers of their own and hand them to a callback; once they
 * return, those buffers hold no key.
 */
static void
test_commands_renderers_wipe_key_buffers(void **state)
{
	struct config_render_opts o = { .show_secrets = true };
	struct world w;
	struct seen seen = { 0 };
	const struct config *running;
	struct config *empty;
	struct diag d;

	(void)state;
	world_open(&w);
	running = config_store_running(w.env.store);
	assert_int_equal(config_render(running, &o, remember_key_line, &seen),
	    -EIO);
	assert_true(seen.n > 0);
	assert_false(key_left(&seen));
	seen.n = 0;
	assert_true(
	    config_render_json(running, &o, remember_key_line, &seen) < 0);
	assert_true(seen.n > 0);
	assert_false(key_left(&seen));
	/* A deleted tunnel, as show compare renders it (with the key, to
	 * tell a changed one). */
	diag_init(&d);
	empty = config_load_string("hostname = \"fw1\";", "empty", &d);
	assert_non_null(empty);
	seen.n = 0;
	assert_true(config_render_diff(running, empty, true, remember_key_line,
			&seen) < 0);
	assert_true(seen.n > 0);
	assert_false(key_left(&seen));
	config_free(empty);
	diag_clear(&d);
	world_close(&w);
}

/*
 * Issue 12: "| inc" printed nothing or everything, at random (libcli's
 * filters compared the word with the full name).  Every filter, by every
 * prefix, 20 times: the same lines as its full name.
 */
static void
test_commands_filter_prefixes(void **state)
{
	static const char *const filters[] = { "begin vlan", "count ipsec",
		"exclude ipsec", "include ipsec", "section ipsec tunnel b" };
	struct world w;
	struct commands_session *s;
	struct capture cap = { 0 };
	char line[128], *want;

	(void)state;
	world_open(&w);
	cap.f = open_memstream(&cap.buf, &cap.len);
	s = commands_session_new(&w.env, "bob", "test", COMMANDS_OPERATOR, out,
	    &cap);
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		const char *f = filters[i];
		size_t name = strcspn(f, " ");

		snprintf(line, sizeof(line), "show running-config | %s", f);
		assert_int_equal(commands_run(s, line), 0);
		want = strdup(captured(&cap));
		assert_true(strlen(want) > 0);
		for (size_t len = 1; len <= name; len++)
			for (int k = 0; k < 20; k++) {
				rewind(cap.f);
				snprintf(line, sizeof(line),
				    "show running-config | %.*s %s", (int)len,
				    f, f + name + 1);
				assert_int_equal(commands_run(s, line), 0);
				assert_string_equal(captured(&cap), want);
			}
		rewind(cap.f);
		free(want);
	}
	commands_session_free(s);
	fclose(cap.f);
	free(cap.buf);
	world_close(&w);
}

/* '?' and Tab after '|': the filters with their help, then what the
 * pattern is; libcli is never asked (it crashed on some of these). */
static void
test_commands_filter_help(void **state)
{
	struct world w;
	struct commands_session *s;
	struct capture cap = { 0 };

	(void)state;
	world_open(&w);
	cap.f = open_memstream(&cap.buf, &cap.len);
	s = commands_session_new(&w.env, "bob", "test", COMMANDS_ADMIN, out,
	    &cap);
	assert_int_equal(
	    commands_complete(s, "show version | ", true, out, &cap), 5);
	assert_string_equal(captured(&cap),
	    "  begin                Lines from the first that matches REGEX "
	    "on\n"
	    "  count                The number of lines (that match REGEX), "
	    "not the lines\n"
	    "  exclude              Lines that do not match REGEX\n"
	    "  include              Lines that match REGEX\n"
	    "  section              Each block whose first line matches "
	    "REGEX\n");
	rewind(cap.f);
	assert_int_equal(
	    commands_complete(s, "show version |e", false, out, &cap), 1);
	assert_int_equal(
	    commands_complete(s, "sh ver | inc x | s", false, out, &cap), 1);
	assert_int_equal(commands_complete(s, "sh ver | x", false, out, &cap),
	    0);
	assert_int_equal(commands_complete(s, "sh ver | inc ", true, out, &cap),
	    1);
	assert_int_equal(
	    commands_complete(s, "sh ver | count ", true, out, &cap), 2);
	assert_int_equal(commands_complete(s, "sh ver | count \"a|b\" ", true,
			     out, &cap),
	    0);
	assert_int_equal(
	    commands_complete(s, "sh ver | bogus ", true, out, &cap), 0);
	assert_string_equal(captured(&cap),
	    "exclude\nsection\n"
	    "  REGEX                POSIX extended regular expression: "
	    "^ipsec, (aws|azure)\n"
	    "  <cr>\n"
	    "  REGEX                POSIX extended regular expression: "
	    "^ipsec, (aws|azure)\n"
	    "  <cr>\n");
	commands_session_free(s);
	fclose(cap.f);
	free(cap.buf);
	world_close(&w);
}

/*
 * Issue 12: configure, end with no change, another session commits,
 * configure again: the candidate must be a fresh copy of running (an old
 * one showed the other commit reversed, and its commit was refused).
 * A candidate with changes is kept.
 */
static void
test_commands_configure_takes_fresh_candidate(void **state)
{
	struct world w;
	struct commands_session *a, *b;
	struct capture ca = { 0 }, cb = { 0 };

	(void)state;
	world_open(&w);
	ca.f = open_memstream(&ca.buf, &ca.len);
	cb.f = open_memstream(&cb.buf, &cb.len);
	a = commands_session_new(&w.env, "alice", "pipe", COMMANDS_ADMIN, out,
	    &ca);
	b = commands_session_new(&w.env, "bob", "pipe", COMMANDS_ADMIN, out,
	    &cb);
	assert_int_equal(commands_run(a, "configure"), 0);
	assert_int_equal(commands_run(a, "ipsec tunnel branch-1"), 0);
	assert_int_equal(commands_run(a, "end"), 0);
	assert_int_equal(commands_run(b, "configure"), 0);
	assert_int_equal(commands_run(b, "ipsec tunnel branch-1"), 0);
	assert_int_equal(commands_run(b, "dpd timeout 25"), 0);
	assert_int_equal(commands_run(b, "commit"), 0);
	rewind(ca.f);
	assert_int_equal(commands_run(a, "configure"), 0);
	assert_int_equal(commands_run(a, "show compare"), 0);
	assert_string_equal(captured(&ca), "");
	assert_int_equal(commands_run(a, "ipsec tunnel branch-1"), 0);
	assert_int_equal(commands_run(a, "dpd delay 60"), 0);
	assert_int_equal(commands_run(a, "end"), 0);
	/* With a change, the candidate stays (and end said so). */
	assert_int_equal(commands_run(a, "configure"), 0);
	rewind(ca.f);
	assert_int_equal(commands_run(a, "show compare"), 0);
	assert_string_equal(captured(&ca),
	    "[edit ipsec tunnel branch-1]\n+  dpd delay 60\n");
	assert_int_equal(commands_run(a, "commit"), 0);
	commands_session_free(a);
	commands_session_free(b);
	fclose(ca.f);
	free(ca.buf);
	fclose(cb.f);
	free(cb.buf);
	world_close(&w);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_commands_clear_session),
	cmocka_unit_test(test_commands_exclusive_and_users),
	cmocka_unit_test(test_commands_complete_and_help),
	cmocka_unit_test(test_commands_transcripts),
	cmocka_unit_test(test_commands_exit_status),
	cmocka_unit_test(test_commands_hostile_lines),
	cmocka_unit_test(test_commands_renderers_wipe_key_buffers),
	cmocka_unit_test(test_commands_output_escapes_control_characters),
	cmocka_unit_test(test_commands_filter_prefixes),
	cmocka_unit_test(test_commands_filter_help),
	cmocka_unit_test(test_commands_configure_takes_fresh_candidate),
};

TUNSH_TEST_MAIN(tests)
