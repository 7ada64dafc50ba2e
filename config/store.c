/*
 * config/store.c: the commit engine.  Owns the running configuration, its
 * index and its history; turns a candidate into running all or nothing:
 * stale-base check, validation, plan, save, apply, and on any failure the
 * applied steps undone in reverse and the previous file put back.  Also
 * commit confirmed (revert unless confirmed in time) and rollback.
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
	return 0;
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

/*
 * Makes next the running configuration: save, apply, history.  next gets
 * the new version.  On failure nothing changed: not the file, not the live
 * state, not running.
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
	/*
	 * Keep the old file under a second name until the apply succeeds:
	 * undoing is then a rename, and the file comes back byte for byte.
	 */
	snprintf(backup, sizeof(backup), "%s.previous", s->path);
	unlink(backup);
	had_file = link(s->path, backup) == 0;
	if ((rc = config_save_file(next, s->path, NULL, NULL, d)) < 0) {
		diag_error(d,
		    "commit failed: the configuration could not be "
		    "saved; nothing was changed");
		if (had_file)
			unlink(backup);
		config_plan_free(&plan);
		return rc;
	}
	plan.new_cfg = next;
	if ((rc = apply_plan(s, &plan, d)) < 0) {
		/* The committer sees the reasons; the log keeps that it
		 * happened, for whoever looks later. */
		log_warn("config",
		    "commit by %s from %s failed and was undone: %s",
		    o->user ? o->user : "unknown", o->source ? o->source : "",
		    d->count ? d->entries[d->count - 1].text : strerror(-rc));
		if (had_file ? rename(backup, s->path) : unlink(s->path))
			diag_error(d, "%s could not be restored: %s", s->path,
			    strerror(errno));
		sync_dir(s->path);
		config_plan_free(&plan);
		return rc;
	}
	if (had_file)
		unlink(backup);
	info.version = next->version;
	info.time = now(s);
	snprintf(info.user, sizeof(info.user), "%s",
	    o->user ? o->user : "unknown");
	snprintf(info.source, sizeof(info.source), "%s",
	    o->source ? o->source : "");
	snprintf(info.comment, sizeof(info.comment), "%s",
	    o->comment ? o->comment : "");
	summarize(&plan, info.summary, sizeof(info.summary));
	config_plan_free(&plan);
	/* The audit trail: who, from where, what (never a key). */
	log_info("config", "commit %llu by %s from %s: %s%s%s%s",
	    (unsigned long long)info.version, info.user,
	    info.source[0] ? info.source : "?", info.summary,
	    info.comment[0] ? " (comment \"" : "", info.comment,
	    info.comment[0] ? "\")" : "");
	if (history_add(&s->hist, s->path, next, &info, d) < 0)
		diag_warn(d,
		    "commit %llu is applied but was not recorded in "
		    "the history",
		    (unsigned long long)info.version);
	return 0;
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

int
config_store_commit(struct config_store *s, struct config *cand,
    const struct config_commit_opts *o, struct diag *d)
{
	struct config *next, *prev;
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
			config_free(s->confirm_prev);
			s->confirm_prev = NULL;
			s->confirm_deadline = 0;
			log_info("config", "commit %llu confirmed",
			    (unsigned long long)s->confirm_version);
		}
		return 0;
	}
	if ((next = config_copy(cand)) == NULL) {
		diag_error(d, "commit failed: out of memory");
		return -ENOMEM;
	}
	if ((rc = switch_to(s, next, cand, o, d)) < 0) {
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
		s->confirm_deadline = now(s) + (int64_t)o->confirm_seconds;
		s->confirm_seconds = o->confirm_seconds;
		s->confirm_version = next->version;
	} else {
		config_free(prev);
		if (s->confirm_prev != NULL) {
			config_free(s->confirm_prev);
			s->confirm_prev = NULL;
			s->confirm_deadline = 0;
		}
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
	config_free(s->confirm_prev);
	s->confirm_prev = NULL;
	s->confirm_deadline = 0;
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

/*
 * A crash between saving a commit and finishing its apply leaves the file
 * before it as PATH.previous: that commit never completed, so put the file
 * back.  Temporary files of an interrupted save are removed.
 */
static void
recover_interrupted(const char *path, struct diag *d)
{
	char backup[4096], dir[4096], base[4096], prefix[4200], tmp[8400];
	const char *dn, *bn;
	struct dirent *e;
	DIR *dh;

	snprintf(backup, sizeof(backup), "%s.previous", path);
	if (access(backup, F_OK) == 0) {
		if (rename(backup, path) == 0) {
			sync_dir(path);
			diag_warn(d,
			    "%s: tunshd stopped during a commit; the "
			    "configuration from before it was restored",
			    path);
		} else {
			diag_warn(d, "%s: cannot restore %s: %s", path, backup,
			    strerror(errno));
		}
	}
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
			unlink(tmp);
		}
	closedir(dh);
}

struct config_store *
config_store_open(const struct config_store_params *p, struct diag *d)
{
	struct config_store *s = calloc(1, sizeof(*s));
	struct config *loaded = NULL;
	struct config_plan plan;
	struct stat st;
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
	recover_interrupted(p->path, d);
	if (stat(p->path, &st) < 0 && errno == ENOENT)
		loaded = config_new();
	else
		loaded = config_load_file(p->path, d);
	if (loaded == NULL || config_validate(loaded, d) < 0)
		goto fail;
	rc = history_open(&s->hist, p->history_dir,
	    p->history_max ? p->history_max : HISTORY_MAX_DEFAULT);
	if (rc < 0)
		diag_warn(d, "%s: cannot read the commit history: %s",
		    p->history_dir, strerror(-rc));
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
