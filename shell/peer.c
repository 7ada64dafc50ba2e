/*
 * shell/peer.c: who is at the other end of a session's socket.  The user
 * and the role come from SO_PEERCRED's uid and the groups of that user;
 * the source the client claims in its HELLO ("ssh ADDR PORT", "console
 * TTY") is checked against /proc: an ssh claim against the TCP
 * connection of the sshd, run by root, that the client descends from.
 * Reads /proc and the group database only; no sockets of its own, no
 * sessions.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shell/server.h"

/* The gid of a group, or -1: getgrnam() returns static storage, so the
 * gid is copied out at once (two calls must not share one result). */
static long
group_id(const char *name)
{
	struct group *g = getgrnam(name);

	return g != NULL ? (long)g->gr_gid : -1;
}

int
peer_role(uid_t uid, char *user, size_t len, enum commands_role *role)
{
	struct passwd *pw = getpwuid(uid);
	gid_t groups[256];
	int n = (int)(sizeof(groups) / sizeof(groups[0]));
	long admin = group_id("tunsh-admin"), oper = group_id("tunsh");
	bool is_oper = false;

	if (pw != NULL)
		snprintf(user, len, "%s", pw->pw_name);
	else
		snprintf(user, len, "uid %lu", (unsigned long)uid);
	if (uid == 0) {
		*role = COMMANDS_ADMIN;
		return 0;
	}
	if (pw == NULL || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return -EPERM;
	for (int i = 0; i < n; i++) {
		if (admin >= 0 && groups[i] == (gid_t)admin) {
			*role = COMMANDS_ADMIN;
			return 0;
		}
		is_oper |= oper >= 0 && groups[i] == (gid_t)oper;
	}
	if (!is_oper)
		return -EPERM;
	*role = COMMANDS_OPERATOR;
	return 0;
}

/* From /proc/PID/stat and status: the parent, the name and the real uid.
 * The name is between the first '(' and the last ')': it may hold both. */
static int
proc_info(pid_t pid, pid_t *ppid, char *comm, size_t len, long *ruid)
{
	char path[64], buf[1024], *open, *close;
	FILE *f;
	size_t n;
	int p;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((open = strchr(buf, '(')) == NULL ||
	    (close = strrchr(buf, ')')) == NULL || close < open ||
	    sscanf(close + 1, " %*c %d", &p) != 1)
		return -EINVAL;
	snprintf(comm, len, "%.*s", (int)(close - open - 1), open + 1);
	*ppid = (pid_t)p;
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -errno;
	*ruid = -1;
	while (fgets(buf, sizeof(buf), f) != NULL)
		if (sscanf(buf, "Uid: %ld", ruid) == 1)
			break;
	fclose(f);
	return *ruid >= 0 ? 0 : -EINVAL;
}

/* The nearest ancestor of pid that is an sshd (sshd, sshd-session) whose
 * real uid is root: a user may name a process sshd, but cannot give it
 * root's uid.  0 when there is none. */
static pid_t
sshd_ancestor(pid_t pid)
{
	char comm[64];
	pid_t ppid;
	long ruid;

	for (int depth = 0; depth < 32 && pid > 1; depth++) {
		if (proc_info(pid, &ppid, comm, sizeof(comm), &ruid) < 0)
			return 0;
		if (ruid == 0 && strncmp(comm, "sshd", 4) == 0)
			return pid;
		pid = ppid;
	}
	return 0;
}

/* The socket inodes among pid's descriptors. */
static size_t
socket_inodes(pid_t pid, unsigned long *ino, size_t max)
{
	char path[64], link[64], fd[PATH_MAX];
	struct dirent *e;
	size_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((dir = opendir(path)) == NULL)
		return 0;
	while (n < max && (e = readdir(dir)) != NULL) {
		ssize_t l;

		if (e->d_name[0] == '.')
			continue;
		snprintf(fd, sizeof(fd), "%s/%s", path, e->d_name);
		if ((l = readlink(fd, link, sizeof(link) - 1)) <= 0)
			continue;
		link[l] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino[n]) == 1)
			n++;
	}
	closedir(dir);
	return n;
}

/* Address words as /proc/net/tcp{,6} prints them: each 32-bit word as
 * the host-order integer of its bytes in memory. */
static bool
hex_addr(const char *hex, size_t words, unsigned char *out)
{
	for (size_t i = 0; i < words; i++) {
		char w[9];
		uint32_t v;
		char *end;

		memcpy(w, hex + 8 * i, 8);
		w[8] = '\0';
		v = (uint32_t)strtoul(w, &end, 16);
		if (*end != '\0')
			return false;
		memcpy(out + 4 * i, &v, sizeof(v));
	}
	return true;
}

/*
 * Whether a connection of pid's network namespace, on one of the sockets
 * ino, has the remote end addr (4 or 16 bytes) and port.  An IPv4 peer of
 * an IPv6 socket is a v4-mapped address there.
 */
static bool
has_peer(pid_t pid, bool v6, const unsigned char *addr, size_t alen,
    unsigned port, const unsigned long *ino, size_t n_ino)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	char path[64], line[512], rem[40];
	unsigned char a[16];
	unsigned long inode;
	unsigned rport;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/net/tcp%s", (long)pid,
	    v6 ? "6" : "");
	if ((f = fopen(path, "re")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line,
			" %*s %*s %39[0-9A-Fa-f]:%x %*s %*s %*s %*s "
			"%*s %*s %lu",
			rem, &rport, &inode) != 3 ||
		    strlen(rem) != (v6 ? 32u : 8u) || rport != port ||
		    !hex_addr(rem, v6 ? 4 : 1, a))
			continue;
		if (!(v6 && alen == 4 && memcmp(a, mapped, 12) == 0 &&
			memcmp(a + 12, addr, 4) == 0) &&
		    !(alen == (v6 ? 16u : 4u) && memcmp(a, addr, alen) == 0))
			continue;
		for (size_t i = 0; i < n_ino && !found; i++)
			found = ino[i] == inode;
	}
	fclose(f);
	return found;
}

/* "ssh ADDR PORT": the claim holds when the sshd above pid has it. */
static bool
ssh_holds(pid_t pid, const char *claim)
{
	char ip[64];
	unsigned char addr[16];
	unsigned long ino[64];
	unsigned port;
	size_t alen, n;
	pid_t sshd;
	char end;

	if (sscanf(claim, "ssh %63s %u%c", ip, &port, &end) != 2 ||
	    port > 65535 || (sshd = sshd_ancestor(pid)) == 0)
		return false;
	if (inet_pton(AF_INET, ip, addr) == 1)
		alen = 4;
	else if (inet_pton(AF_INET6, ip, addr) == 1)
		alen = 16;
	else
		return false;
	if ((n = socket_inodes(sshd, ino, sizeof(ino) / sizeof(ino[0]))) == 0)
		return false;
	return (alen == 4 && has_peer(sshd, false, addr, 4, port, ino, n)) ||
	    has_peer(sshd, true, addr, alen, port, ino, n);
}

/* "console TTY": the claim holds when pid's standard input is TTY. */
static bool
console_holds(pid_t pid, const char *claim)
{
	char path[64], tty[256];
	ssize_t l;

	snprintf(path, sizeof(path), "/proc/%ld/fd/0", (long)pid);
	if ((l = readlink(path, tty, sizeof(tty) - 1)) <= 0)
		return false;
	tty[l] = '\0';
	return strcmp(claim + strlen("console "), tty) == 0;
}

bool
peer_source(pid_t pid, const char *claim, char *out, size_t len)
{
	bool holds;

	if (strncmp(claim, "ssh ", 4) == 0)
		holds = ssh_holds(pid, claim);
	else if (strncmp(claim, "console ", 8) == 0)
		holds = sshd_ancestor(pid) == 0 && console_holds(pid, claim);
	else /* "pipe", "local": a local process, when no sshd is above */
		holds = (strcmp(claim, "pipe") == 0 ||
			    strcmp(claim, "local") == 0) &&
		    sshd_ancestor(pid) == 0;
	snprintf(out, len, "%s%s", claim, holds ? "" : " (claimed)");
	return holds;
}
