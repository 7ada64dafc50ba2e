/*
 * config/history.c: the commit history on disk.  Each commit N is
 * DIR/N.conf, the configuration file exactly as committed, and DIR/N.info,
 * its record (version, time, user, source, comment, summary) in the same
 * libconfig syntax.  N.conf is a copy, never a hard link to the file: an
 * editor or a "> tunsh.conf" that writes the file in place would otherwise
 * change the history with it, and the last commit is what tunshd starts
 * from when the file is broken.
 * N.info is written after N.conf and is the commit point: a .conf without
 * its record is the debris of a commit that never completed.  DIR/N.undo is
 * the configuration that commit confirmed N reverts to, while it waits.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_private.h"
#include "config/history.h"

static void
entry_path(const struct history *h, uint64_t version, const char *ext,
    char *buf, size_t len)
{
	snprintf(buf, len, "%s/%010llu.%s", h->dir, (unsigned long long)version,
	    ext);
}

int
history_path(const struct history *h, uint64_t version, const char *ext,
    char *buf, size_t len)
{
	if (h->dir == NULL)
		return -ENOENT;
	entry_path(h, version, ext, buf, len);
	return 0;
}

/* "0000000012.conf": 12 and "conf"; false for a name of another kind.
 * Version 0 is the configuration of a first start (store.c). */
static bool
entry_of(const char *name, uint64_t *version, const char **ext)
{
	for (int i = 0; i < 10; i++)
		if (!isdigit((unsigned char)name[i]))
			return false;
	if (name[10] != '.')
		return false;
	*ext = name + 11;
	*version = strtoull(name, NULL, 10);
	return true;
}

static bool
recorded(const struct history *h, uint64_t version)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].version == version)
			return true;
	return false;
}

/*
 * Whether name in the history directory is left by a crash: save_atomic()'s
 * temporary files (".0000000012.info.AbC123"), a .conf or an .info that is
 * not a readable record with its configuration, an .undo of no pending
 * commit confirmed.  Other files are not ours and stay.
 */
static bool
is_debris(const struct history *h, const char *name)
{
	const struct config_commit_info *last = history_get(h, 0);
	const char *ext = NULL;
	uint64_t v;

	if (name[0] == '.')
		return entry_of(name + 1, &v, &ext) &&
		    (strncmp(ext, "conf.", 5) == 0 ||
			strncmp(ext, "info.", 5) == 0 ||
			strncmp(ext, "undo.", 5) == 0);
	if (!entry_of(name, &v, &ext))
		return false;
	if (strcmp(ext, "conf") == 0 || strcmp(ext, "info") == 0)
		return !recorded(h, v);
	if (strcmp(ext, "undo") == 0)
		return last == NULL || last->version != v ||
		    last->confirm_deadline == 0;
	return false;
}

static void
remove_debris(const struct history *h)
{
	char path[4096];
	struct dirent *e;
	DIR *dh;

	if ((dh = opendir(h->dir)) == NULL)
		return;
	while ((e = readdir(dh)) != NULL) {
		if (!is_debris(h, e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", h->dir, e->d_name);
		if (unlink(path) == 0)
			log_warn("config",
			    "removed %s: left by a commit that did not "
			    "complete",
			    path);
	}
	closedir(dh);
}

static int
info_cmp(const void *pa, const void *pb)
{
	const struct config_commit_info *a = pa, *b = pb;

	return (a->version > b->version) - (a->version < b->version);
}

static int
push(struct history *h, const struct config_commit_info *info)
{
	void *p = realloc(h->v, (h->n + 1) * sizeof(*h->v));

	if (p == NULL)
		return -ENOMEM;
	h->v = p;
	h->v[h->n++] = *info;
	return 0;
}

int
history_open(struct history *h, const char *dir, unsigned max)
{
	struct config_commit_info info;
	struct dirent *e;
	struct config *c;
	struct diag d;
	char path[4096];
	const char *ext;
	bool oom = false;
	uint64_t v;
	DIR *dh;

	memset(h, 0, sizeof(*h));
	h->max = max;
	if (dir == NULL)
		return 0;
	if ((h->dir = strdup(dir)) == NULL)
		return -ENOMEM;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((dh = opendir(dir)) == NULL)
		return -errno;
	while ((e = readdir(dh)) != NULL) {
		if (strlen(e->d_name) != 15 || !entry_of(e->d_name, &v, &ext) ||
		    strcmp(ext, "info") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		diag_init(&d);
		memset(&info, 0, sizeof(info));
		c = config_load_history(path, &info, &d);
		diag_clear(&d);
		config_free(c);
		/* A record without its configuration is of no use, and one
		 * that is not the version its name says is not ours. */
		entry_path(h, info.version, "conf", path, sizeof(path));
		if (c == NULL || info.version != v || access(path, R_OK) < 0)
			continue;
		if (push(h, &info) < 0) {
			oom = true;
			break;
		}
	}
	closedir(dh);
	if (h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), info_cmp);
	/* Only a complete reading tells debris from records. */
	if (!oom)
		remove_debris(h);
	return oom ? -ENOMEM : 0;
}

void
history_free(struct history *h)
{
	free(h->v);
	free(h->dir);
	memset(h, 0, sizeof(*h));
}

static int
write_conf(FILE *f, const void *arg)
{
	return config_file_write(arg, f);
}

static int
write_info(FILE *f, const void *arg)
{
	return config_write_record(arg, f);
}

int
history_record(struct history *h, const struct config *c,
    const struct config_commit_info *info, struct diag *d)
{
	char conf[4096], rec[4096];
	int rc;

	if (h->dir == NULL)
		return 0;
	entry_path(h, info->version, "conf", conf, sizeof(conf));
	entry_path(h, info->version, "info", rec, sizeof(rec));
	unlink(rec);
	unlink(conf);
	if ((rc = save_atomic(conf, write_conf, c, NULL, NULL, d)) < 0)
		return rc;
	if ((rc = save_atomic(rec, write_info, info, NULL, NULL, d)) < 0) {
		unlink(conf);
		return rc;
	}
	return 0;
}

void
history_unrecord(struct history *h, uint64_t version)
{
	char path[4096];

	if (h->dir == NULL)
		return;
	/* The record first: without it the commit never happened. */
	entry_path(h, version, "info", path, sizeof(path));
	unlink(path);
	sync_dir(path);
	entry_path(h, version, "conf", path, sizeof(path));
	unlink(path);
}

int
history_push(struct history *h, const struct config_commit_info *info)
{
	char conf[4096], rec[4096];
	int rc;

	if (h->dir == NULL)
		return 0;
	if ((rc = push(h, info)) < 0)
		return rc;
	while (h->n > h->max) {
		entry_path(h, h->v[0].version, "info", rec, sizeof(rec));
		entry_path(h, h->v[0].version, "conf", conf, sizeof(conf));
		unlink(rec);
		unlink(conf);
		memmove(&h->v[0], &h->v[1], (h->n - 1) * sizeof(*h->v));
		h->n--;
	}
	return 0;
}

const struct config_commit_info *
history_get(const struct history *h, size_t n)
{
	return n < h->n ? &h->v[h->n - 1 - n] : NULL;
}

struct config *
history_load(const struct history *h, size_t n, struct diag *d)
{
	const struct config_commit_info *info = history_get(h, n);
	char path[4096];

	if (info == NULL)
		return NULL;
	entry_path(h, info->version, "conf", path, sizeof(path));
	return config_load_file(path, d);
}
