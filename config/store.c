/*
 * config/store.c: the commit engine.  Owns the running configuration, its
 * index and its history; turns a candidate into running all or nothing:
 * stale-base check, validation, plan, save, apply, and on any failure the
 * applied steps undone in reverse and the previous file put back.  Also
 * commit confirmed (revert unless confirmed in time, across a restart
 * too) and rollback, and at start the repair of what a crash left.
 *
 * A commit on disk, in order: the old file linked as PATH.previous (the
 * mark of a commit in progress), the new file saved, DIR/N.conf and then
 * DIR/N.info written (the commit point), the apply, PATH.previous removed.
 * A failure undoes in reverse; a crash is sorted out at the next start by
 * whether the last record's configuration is the file in place.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/config_private.h"
#include "config/history.h"

#define HISTORY_MAX_DEFAULT 50

struct config_store {
	char *path;
	const struct config_apply_ops *apply;
	void *apply_arg;
	struct config_clock clock;

	struct config *running;
	struct config_index *idx; /* of running; NULL: validate in full */
	struct history hist;

	/* A commit confirmed waiting for its confirmation. */
	struct config *confirm_prev; /* what to go back to */
	int64_t confirm_deadline;
	unsigned confirm_seconds;
	uint64_t confirm_version;
};

static int64_t
real_now(void *arg)
{
	(void)arg;
	return (int64_t)time(NULL);
}

static int64_t
now(const struct config_store *s)
{
	return s->clock.now(s->clock.arg);
}

size_t
config_store_history_count(const struct config_store *s)
{
	return s->hist.n;
}

const struct config_commit_info *
config_store_history(const struct config_store *s, size_t n)
{
	return history_get(&s->hist, n);
}

/* Applying plans */

/* Undoes steps [0, done) in reverse; failures are reported, not fatal. */
static void
undo(struct config_store *s, const struct config_plan *p, size_t done,
    struct diag *d)
{
	char what[256];

	while (done-- > 0) {
		struct config_plan_step inv =
		    config_plan_step_inverse(&p->steps[done]);

		if (s->apply->apply(s->apply_arg, &inv, p->old_cfg, d) < 0) {
			config_plan_step_describe(&p->steps[done], what,
			    sizeof(what));
			diag_error(d,
			    "could not undo \"%s\": the live state may "
			    "differ from the configuration; restart tunshd",
			    what);
			log_err("config", "undo of \"%s\" failed", what);
		}
	}
}

static int
apply_plan(struct config_store *s, const struct config_plan *p, struct diag *d)
{
	char what[256];
	struct diag why;
	int rc;

	if (s->apply == NULL)
		return 0;
	for (size_t i = 0; i < p->n_steps; i++) {
		diag_init(&why);
		rc = s->apply->apply(s->apply_arg, &p->steps[i], p->new_cfg,
		    &why);
		if (rc == 0) {
			diag_move(d, &why); /* warnings */
			continue;
		}
		/* The step and the layer's reason in one sentence, first. */
		config_plan_step_describe(&p->steps[i], what, sizeof(what));
		diag_error(d,
		    "commit failed at step %zu of %zu (%s): %s; the "
		    "previous configuration stays in place",
		    i + 1, p->n_steps, what,
		    why.errors ? why.entries[why.count - 1].text :
				 strerror(rc < 0 ? -rc : rc));
		diag_clear(&why);
		undo(s, p, i, d);
		return rc < 0 ? rc : -EIO;
	}
	if (s->apply->finish == NULL)
		return 0;
	diag_init(&why);
	if ((rc = s->apply->finish(s->apply_arg, p->new_cfg, &why)) == 0) {
		diag_move(d, &why);
		return 0;
	}
	diag_error(d,
	    "commit failed at its end, after %zu step%s: %s; the previous "
	    "configuration stays in place",
	    p->n_steps, p->n_steps == 1 ? "" : "s",
	    why.errors ? why.entries[why.count - 1].text :
			 strerror(rc < 0 ? -rc : rc));
	diag_clear(&why);
	undo(s, p, p->n_steps, d);
	return rc < 0 ? rc : -EIO;
}

static void
summarize(const struct config_plan *p, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_steps && off + 1 < len; i++) {
		const struct config_plan_step *st = &p->steps[i];
		const char *sep = i ? ", " : "";

		if (st->kind == CONFIG_STEP_SYSTEM)
			off += (size_t)snprintf(buf + off, len - off,
			    "%ssystem", sep);
		else
			off += (size_t)snprintf(buf + off, len - off,
			    "%sipsec tunnel %s", sep,
			    st->new_tunnel ? st->new_tunnel->name :
					     st->old_tunnel->name);
	}
	if (off >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	if (buf[0] == '\0')
		snprintf(buf, len, "no change");
}

/* Puts the file from before a failed commit back. */
static void
restore_file(const struct config_store *s, const char *backup, bool had_file,
    struct diag *d)
{
	if (had_file ? rename(backup, s->path) : unlink(s->path))
		diag_error(d, "%s could not be restored: %s", s->path,
		    strerror(errno));
	if (!had_file)
		unlink(backup);
	sync_dir(s->path);
}

/*
 * Keeps the file as PATH.previous until the commit is through: undoing is
 * then a rename, and the file comes back byte for byte.  Without a file an
 * empty PATH.previous marks the commit in progress all the same.
 */
static int
keep_backup(const struct config_store *s, const char *backup, bool *had_file,
    struct diag *d)
{
	int fd;

	unlink(backup);
	*had_file = link(s->path, backup) == 0;
	if (*had_file)
		return 0;
	if (errno == ENOENT &&
	    (fd = open(backup, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		 0600)) >= 0) {
		close(fd);
		return 0;
	}
	diag_error(d,
	    "commit refused: cannot keep the current configuration as %s "
	    "(%s); nothing was changed",
	    backup, strerror(errno));
	return -errno;
}

static void
fill_info(const struct config_store *s, const struct config_plan *plan,
    const struct config_commit_opts *o, uint64_t version,
    struct config_commit_info *info)
{
	info->version = version;
	info->time = now(s);
	snprintf(info->user, sizeof(info->user), "%s",
	    o->user ? o->user : "unknown");
	snprintf(info->source, sizeof(info->source), "%s",
	    o->source ? o->source : "");
	snprintf(info->comment, sizeof(info->comment), "%s",
	    o->comment ? o->comment : "");
	summarize(plan, info->summary, sizeof(info->summary));
	if (o->confirm_seconds > 0) {
		info->confirm_deadline =
		    info->time + (int64_t)o->confirm_seconds;
		info->confirm_seconds = o->confirm_seconds;
	}
}

/*
 * Makes next the running configuration: file, history, apply.  next gets
 * the new version.  Either the commit is saved, recorded and applied, or
 * nothing changed: not the file, not the history, not the live state.
 */
static int
switch_to(struct config_store *s, struct config *next,
    const struct config *edits, const struct config_commit_opts *o,
    struct diag *d)
{
	struct config_commit_info info = { 0 };
	struct config_plan plan;
	char backup[4096];
	bool had_file;
	int rc;

	if ((rc = config_plan_build(s->running, edits, &plan)) < 0) {
		diag_error(d, "commit failed: out of memory while planning");
		return rc;
	}
	next->version = s->running->version + 1;
	fill_info(s, &plan, o, next->version, &info);
	snprintf(backup, sizeof(backup), "%s.previous", s->path);
	if ((rc = keep_backup(s, backup, &had_file, d)) < 0)
		goto out;
	if ((rc = config_save_file(next, s->path, NULL, NULL, d)) < 0) {
		diag_error(d,
		    "commit refused: the configuration could not be "
		    "saved to %s; nothing was changed",
		    s->path);
		unlink(backup);
		goto out;
	}
	if ((rc = history_record(&s->hist, next, &info, d)) < 0) {
		diag_error(d,
		    "commit refused: commit %llu could not be recorded in "
		    "%s; nothing was changed (make room there, then commit "
		    "again)",
		    (unsigned long long)info.version, s->hist.dir);
		restore_file(s, backup, had_file, d);
		goto out;
	}
	plan.new_cfg = next;
	if ((rc = apply_plan(s, &plan, d)) < 0) {
		/* The committer sees the reasons; the log keeps that it
		 * happened, for whoever looks later. */
		log_warn("config",
		    "commit by %s from %s failed and was undone: %s",
		    o->user ? o->user : "unknown", o->source ? o->source : "",
		    d->count ? d->entries[d->count - 1].text : strerror(-rc));
		history_unrecord(&s->hist, info.version);
		restore_file(s, backup, had_file, d);
		goto out;
	}
	unlink(backup);
	sync_dir(backup);
	/* Written already; only memory can fail here, and a restart reads
	 * the record back. */
	if (history_push(&s->hist, &info) < 0)
		diag_warn(d, "commit %llu: out of memory keeping its record",
		    (unsigned long long)info.version);
	/* The audit trail: who, from where, what (never a key). */
	log_info("config", "commit %llu by %s from %s: %s%s%s%s",
	    (unsigned long long)info.version, info.user,
	    info.source[0] ? info.source : "?", info.summary,
	    info.comment[0] ? " (comment \"" : "", info.comment,
	    info.comment[0] ? "\")" : "");
out:
	config_plan_free(&plan);
	return rc;
}

static void
reindex(struct config_store *s, const struct config *edits)
{
	if (s->idx != NULL &&
	    config_index_update(s->idx, s->running, edits) == 0)
		return;
	config_index_free(s->idx);
	s->idx = NULL; /* validation falls back to full until rebuilt */
}

static int
refuse_stale(const struct config_store *s, const struct config *cand,
    struct diag *d)
{
	char what[512] = { 0 };
	size_t off = 0;

	for (size_t i = 0; i < s->hist.n && off < sizeof(what); i++) {
		const struct config_commit_info *h = &s->hist.v[i];

		if (h->version <= cand->version)
			continue;
		off += (size_t)snprintf(what + off, sizeof(what) - off,
		    "%scommit %llu by %s: %s", off ? "; " : "",
		    (unsigned long long)h->version, h->user, h->summary);
	}
	diag_error(d,
	    "commit refused: the running configuration changed "
	    "since this candidate was taken (%s); review it with show "
	    "compare, then discard and make your changes again",
	    what[0] ? what : "history not kept");
	return -ESTALE;
}

/* Ends a pending commit confirmed: its .undo goes, it is kept for good. */
static void
confirm_clear(struct config_store *s)
{
	char undo[4096];

	if (s->confirm_prev == NULL)
		return;
	if (history_path(&s->hist, s->confirm_version, "undo", undo,
		sizeof(undo)) == 0) {
		unlink(undo);
		sync_dir(undo);
	}
	config_free(s->confirm_prev);
	s->confirm_prev = NULL;
	s->confirm_deadline = 0;
}

/*
 * commit confirmed N: DIR/N.undo holds what to go back to, written before
 * N's record so a restart finds it.  A second commit confirmed keeps the
 * first's target (Junos).
 */
static int
write_undo(struct config_store *s, uint64_t version, struct diag *d)
{
	const struct config *target =
	    s->confirm_prev != NULL ? s->confirm_prev : s->running;
	char undo[4096];
	int rc;

	if (history_path(&s->hist, version, "undo", undo, sizeof(undo)) < 0)
		return 0; /* no history: it lasts as long as tunshd */
	if ((rc = config_save_file(target, undo, NULL, NULL, d)) < 0)
		diag_error(d,
		    "commit confirmed refused: what to go back to could "
		    "not be saved as %s; nothing was changed",
		    undo);
	return rc;
}

static void
drop_undo(const struct config_store *s, uint64_t version)
{
	char undo[4096];

	if (history_path(&s->hist, version, "undo", undo, sizeof(undo)) == 0)
		unlink(undo);
}

int
config_store_commit(struct config_store *s, struct config *cand,
    const struct config_commit_opts *o, struct diag *d)
{
	struct config *next, *prev;
	uint64_t pending = s->confirm_prev ? s->confirm_version : 0;
	bool changed;
	int rc;

	if (cand->version != s->running->version)
		return refuse_stale(s, cand, d);
	if ((rc = config_validate_change(s->running, s->idx, cand, d)) < 0 ||
	    o->check_only)
		return rc;
	changed = cand->n_touched > 0 || cand->system_changed;
	if (!changed && o->confirm_seconds == 0) {
		/* A plain commit confirms a pending commit confirmed. */
		if (s->confirm_prev != NULL) {
			confirm_clear(s);
			log_info("config", "commit %llu confirmed",
			    (unsigned long long)pending);
		}
		return 0;
	}
	if ((next = config_copy(cand)) == NULL) {
		diag_error(d, "commit failed: out of memory");
		return -ENOMEM;
	}
	if (o->confirm_seconds > 0 &&
	    (rc = write_undo(s, s->running->version + 1, d)) < 0) {
		config_free(next);
		return rc;
	}
	if ((rc = switch_to(s, next, cand, o, d)) < 0) {
		if (o->confirm_seconds > 0)
			drop_undo(s, s->running->version + 1);
		config_free(next);
		return rc;
	}
	reindex(s, cand);
	prev = s->running;
	s->running = next;
	if (o->confirm_seconds > 0) {
		/* Junos: a second commit confirmed keeps the first's target. */
		if (s->confirm_prev == NULL)
			s->confirm_prev = prev;
		else
			config_free(prev);
		if (pending != 0)
			drop_undo(s, pending); /* now in next's .undo */
		s->confirm_deadline = now(s) + (int64_t)o->confirm_seconds;
		s->confirm_seconds = o->confirm_seconds;
		s->confirm_version = next->version;
	} else {
		config_free(prev);
		confirm_clear(s);
	}
	cand->version = next->version;
	cand->n_touched = 0;
	cand->system_changed = false;
	return 0;
}

int64_t
config_store_confirm_deadline(const struct config_store *s)
{
	return s->confirm_prev != NULL ? s->confirm_deadline : 0;
}

/* Goes to a configuration that is not a candidate of running. */
static int
replace_running(struct config_store *s, const struct config *target,
    const struct config_commit_opts *o, struct diag *d)
{
	struct config *next = config_copy(target);
	struct config_index *idx;

	if (next == NULL)
		return -ENOMEM;
	/* Not a candidate of running: force the full validation and diff. */
	next->version = s->running->version;
	next->system_changed = true;
	if (config_validate_change(s->running, s->idx, next, d) < 0 ||
	    switch_to(s, next, next, o, d) < 0) {
		config_free(next);
		return -EINVAL;
	}
	next->system_changed = false;
	idx = config_index_build(next);
	config_index_free(s->idx);
	s->idx = idx;
	config_free(s->running);
	s->running = next;
	return 0;
}

int
config_store_poll(struct config_store *s, struct diag *d)
{
	struct config_commit_opts o = { 0 };
	char comment[160], when[32];
	int rc;

	if (s->confirm_prev == NULL || now(s) < s->confirm_deadline)
		return 0;
	config_duration_words(s->confirm_seconds, when, sizeof(when));
	snprintf(comment, sizeof(comment),
	    "automatic rollback: commit %llu was not confirmed within %s",
	    (unsigned long long)s->confirm_version, when);
	o.user = "tunshd";
	o.source = "commit confirmed";
	o.comment = comment;
	if ((rc = replace_running(s, s->confirm_prev, &o, d)) < 0) {
		diag_error(d, "%s failed; retrying at the next poll", comment);
		return rc;
	}
	confirm_clear(s);
	log_warn("config", "%s", comment);
	return 1;
}

struct config *
config_store_rollback(const struct config_store *s, size_t n, struct diag *d)
{
	struct config *c;

	if (n >= s->hist.n) {
		diag_error(d,
		    "rollback %zu: there are only %zu commits in the "
		    "history (0 to %zu)",
		    n, s->hist.n, s->hist.n ? s->hist.n - 1 : 0);
		return NULL;
	}
	if ((c = history_load(&s->hist, n, d)) == NULL)
		return NULL;
	/* A candidate of running that differs anywhere: full check. */
	c->version = s->running->version;
	c->system_changed = true;
	return c;
}

const struct config *
config_store_running(const struct config_store *s)
{
	return s->running;
}

struct config *
config_store_candidate(const struct config_store *s)
{
	return config_copy(s->running);
}

/* Whether two files hold the same bytes (a hard link, or a copy). */
static bool
same_content(const char *a, const char *b)
{
	char *ta = NULL, *tb = NULL;
	size_t la = 0, lb = 0;
	struct stat sa, sb;
	struct diag d;
	bool same;

	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return false;
	if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
		return true;
	diag_init(&d);
	same = config_file_read(a, &ta, &la, &d) == 0 &&
	    config_file_read(b, &tb, &lb, &d) == 0 && la == lb &&
	    memcmp(ta, tb, la) == 0;
	diag_clear(&d);
	if (ta != NULL)
		explicit_bzero(ta, la);
	if (tb != NULL)
		explicit_bzero(tb, lb);
	free(ta);
	free(tb);
	return same;
}

/* save_atomic()'s temporary files of PATH: ".tunsh.conf.AbC123". */
static void
remove_temporaries(const char *path)
{
	char dir[4096], base[4096], prefix[4200], tmp[8400];
	const char *dn, *bn;
	struct dirent *e;
	DIR *dh;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	dn = dirname(dir);
	bn = basename(base);
	snprintf(prefix, sizeof(prefix), ".%s.", bn);
	if ((dh = opendir(dn)) == NULL)
		return;
	while ((e = readdir(dh)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 &&
		    strlen(e->d_name) == strlen(prefix) + 6) {
			snprintf(tmp, sizeof(tmp), "%s/%s", dn, e->d_name);
			if (unlink(tmp) == 0)
				log_warn("config",
				    "removed %s: left by a save that did "
				    "not complete",
				    tmp);
		}
	closedir(dh);
}

/*
 * PATH.previous is there only while a commit is in progress.  The commit
 * reached its record if the last record's configuration is the file in
 * place: it is complete, and the start applies it.  Otherwise it never
 * completed: the file from before it goes back (an empty PATH.previous
 * says there was none).
 */
static void
recover_interrupted(struct config_store *s, struct diag *d)
{
	char backup[4096], last[4096];
	const struct config_commit_info *h = history_get(&s->hist, 0);
	struct stat st;

	snprintf(backup, sizeof(backup), "%s.previous", s->path);
	if (lstat(backup, &st) < 0)
		return;
	if (h != NULL &&
	    history_path(&s->hist, h->version, "conf", last, sizeof(last)) ==
		0 &&
	    same_content(last, s->path)) {
		unlink(backup);
		diag_warn(d,
		    "%s: tunshd stopped during commit %llu, after it was "
		    "recorded; starting from it",
		    s->path, (unsigned long long)h->version);
	} else if (st.st_size == 0 ? unlink(s->path) < 0 && errno != ENOENT :
				     rename(backup, s->path) < 0) {
		diag_warn(d, "%s: cannot restore %s: %s", s->path, backup,
		    strerror(errno));
		return;
	} else {
		unlink(backup);
		diag_warn(d,
		    "%s: tunshd stopped during a commit; the "
		    "configuration from before it was restored",
		    s->path);
	}
	sync_dir(s->path);
}

/*
 * The file, or the last commit when the file is missing, empty or broken
 * and there is one: a firewall that boots carries its tunnels (Junos boots
 * from its last committed configuration).  The bad file is kept as
 * PATH.rejected and the last commit written in its place.  No commit at
 * all: a missing or empty file means the defaults, a broken one is fatal.
 */
static struct config *
load_start(struct config_store *s, struct diag *d)
{
	const struct config_commit_info *h = history_get(&s->hist, 0);
	char last[4096], rejected[4096], why[600];
	struct config *c = NULL;
	struct stat st;
	struct diag fd;
	bool missing;

	missing = stat(s->path, &st) < 0 && errno == ENOENT;
	diag_init(&fd);
	if (missing)
		snprintf(why, sizeof(why), "%s is missing", s->path);
	else if (st.st_size == 0 && h != NULL)
		snprintf(why, sizeof(why), "%s is empty", s->path);
	else if ((c = config_load_file(s->path, &fd)) != NULL &&
	    config_validate(c, &fd) == 0)
		goto loaded;
	else
		snprintf(why, sizeof(why), "%s does not load (%s)", s->path,
		    fd.errors ? fd.entries[fd.count - 1].text : "?");
	config_free(c);
	if (h == NULL) {
		diag_move(d, &fd);
		return missing ? config_new() : NULL;
	}
	diag_clear(&fd);
	history_path(&s->hist, h->version, "conf", last, sizeof(last));
	if ((c = history_load(&s->hist, 0, d)) == NULL ||
	    config_validate(c, d) < 0) {
		diag_error(d,
		    "%s, and the last commit (%llu, %s) does not load "
		    "either: not started; fix %s (tunshd --check-config) or "
		    "copy a commit from %s over it",
		    why, (unsigned long long)h->version, last, s->path,
		    s->hist.dir);
		config_free(c);
		return NULL;
	}
	snprintf(rejected, sizeof(rejected), "%s.rejected", s->path);
	if (!missing && rename(s->path, rejected) < 0)
		snprintf(rejected, sizeof(rejected), "(not kept: %s)",
		    strerror(errno));
	diag_warn(d,
	    "%s: started from the last commit, %llu (%s by %s); the "
	    "file was %s%s and is rewritten from that commit",
	    why, (unsigned long long)h->version, last, h->user,
	    missing ? "not there" : "kept as ", missing ? "" : rejected);
	if (config_save_file(c, s->path, NULL, NULL, d) < 0)
		diag_warn(d, "%s stays as it is until the next commit",
		    s->path);
	return c;
loaded:
	diag_move(d, &fd);
	/* Legitimate, but worth a line: the history no longer says what
	 * runs. */
	if (h != NULL &&
	    history_path(&s->hist, h->version, "conf", last, sizeof(last)) ==
		0 &&
	    !same_content(last, s->path))
		log_warn("config",
		    "%s differs from the last commit, %llu (%s): edited by "
		    "hand; starting from the file",
		    s->path, (unsigned long long)h->version, last);
	return c;
}

/* A commit confirmed that was pending when tunshd stopped. */
static void
rearm_confirm(struct config_store *s, struct diag *d)
{
	const struct config_commit_info *h = history_get(&s->hist, 0);
	char undo[4096];
	struct diag ud;

	if (h == NULL || h->confirm_deadline == 0 ||
	    history_path(&s->hist, h->version, "undo", undo, sizeof(undo)) <
		0 ||
	    access(undo, F_OK) < 0)
		return; /* none, or confirmed */
	diag_init(&ud);
	s->confirm_prev = config_load_file(undo, &ud);
	diag_clear(&ud);
	if (s->confirm_prev == NULL) {
		diag_warn(d,
		    "commit %llu was not confirmed, but what it reverts to "
		    "(%s) does not load: it stays",
		    (unsigned long long)h->version, undo);
		return;
	}
	s->confirm_deadline = h->confirm_deadline;
	s->confirm_seconds = h->confirm_seconds;
	s->confirm_version = h->version;
	log_warn("config",
	    "commit %llu is still to be confirmed (by %lld, in %lld s)",
	    (unsigned long long)h->version, (long long)h->confirm_deadline,
	    (long long)(h->confirm_deadline - now(s)));
}

/*
 * The configuration tunshd starts with goes into the history when it
 * differs from the last commit there, so that rollback and show
 * configuration history tell the truth from the first start on: version
 * 0 at a first start, the next version for a file edited by hand.  Not
 * while a commit confirmed waits: its record must stay the last one for
 * a restart to find it.  A failure to record costs the record only.
 */
static void
record_start(struct config_store *s, struct diag *d)
{
	const struct config_commit_info *h = history_get(&s->hist, 0);
	struct config_commit_info info = { .time = now(s) };
	struct config *last = NULL;
	struct config_plan plan;
	char conf[4096];
	struct diag ld;
	int rc;

	if (s->hist.dir == NULL || s->confirm_prev != NULL)
		return;
	if (h != NULL) {
		if (history_path(&s->hist, h->version, "conf", conf,
			sizeof(conf)) == 0 &&
		    same_content(conf, s->path))
			return;
		diag_init(&ld);
		last = history_load(&s->hist, 0, &ld);
		diag_clear(&ld);
	}
	if (last == NULL && (last = config_new()) == NULL)
		return;
	s->running->system_changed = true;
	rc = config_plan_build(last, s->running, &plan);
	s->running->system_changed = false;
	config_free(last);
	if (rc < 0)
		return;
	/* Written differently, the same configuration: nothing to keep. */
	if (h != NULL && plan.n_steps == 0) {
		config_plan_free(&plan);
		return;
	}
	info.version = h != NULL ? h->version + 1 : 0;
	snprintf(info.user, sizeof(info.user), "tunshd");
	snprintf(info.source, sizeof(info.source), "start");
	if (h != NULL)
		snprintf(info.comment, sizeof(info.comment),
		    "started with %.150s, which differs from commit %llu",
		    s->path, (unsigned long long)h->version);
	else
		snprintf(info.comment, sizeof(info.comment),
		    "the configuration of the first start");
	summarize(&plan, info.summary, sizeof(info.summary));
	config_plan_free(&plan);
	if (history_record(&s->hist, s->running, &info, d) < 0 ||
	    history_push(&s->hist, &info) < 0) {
		diag_warn(d,
		    "the configuration tunshd started with could not be "
		    "recorded in %s: rollback cannot return to it",
		    s->hist.dir);
		return;
	}
	s->running->version = info.version;
	log_info("config", "commit %llu by tunshd at start: %s (%s)",
	    (unsigned long long)info.version, info.summary, info.comment);
}

struct config_store *
config_store_open(const struct config_store_params *p, struct diag *d)
{
	struct config_store *s = calloc(1, sizeof(*s));
	struct config *loaded = NULL;
	struct config_plan plan;
	int rc;

	if (s == NULL)
		goto oom;
	s->path = strdup(p->path);
	s->apply = p->apply;
	s->apply_arg = p->apply_arg;
	s->clock = p->clock ? *p->clock :
			      (struct config_clock){ real_now, NULL };
	if (s->path == NULL || (s->running = config_new()) == NULL)
		goto oom;
	rc = history_open(&s->hist, p->history_dir,
	    p->history_max ? p->history_max : HISTORY_MAX_DEFAULT);
	if (rc < 0)
		diag_warn(d, "%s: cannot read the commit history: %s",
		    p->history_dir, strerror(-rc));
	remove_temporaries(p->path);
	recover_interrupted(s, d);
	if ((loaded = load_start(s, d)) == NULL)
		goto fail;
	loaded->version = s->hist.n ? s->hist.v[s->hist.n - 1].version : 0;
	s->running->version = loaded->version;
	/* Bring the live state up from nothing: a full plan, all adds. */
	loaded->system_changed = true;
	if (config_plan_build(s->running, loaded, &plan) < 0)
		goto oom;
	rc = apply_plan(s, &plan, d);
	config_plan_free(&plan);
	loaded->system_changed = false;
	if (rc < 0)
		goto fail;
	config_free(s->running);
	s->running = loaded;
	loaded = NULL;
	if ((s->idx = config_index_build(s->running)) == NULL)
		goto oom;
	rearm_confirm(s, d);
	/* Its time ran out while tunshd was down: revert now. */
	if (s->confirm_prev != NULL && config_store_poll(s, d) < 0)
		diag_warn(d, "the automatic rollback is retried every second");
	record_start(s, d);
	return s;
oom:
	diag_error(d, "out of memory opening the configuration");
fail:
	config_free(loaded);
	config_store_free(s);
	return NULL;
}

void
config_store_free(struct config_store *s)
{
	if (s == NULL)
		return;
	config_free(s->running);
	config_free(s->confirm_prev);
	config_index_free(s->idx);
	history_free(&s->hist);
	free(s->path);
	free(s);
}
