/*
 * commands/userfile.h: files named by a user, opened with that user's
 * rights; private to commands/.
 */
#ifndef TUNSH_COMMANDS_USERFILE_H
#define TUNSH_COMMANDS_USERFILE_H

#include <stdbool.h>
#include <sys/types.h>

#include "config/config.h"

/* Who is on the other end of a session (SO_PEERCRED). */
struct userfile_cred {
	bool set; /* false: unknown, and no file is opened */
	uid_t uid;
	gid_t gid;
};

/*
 * Reads the file at path as cred's user: a regular file of at most
 * CONFIG_FILE_MAX bytes (config_file_read_fd()).  *text is NUL-terminated
 * and may hold keys: explicit_bzero() it before free().
 */
int userfile_read(const struct userfile_cred *cred, const char *path,
    char **text, size_t *len, struct diag *d);
/* Saves c at path (atomically, mode 0600) as cred's user: the temporary
 * file and the rename are the user's, and so is the file. */
int userfile_save(const struct userfile_cred *cred, const char *path,
    const struct config *c, struct diag *d);

#endif
