/*
 * config/history.c: the commit history on disk.  Each commit N is
 * DIR/N.conf, the configuration file exactly as committed, and DIR/N.info,
 * its record (version, time, user, source, comment, summary) in the same
 * libconfig syntax.  N.conf is a hard link to the file just saved, so
 * recording a commit costs no second write of a large configuration; a
 * copy is written only when the link is impossible (another file system).
 */
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
		if (strlen(e->d_name) != 15 ||
		    strcmp(e->d_name + 10, ".info") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		diag_init(&d);
		memset(&info, 0, sizeof(info));
		c = config_load_history(path, &info, &d);
		diag_clear(&d);
		config_free(c);
		/* A record without its configuration is of no use. */
		entry_path(h, info.version, "conf", path, sizeof(path));
		if (c == NULL || info.version == 0 || access(path, R_OK) < 0)
			continue;
		if (push(h, &info) < 0)
			break;
	}
	closedir(dh);
	if (h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), info_cmp);
	return 0;
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
history_add(struct history *h, const char *saved, const struct config *c,
    const struct config_commit_info *info, struct diag *d)
{
	char conf[4096], rec[4096];
	int rc;

	if (h->dir == NULL)
		return 0;
	entry_path(h, info->version, "conf", conf, sizeof(conf));
	entry_path(h, info->version, "info", rec, sizeof(rec));
	unlink(conf);
	if (link(saved, conf) < 0 &&
	    (rc = save_atomic(conf, write_conf, c, NULL, NULL, d)) < 0)
		return rc;
	if ((rc = save_atomic(rec, write_info, info, NULL, NULL, d)) < 0) {
		unlink(conf);
		return rc;
	}
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
