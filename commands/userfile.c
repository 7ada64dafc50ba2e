/*
 * commands/userfile.c: the files that load and save name, opened with the
 * rights of the session's user, never the daemon's: tunshd runs as root
 * and a member of tunsh-admin must not read /etc/shadow through it.  The
 * daemon is one thread, so around each open (and each save) it takes the
 * user's effective ids and groups and gives them back on every path.  No
 * other work here: what the files hold is load.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands/userfile.h"
#include "lib/lib.h"

#define GROUPS_MAX 256

/* The daemon's own ids, to come back to. */
struct ids {
	uid_t euid;
	gid_t egid;
	gid_t groups[GROUPS_MAX];
	int n;
};

static void
restore(const struct ids *me)
{
	/* Back to root first: only root may set the groups and the gid. */
	if (seteuid(me->euid) < 0 || setgroups((size_t)me->n, me->groups) < 0 ||
	    setegid(me->egid) < 0)
		log_err("shell", "cannot take back uid %u: %s",
		    (unsigned)me->euid, strerror(errno));
}

/*
 * Takes cred's rights: its supplementary groups, gid, uid, in that order
 * (the groups and the gid need root).  0 when nothing was needed (*switched
 * false), 1 when switched, -errno with the reason in d.
 */
static int
become(const struct userfile_cred *cred, const char *path, struct ids *me,
    bool *switched, struct diag *d)
{
	gid_t groups[GROUPS_MAX];
	int n = GROUPS_MAX, rc;
	struct passwd *pw;

	*switched = false;
	if (!cred->set) {
		diag_error(d,
		    "%s: this session's user is not known, so no file is "
		    "opened for it: use tunsh through tunshd's socket",
		    path);
		return -EPERM;
	}
	me->euid = geteuid();
	me->egid = getegid();
	if (cred->uid == me->euid)
		return 0; /* root's sessions open as root; a test's as itself */
	if (me->euid != 0) {
		diag_error(d,
		    "%s: tunshd runs as uid %u, not root, so it cannot open "
		    "files with the rights of uid %u: run tunshd as root",
		    path, (unsigned)me->euid, (unsigned)cred->uid);
		return -EPERM;
	}
	if ((me->n = getgroups(GROUPS_MAX, me->groups)) < 0)
		goto fail;
	/* getpwuid() returns static storage: the name is used at once. */
	pw = getpwuid(cred->uid);
	if (pw == NULL ||
	    getgrouplist(pw->pw_name, cred->gid, groups, &n) < 0) {
		groups[0] = cred->gid; /* no name, or too many: its gid */
		n = 1;
	}
	if (setgroups((size_t)n, groups) < 0)
		goto fail;
	if (setegid(cred->gid) < 0 || seteuid(cred->uid) < 0) {
		rc = errno;
		restore(me);
		errno = rc;
		goto fail;
	}
	*switched = true;
	return 1;
fail:
	rc = -errno;
	diag_error(d,
	    "%s: cannot take the rights of uid %u to open it (%s): nothing "
	    "was read or written",
	    path, (unsigned)cred->uid, strerror(errno));
	return rc;
}

int
userfile_read(const struct userfile_cred *cred, const char *path, char **text,
    size_t *len, struct diag *d)
{
	bool switched;
	struct ids me;
	int fd, err, rc;

	*text = NULL;
	*len = 0;
	if ((rc = become(cred, path, &me, &switched, d)) < 0)
		return rc;
	/* The rights are checked at open; the read needs none. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	err = errno;
	if (switched)
		restore(&me);
	if (fd < 0) {
		diag_error(d, "%s: %s%s", path, strerror(err),
		    err == EACCES ? ": the file is opened with your rights, "
				    "and you cannot read it" :
				    "");
		return -err;
	}
	rc = config_file_read_fd(fd, path, text, len, d);
	close(fd);
	return rc;
}

int
userfile_save(const struct userfile_cred *cred, const char *path,
    const struct config *c, struct diag *d)
{
	bool switched;
	struct ids me;
	int rc;

	if ((rc = become(cred, path, &me, &switched, d)) < 0)
		return rc;
	rc = config_save_file(c, path, NULL, NULL, d);
	if (switched)
		restore(&me);
	if (rc == -EACCES || rc == -EPERM)
		diag_error(d,
		    "%s: the file is written with your rights, and you "
		    "cannot write there: save in a directory of yours",
		    path);
	return rc;
}
