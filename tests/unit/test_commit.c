/*
 * tests/unit/test_commit.c: the commit engine (config/store.c) through a
 * recording apply double, a fake clock and real files in a scratch
 * directory: order of steps, failure at every step, stale bases, commit
 * confirmed, history and rollback, and an atomic save killed midway.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "tests/unit/test.h"

#define MAX_CALLS 64

/* The apply double: records every call; fails forward step fail_at. */
struct recorder {
	char calls[MAX_CALLS][160];
	size_t n;
	size_t forward; /* calls that were not undos */
	size_t fail_at; /* 1-based; 0 = never */
	bool undoing;
	size_t finishes;     /* finish calls (not in calls[]) */
	size_t steps_before; /* calls made when finish last ran */
	bool fail_finish;
};

static int
rec_apply(void *arg, const struct config_plan_step *s, const struct config *cfg,
    struct diag *d)
{
	struct recorder *r = arg;
	char what[128];

	(void)cfg;
	config_plan_step_describe(s, what, sizeof(what));
	if (r->n < MAX_CALLS)
		snprintf(r->calls[r->n++], sizeof(r->calls[0]), "%s", what);
	if (r->fail_at != 0 && ++r->forward == r->fail_at) {
		diag_error(d, "injected failure");
		r->fail_at = 0; /* undos succeed */
		return -EIO;
	}
	return 0;
}

/* Once per plan, after its steps (the nftables table in tunshd). */
static int
rec_finish(void *arg, const struct config *cfg, struct diag *d)
{
	struct recorder *r = arg;

	(void)cfg;
	r->finishes++;
	r->steps_before = r->n;
	if (r->fail_finish) {
		diag_error(d, "injected finish failure");
		return -EIO;
	}
	return 0;
}

static const struct config_apply_ops rec_ops = { .apply = rec_apply,
	.finish = rec_finish };

static int64_t fake_time;

static int64_t
fake_now(void *arg)
{
	(void)arg;
	return fake_time;
}

static const struct config_clock fake_clock = { fake_now, NULL };

struct fixture {
	char dir[64];
	char path[128];
	char hist[128];
	struct recorder rec;
	struct config_store *store;
	struct diag d;
};

static const char base_conf[] =
    "hostname = \"fw1\";\n"
    "interfaces = ( { name = \"wan1\"; address = \"203.0.113.2/24\"; } );\n"
    "vlans = ( { id = 20; subnet = \"10.20.5.0/24\"; } );\n"
    "tunnels = (\n"
    "  { name = \"a\"; wan-port = \"wan1\"; remote-address = \"198.51.100.1\";\n"
    "    pre-shared-key = \"aaaaaaaaaaaaaaaaaaaaaaaa\";\n"
    "    remote-network = [ \"172.16.1.0/24\" ];\n"
    "    local-network = [ \"vlan 20\" ]; },\n"
    "  { name = \"b\"; wan-port = \"wan1\"; remote-address = \"198.51.100.2\";\n"
    "    pre-shared-key = \"bbbbbbbbbbbbbbbbbbbbbbbb\";\n"
    "    remote-network = [ \"172.16.2.0/24\" ];\n"
    "    local-network = [ \"vlan 20\" ]; }\n"
    ");\n";

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void
spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct config_store *
open_store(struct fixture *fx, unsigned history_max)
{
	struct config_store_params p = {
		.path = fx->path,
		.history_dir = fx->hist,
		.history_max = history_max,
		.apply = &rec_ops,
		.apply_arg = &fx->rec,
		.clock = &fake_clock,
	};

	return config_store_open(&p, &fx->d);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tunsh-test-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/tunsh.conf", fx->dir);
	snprintf(fx->hist, sizeof(fx->hist), "%s/commits", fx->dir);
	spit(fx->path, base_conf);
	diag_init(&fx->d);
	fake_time = 1000000;
	fx->store = open_store(fx, 0);
	assert_non_null(fx->store);
	/* Start-up applies the whole file: the system, then two adds. */
	assert_int_equal(fx->rec.n, 3);
	assert_string_equal(fx->rec.calls[0],
	    "apply system settings "
	    "(hostname, interfaces, VLANs, client-vpn pool, metrics)");
	assert_string_equal(fx->rec.calls[1], "add ipsec tunnel a");
	assert_string_equal(fx->rec.calls[2], "add ipsec tunnel b");
	memset(&fx->rec, 0, sizeof(fx->rec));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[160];

	config_store_free(fx->store);
	diag_clear(&fx->d);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static int
collect(void *arg, const char *line)
{
	FILE *f = arg;

	fprintf(f, "%s\n", line);
	return 0;
}

/* The configuration as text with secrets, for comparing states. */
static char *
render(const struct config *c)
{
	struct config_render_opts o = { .show_secrets = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	config_render(c, &o, collect, f);
	fclose(f);
	return buf;
}

static void
set(struct config *c, const char *tunnel, enum config_field f,
    const char *value)
{
	struct diag d;
	struct config_tunnel *t;

	diag_init(&d);
	t = config_tunnel_edit(c, tunnel, true, &d);
	assert_non_null(t);
	assert_int_equal(config_tunnel_set(t, f, value, &d), 0);
	diag_clear(&d);
}

static const struct config_commit_opts plain = { .user = "alice",
	.source = "ssh 192.0.2.9",
	.comment = "test" };

/* Three kinds of step in one commit: remove, change, add, in that order. */
static struct config *
three_step_candidate(struct fixture *fx)
{
	struct config *c = config_store_candidate(fx->store);

	assert_int_equal(config_tunnel_remove(c, "a"), 0);
	set(c, "b", CF_DPD_TIMEOUT, "20");
	set(c, "c", CF_WAN_PORT, "wan1");
	set(c, "c", CF_REMOTE_ADDRESS, "198.51.100.3");
	set(c, "c", CF_PSK, "cccccccccccccccccccccccc");
	set(c, "c", CF_REMOTE_NETWORK, "172.16.3.0/24");
	set(c, "c", CF_LOCAL_NETWORK, "vlan 20");
	return c;
}

static void
test_commit_applies_plan_in_order(void **state)
{
	struct fixture *fx = *state;
	struct config *c = three_step_candidate(fx);
	char *disk;

	assert_int_equal(config_store_commit(fx->store, c, &plain, &fx->d), 0);
	assert_int_equal(fx->rec.n, 3);
	assert_string_equal(fx->rec.calls[0], "remove ipsec tunnel a");
	assert_string_equal(fx->rec.calls[1],
	    "change ipsec tunnel b (in place: dpd timeout)");
	assert_string_equal(fx->rec.calls[2], "add ipsec tunnel c");
	assert_null(config_tunnel_find(config_store_running(fx->store), "a"));
	assert_non_null(
	    config_tunnel_find(config_store_running(fx->store), "c"));
	/* The file on disk holds the new configuration. */
	disk = slurp(fx->path);
	assert_non_null(strstr(disk, "name = \"c\""));
	assert_null(strstr(disk, "name = \"a\""));
	free(disk);
	/* The candidate goes on, rebased on the new version. */
	assert_int_equal(c->version, config_store_running(fx->store)->version);
	assert_int_equal(c->n_touched, 0);
	config_free(c);
}

static void
test_commit_failure_at_every_step_changes_nothing(void **state)
{
	struct fixture *fx = *state;

	for (size_t n = 1; n <= 3; n++) {
		struct config *c = three_step_candidate(fx);
		char *before = render(config_store_running(fx->store));
		char *disk_before = slurp(fx->path);
		char *after, *disk_after, want[192];
		size_t forward = n;

		memset(&fx->rec, 0, sizeof(fx->rec));
		fx->rec.fail_at = n;
		diag_clear(&fx->d);
		assert_int_equal(
		    config_store_commit(fx->store, c, &plain, &fx->d), -EIO);
		/* n forward calls, then the n - 1 applied ones undone. */
		assert_int_equal(fx->rec.n, forward + (n - 1));
		if (n >= 2)
			assert_string_equal(fx->rec.calls[n],
			    n == 2 ? "add ipsec tunnel a" :
				     "change ipsec tunnel b (in place: dpd "
				     "timeout)");
		if (n == 3)
			assert_string_equal(fx->rec.calls[4],
			    "add ipsec tunnel a");
		snprintf(want, sizeof(want),
		    "commit failed at step %zu of 3 (%s): "
		    "injected failure; the previous configuration stays in place",
		    n,
		    n == 1 ? "remove ipsec tunnel a" :
			n == 2 ?
			     "change ipsec tunnel b (in place: dpd timeout)" :
			     "add ipsec tunnel c");
		assert_int_equal(fx->d.count, 1);
		assert_string_equal(fx->d.entries[0].text, want);
		after = render(config_store_running(fx->store));
		disk_after = slurp(fx->path);
		assert_string_equal(before, after);
		assert_string_equal(disk_before, disk_after);
		/* The configuration of the first start, and no more. */
		assert_int_equal(config_store_history_count(fx->store), 1);
		free(before);
		free(after);
		free(disk_before);
		free(disk_after);
		config_free(c);
	}
}

/* finish runs once, after the last step; its failure undoes them all
 * and leaves the running configuration as it was. */
static void
test_commit_finish_once_and_its_failure_undoes_all(void **state)
{
	struct fixture *fx = *state;
	struct config *c = three_step_candidate(fx);
	char *before = render(config_store_running(fx->store)), *after;

	fx->rec.fail_finish = true;
	assert_int_equal(config_store_commit(fx->store, c, &plain, &fx->d),
	    -EIO);
	assert_int_equal(fx->rec.finishes, 1);
	assert_int_equal(fx->rec.steps_before, 3);
	/* Three steps, then their inverses in reverse order. */
	assert_int_equal(fx->rec.n, 6);
	assert_string_equal(fx->rec.calls[3], "remove ipsec tunnel c");
	assert_string_equal(fx->rec.calls[5], "add ipsec tunnel a");
	assert_int_equal(fx->d.count, 1);
	assert_string_equal(fx->d.entries[0].text,
	    "commit failed at its end, after 3 steps: injected finish "
	    "failure; the previous configuration stays in place");
	after = render(config_store_running(fx->store));
	assert_string_equal(before, after);
	assert_int_equal(config_store_history_count(fx->store), 1);
	free(after);
	/* The same again, finishing: committed, one finish more. */
	memset(&fx->rec, 0, sizeof(fx->rec));
	diag_clear(&fx->d);
	assert_int_equal(config_store_commit(fx->store, c, &plain, &fx->d), 0);
	assert_int_equal(fx->rec.finishes, 1);
	assert_int_equal(fx->rec.n, 3);
	assert_int_equal(config_store_history_count(fx->store), 2);
	free(before);
	config_free(c);
}

static void
test_commit_stale_base_refused(void **state)
{
	struct fixture *fx = *state;
	struct config *c1 = config_store_candidate(fx->store);
	struct config *c2 = config_store_candidate(fx->store);

	set(c1, "a", CF_DPD_TIMEOUT, "15");
	set(c2, "b", CF_DPD_TIMEOUT, "25");
	assert_int_equal(config_store_commit(fx->store, c1, &plain, &fx->d), 0);
	assert_int_equal(config_store_commit(fx->store, c2, &plain, &fx->d),
	    -ESTALE);
	assert_string_equal(fx->d.entries[fx->d.count - 1].text,
	    "commit refused: the running configuration changed since this "
	    "candidate was taken (commit 1 by alice: ipsec tunnel a); review "
	    "it with show compare, then discard and make your changes again");
	assert_int_equal(config_tunnel_find(config_store_running(fx->store),
			     "b")
			     ->dpd_timeout,
	    10);
	config_free(c1);
	config_free(c2);
}

static void
test_commit_validation_errors_block_and_list_all(void **state)
{
	struct fixture *fx = *state;
	struct config *c = config_store_candidate(fx->store);
	struct diag d;
	struct config_tunnel *t;

	diag_init(&d);
	t = config_tunnel_edit(c, "a", false, &d);
	assert_int_equal(config_tunnel_unset(t, CF_REMOTE_ADDRESS, NULL, &d),
	    0);
	assert_int_equal(config_tunnel_unset(t, CF_PSK, NULL, &d), 0);
	assert_int_equal(config_store_commit(fx->store, c, &plain, &d),
	    -EINVAL);
	assert_int_equal(d.errors, 2);
	assert_string_equal(d.entries[0].text,
	    "ipsec tunnel a: remote-address "
	    "is not set: set the peer's public IP address or FQDN");
	assert_string_equal(d.entries[1].text,
	    "ipsec tunnel a: pre-shared-key "
	    "is not set: set the key agreed with the remote site");
	assert_int_equal(fx->rec.n, 0);
	diag_clear(&d);
	config_free(c);
}

static void
test_commit_check_only_changes_nothing(void **state)
{
	struct fixture *fx = *state;
	struct config *c = config_store_candidate(fx->store);
	struct config_commit_opts o = plain;
	char *disk = slurp(fx->path), *disk2;

	o.check_only = true;
	set(c, "a", CF_DPD_TIMEOUT, "15");
	assert_int_equal(config_store_commit(fx->store, c, &o, &fx->d), 0);
	assert_int_equal(fx->rec.n, 0);
	disk2 = slurp(fx->path);
	assert_string_equal(disk, disk2);
	assert_int_equal(config_tunnel_find(config_store_running(fx->store),
			     "a")
			     ->dpd_timeout,
	    10);
	free(disk);
	free(disk2);
	config_free(c);
}

static void
test_commit_confirmed_reverts_on_expiry(void **state)
{
	struct fixture *fx = *state;
	struct config *c = config_store_candidate(fx->store);
	struct config_commit_opts o = plain;
	const struct config_commit_info *h;
	char *before = render(config_store_running(fx->store));
	char *after, *disk;

	o.confirm_seconds = 300;
	set(c, "a", CF_REMOTE_ADDRESS, "198.51.100.77");
	assert_int_equal(config_store_commit(fx->store, c, &o, &fx->d), 0);
	assert_int_equal(config_store_confirm_deadline(fx->store),
	    fake_time + 300);
	fake_time += 299;
	assert_int_equal(config_store_poll(fx->store, &fx->d), 0);
	fake_time += 1;
	memset(&fx->rec, 0, sizeof(fx->rec));
	assert_int_equal(config_store_poll(fx->store, &fx->d), 1);
	assert_int_equal(fx->rec.n, 1);
	assert_string_equal(fx->rec.calls[0],
	    "change ipsec tunnel a (replace: remote-address)");
	after = render(config_store_running(fx->store));
	assert_string_equal(before, after);
	disk = slurp(fx->path);
	assert_non_null(strstr(disk, "198.51.100.1\""));
	assert_null(strstr(disk, "198.51.100.77"));
	h = config_store_history(fx->store, 0);
	assert_int_equal(h->version, 2);
	assert_string_equal(h->user, "tunshd");
	assert_string_equal(h->comment,
	    "automatic rollback: commit 1 was not "
	    "confirmed within 5 minutes");
	assert_int_equal(config_store_confirm_deadline(fx->store), 0);
	free(before);
	free(after);
	free(disk);
	config_free(c);
}

static void
test_commit_confirmed_kept_by_plain_commit(void **state)
{
	struct fixture *fx = *state;
	struct config *c = config_store_candidate(fx->store);
	struct config_commit_opts o = plain;

	o.confirm_seconds = 60;
	set(c, "a", CF_DPD_TIMEOUT, "11");
	assert_int_equal(config_store_commit(fx->store, c, &o, &fx->d), 0);
	/* The same session confirms with a plain commit and no changes. */
	assert_int_equal(config_store_commit(fx->store, c, &plain, &fx->d), 0);
	assert_int_equal(config_store_confirm_deadline(fx->store), 0);
	fake_time += 3600;
	assert_int_equal(config_store_poll(fx->store, &fx->d), 0);
	assert_int_equal(config_tunnel_find(config_store_running(fx->store),
			     "a")
			     ->dpd_timeout,
	    11);
	config_free(c);
}

static size_t
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
test_history_rotation_and_rollback(void **state)
{
	struct fixture *fx = *state;
	struct config *c, *r;
	struct stat st_hist, st_conf;
	char val[8], newest[160];

	config_store_free(fx->store);
	fx->store = open_store(fx, 3);
	assert_non_null(fx->store);
	for (int i = 1; i <= 5; i++) {
		c = config_store_candidate(fx->store);
		snprintf(val, sizeof(val), "%d", 10 + i);
		set(c, "a", CF_DPD_TIMEOUT, val);
		fake_time += 10;
		assert_int_equal(
		    config_store_commit(fx->store, c, &plain, &fx->d), 0);
		config_free(c);
	}
	assert_int_equal(config_store_history_count(fx->store), 3);
	/* Each commit: its configuration and its record. */
	assert_int_equal(count_files(fx->hist), 6);
	/* The newest is a copy of the running file, never a link: a write
	 * to the file in place must leave the history alone. */
	snprintf(newest, sizeof(newest), "%s/0000000005.conf", fx->hist);
	assert_int_equal(stat(newest, &st_hist), 0);
	assert_int_equal(stat(fx->path, &st_conf), 0);
	assert_int_not_equal(st_hist.st_ino, st_conf.st_ino);
	{
		char *a = slurp(newest), *b = slurp(fx->path);

		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	assert_int_equal(st_hist.st_mode & 0777, 0600);
	assert_int_equal(config_store_history(fx->store, 0)->version, 5);
	assert_int_equal(config_store_history(fx->store, 2)->version, 3);
	assert_string_equal(config_store_history(fx->store, 0)->summary,
	    "ipsec tunnel a");
	assert_null(config_store_history(fx->store, 3));
	/* rollback 2 is commit 3: dpd timeout 13; commit it back. */
	r = config_store_rollback(fx->store, 2, &fx->d);
	assert_non_null(r);
	assert_int_equal(config_tunnel_find(r, "a")->dpd_timeout, 13);
	memset(&fx->rec, 0, sizeof(fx->rec));
	assert_int_equal(config_store_commit(fx->store, r, &plain, &fx->d), 0);
	assert_int_equal(fx->rec.n, 1);
	assert_string_equal(fx->rec.calls[0],
	    "change ipsec tunnel a (in place: dpd timeout)");
	config_free(r);
	assert_null(config_store_rollback(fx->store, 7, &fx->d));
	assert_string_equal(fx->d.entries[fx->d.count - 1].text,
	    "rollback 7: there are only 3 commits in the history (0 to 2)");
	/* A restart finds the history and the version again. */
	config_store_free(fx->store);
	fx->store = open_store(fx, 3);
	assert_non_null(fx->store);
	assert_int_equal(config_store_running(fx->store)->version, 6);
	assert_int_equal(config_store_history(fx->store, 0)->version, 6);
}

static void
kill_self(void *arg)
{
	(void)arg;
	raise(SIGKILL);
}

static void
test_save_killed_before_rename_keeps_old_file(void **state)
{
	struct fixture *fx = *state;
	char *before = slurp(fx->path), *after;
	struct config *c = config_store_candidate(fx->store);
	struct stat st;
	int status;
	pid_t pid;

	set(c, "a", CF_DPD_TIMEOUT, "33");
	pid = fork();
	if (pid == 0) {
		struct diag d;

		diag_init(&d);
		config_save_file(c, fx->path, kill_self, NULL, &d);
		_exit(0); /* not reached */
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	after = slurp(fx->path);
	assert_string_equal(before, after);
	/* A save that is not interrupted replaces it, mode 0600. */
	assert_int_equal(config_save_file(c, fx->path, NULL, NULL, &fx->d), 0);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(after);
	after = slurp(fx->path);
	assert_non_null(strstr(after, "dpd-timeout = 33;"));
	free(before);
	free(after);
	config_free(c);
}

static void
test_open_after_crash_mid_commit_restores_previous(void **state)
{
	struct fixture *fx = *state;
	char backup[160], tmp[160], *now, *before = slurp(fx->path);
	struct config *c = config_store_candidate(fx->store);

	/* What a crash after the save and before the end of the apply
	 * leaves: the old file as .previous, the new one in place, and a
	 * temporary file of an interrupted save. */
	snprintf(backup, sizeof(backup), "%s.previous", fx->path);
	assert_int_equal(link(fx->path, backup), 0);
	set(c, "a", CF_DPD_TIMEOUT, "44");
	assert_int_equal(config_save_file(c, fx->path, NULL, NULL, &fx->d), 0);
	snprintf(tmp, sizeof(tmp), "%s/.tunsh.conf.AbC123", fx->dir);
	spit(tmp, "partial");
	config_store_free(fx->store);
	diag_clear(&fx->d);
	fx->store = open_store(fx, 0);
	assert_non_null(fx->store);
	assert_int_equal(fx->d.warnings, 1);
	assert_non_null(strstr(fx->d.entries[0].text,
	    "/tunsh.conf: tunshd stopped during a commit; the configuration "
	    "from before it was restored"));
	assert_int_equal(config_tunnel_find(config_store_running(fx->store),
			     "a")
			     ->dpd_timeout,
	    10);
	now = slurp(fx->path);
	assert_string_equal(now, before);
	assert_int_equal(access(backup, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);
	free(now);
	free(before);
	config_free(c);
}

static void
test_open_bad_file_refused_with_line(void **state)
{
	struct fixture *fx = *state;
	struct config_store *s;
	char cmd[256];

	spit(fx->path,
	    "hostname = \"fw1\";\ntunnels = ( { name = \"x\";\n"
	    "  dpd-timeot = 5; } );\n");
	/* No commit to fall back on: the first start's record goes. */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->hist);
	assert_int_equal(system(cmd), 0);
	diag_clear(&fx->d);
	s = open_store(fx, 0);
	assert_null(s);
	assert_int_equal(fx->d.errors, 1);
	assert_non_null(strstr(fx->d.entries[0].text,
	    "/tunsh.conf:3: unknown "
	    "setting \"dpd-timeot\" in ipsec tunnel x (see tunsh.conf(5) for "
	    "the list)"));
}

/* Closes and opens the store again, as a restart does. */
static void
restart(struct fixture *fx)
{
	config_store_free(fx->store);
	diag_clear(&fx->d);
	memset(&fx->rec, 0, sizeof(fx->rec));
	fx->store = open_store(fx, 0);
	assert_non_null(fx->store);
}

static uint32_t
dpd_of(struct fixture *fx, const char *tunnel)
{
	return config_tunnel_find(config_store_running(fx->store), tunnel)
	    ->dpd_timeout;
}

static void
test_commit_confirmed_survives_restart(void **state)
{
	struct fixture *fx = *state;
	struct config *c = config_store_candidate(fx->store);
	struct config_commit_opts o = plain;
	char undo[200];

	o.confirm_seconds = 60;
	set(c, "a", CF_DPD_TIMEOUT, "12");
	assert_int_equal(config_store_commit(fx->store, c, &o, &fx->d), 0);
	snprintf(undo, sizeof(undo), "%s/0000000001.undo", fx->hist);
	assert_int_equal(access(undo, F_OK), 0);
	/* Restarted in time: armed again, same deadline. */
	fake_time += 30;
	restart(fx);
	assert_int_equal(config_store_confirm_deadline(fx->store),
	    fake_time + 30);
	assert_int_equal(dpd_of(fx, "a"), 12);
	/* Restarted after it: rolled back at once, and recorded. */
	fake_time += 31;
	restart(fx);
	assert_int_equal(config_store_confirm_deadline(fx->store), 0);
	assert_int_equal(dpd_of(fx, "a"), 10);
	assert_int_equal(config_store_history(fx->store, 0)->version, 2);
	assert_string_equal(config_store_history(fx->store, 0)->comment,
	    "automatic rollback: commit 1 was not confirmed within 1 minute");
	assert_int_equal(access(undo, F_OK), -1);
	/* And it stays rolled back. */
	restart(fx);
	assert_int_equal(dpd_of(fx, "a"), 10);
	config_free(c);
}

static void
test_commit_confirmed_then_confirmed_survives_restart(void **state)
{
	struct fixture *fx = *state;
	struct config *c = config_store_candidate(fx->store);
	struct config_commit_opts o = plain;

	o.confirm_seconds = 60;
	set(c, "a", CF_DPD_TIMEOUT, "13");
	assert_int_equal(config_store_commit(fx->store, c, &o, &fx->d), 0);
	assert_int_equal(config_store_commit(fx->store, c, &plain, &fx->d), 0);
	fake_time += 3600;
	restart(fx);
	assert_int_equal(config_store_confirm_deadline(fx->store), 0);
	assert_int_equal(dpd_of(fx, "a"), 13);
	config_free(c);
}

static void
test_commit_history_unwritable_refused_and_undone(void **state)
{
	struct fixture *fx = *state;
	struct config *c = config_store_candidate(fx->store);
	char rec[200], *before = slurp(fx->path), *after;

	/* Commit 1's record cannot be written: a directory in its way. */
	snprintf(rec, sizeof(rec), "%s/0000000001.info", fx->hist);
	assert_int_equal(mkdir(rec, 0700), 0);
	set(c, "a", CF_DPD_TIMEOUT, "14");
	assert_true(config_store_commit(fx->store, c, &plain, &fx->d) < 0);
	assert_non_null(strstr(fx->d.entries[fx->d.count - 1].text,
	    "commit refused: commit 1 could not be recorded"));
	assert_int_equal(fx->rec.n, 0); /* nothing applied */
	assert_int_equal(dpd_of(fx, "a"), 10);
	assert_int_equal(config_store_history_count(fx->store), 1);
	after = slurp(fx->path);
	assert_string_equal(before, after);
	assert_int_equal(rmdir(rec), 0);
	free(before);
	free(after);
	config_free(c);
}

static void
test_open_empty_file_starts_from_last_commit(void **state)
{
	struct fixture *fx = *state;
	struct config *c = config_store_candidate(fx->store);
	char rejected[200];

	set(c, "a", CF_DPD_TIMEOUT, "15");
	assert_int_equal(config_store_commit(fx->store, c, &plain, &fx->d), 0);
	spit(fx->path, "");
	restart(fx);
	assert_int_equal(dpd_of(fx, "a"), 15);
	assert_int_equal(fx->d.warnings, 1);
	assert_non_null(strstr(fx->d.entries[0].text,
	    "is empty: started from the last commit, 1"));
	snprintf(rejected, sizeof(rejected), "%s.rejected", fx->path);
	assert_int_equal(access(rejected, F_OK), 0);
	/* The file is the commit again: the next start is a plain one. */
	restart(fx);
	assert_int_equal(fx->d.count, 0);
	assert_int_equal(dpd_of(fx, "a"), 15);
	config_free(c);
}

static void
test_open_removes_debris(void **state)
{
	struct fixture *fx = *state;
	struct config *c = config_store_candidate(fx->store);
	char p[200];

	set(c, "a", CF_DPD_TIMEOUT, "16");
	assert_int_equal(config_store_commit(fx->store, c, &plain, &fx->d), 0);
	/* What kills leave: temporary files, a .conf without its record,
	 * a record without its .conf, an .undo of nothing pending. */
	snprintf(p, sizeof(p), "%s/.0000000002.info.AbC123", fx->hist);
	spit(p, "partial");
	snprintf(p, sizeof(p), "%s/0000000003.conf", fx->hist);
	spit(p, base_conf);
	snprintf(p, sizeof(p), "%s/0000000004.info", fx->hist);
	spit(p, "commit = { version = 4; };\n");
	snprintf(p, sizeof(p), "%s/0000000001.undo", fx->hist);
	spit(p, base_conf);
	snprintf(p, sizeof(p), "%s/README", fx->hist);
	spit(p, "not ours");
	restart(fx);
	/* 0.conf and 0.info (the first start), 1.conf, 1.info and the
	 * file that is not ours. */
	assert_int_equal(count_files(fx->hist), 5);
	snprintf(p, sizeof(p), "%s/.0000000002.info.AbC123", fx->hist);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(config_store_history_count(fx->store), 2);
	config_free(c);
}

/*
 * Issue 12: the configuration tunshd starts with is in the history.  A
 * first start records it as version 0, so that rollback 1 after the
 * first commit returns to it; a restart on the same file records
 * nothing; a file edited by hand while tunshd was down is recorded as
 * the next version, by tunshd, and rollback 1 returns to the commit
 * before it.
 */
static void
test_open_records_the_start(void **state)
{
	struct fixture *fx = *state;
	struct config *c = config_store_candidate(fx->store), *r;
	const struct config_commit_info *h;

	assert_int_equal(config_store_history_count(fx->store), 1);
	h = config_store_history(fx->store, 0);
	assert_int_equal(h->version, 0);
	assert_string_equal(h->user, "tunshd");
	assert_string_equal(h->source, "start");
	assert_string_equal(h->comment, "the configuration of the first start");
	assert_string_equal(h->summary,
	    "system, ipsec tunnel a, ipsec tunnel b");
	set(c, "a", CF_DPD_TIMEOUT, "17");
	assert_int_equal(config_store_commit(fx->store, c, &plain, &fx->d), 0);
	assert_int_equal(config_store_running(fx->store)->version, 1);
	r = config_store_rollback(fx->store, 1, &fx->d);
	assert_non_null(r);
	assert_int_equal(config_tunnel_find(r, "a")->dpd_timeout, 10);
	config_free(r);
	/* The same file again: nothing new. */
	restart(fx);
	assert_int_equal(config_store_history_count(fx->store), 2);
	/* Edited by hand while tunshd was down: recorded as commit 2. */
	spit(fx->path, base_conf);
	restart(fx);
	assert_int_equal(config_store_history_count(fx->store), 3);
	h = config_store_history(fx->store, 0);
	assert_int_equal(h->version, 2);
	assert_string_equal(h->user, "tunshd");
	assert_string_equal(h->summary, "ipsec tunnel a");
	assert_non_null(strstr(h->comment, "which differs from commit 1"));
	assert_int_equal(config_store_running(fx->store)->version, 2);
	assert_int_equal(dpd_of(fx, "a"), 10);
	r = config_store_rollback(fx->store, 1, &fx->d);
	assert_non_null(r);
	assert_int_equal(config_tunnel_find(r, "a")->dpd_timeout, 17);
	config_free(r);
	config_free(c);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_open_records_the_start, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_commit_applies_plan_in_order,
	    setup, teardown),
	cmocka_unit_test_setup_teardown(
	    test_commit_failure_at_every_step_changes_nothing, setup, teardown),
	cmocka_unit_test_setup_teardown(
	    test_commit_finish_once_and_its_failure_undoes_all, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_commit_stale_base_refused, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(
	    test_commit_validation_errors_block_and_list_all, setup, teardown),
	cmocka_unit_test_setup_teardown(test_commit_check_only_changes_nothing,
	    setup, teardown),
	cmocka_unit_test_setup_teardown(test_commit_confirmed_reverts_on_expiry,
	    setup, teardown),
	cmocka_unit_test_setup_teardown(
	    test_commit_confirmed_kept_by_plain_commit, setup, teardown),
	cmocka_unit_test_setup_teardown(test_history_rotation_and_rollback,
	    setup, teardown),
	cmocka_unit_test_setup_teardown(
	    test_save_killed_before_rename_keeps_old_file, setup, teardown),
	cmocka_unit_test_setup_teardown(
	    test_open_after_crash_mid_commit_restores_previous, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_open_bad_file_refused_with_line,
	    setup, teardown),
	cmocka_unit_test_setup_teardown(test_commit_confirmed_survives_restart,
	    setup, teardown),
	cmocka_unit_test_setup_teardown(
	    test_commit_confirmed_then_confirmed_survives_restart, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(
	    test_commit_history_unwritable_refused_and_undone, setup, teardown),
	cmocka_unit_test_setup_teardown(
	    test_open_empty_file_starts_from_last_commit, setup, teardown),
	cmocka_unit_test_setup_teardown(test_open_removes_debris, setup,
	    teardown),
};

TUNSH_TEST_MAIN(tests)
