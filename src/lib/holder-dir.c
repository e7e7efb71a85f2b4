// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The holder's run directory and what both ends of a holder socket
 * trust in it (vfiomig(8), SECURITY). A socket NAME.sock is believed
 * only in a directory owned by root or by the user asking and writable
 * by nobody else, and only when it is a socket owned by one of them.
 * NAME.lock, flocked by the holder for its whole life and briefly by
 * whoever removes a stale socket, makes "is anybody serving there?" and
 * the removal one step with respect to a holder starting.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "holder.h"

const char *holder_dir(const struct vm_ctx *x)
{
	return x && x->run_dir && x->run_dir[0] ? x->run_dir : HOLD_DIR_DEFAULT;
}

void holder_sock_path(const struct vm_ctx *x, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.sock", holder_dir(x), name);
}

int hold_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >=
	    sizeof(sa.sun_path)) {
		close(s);
		return -ENAMETOOLONG;
	}
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(s);
		return -e;
	}
	return s;
}

bool hold_uid_trusted(uid_t owner, uid_t me)
{
	return owner == 0 || owner == me;
}

int hold_dir_check(int dfd, uid_t me, char *why, size_t len)
{
	struct stat st;

	if (fstat(dfd, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "it is not a directory");
	} else if (!hold_uid_trusted(st.st_uid, me)) {
		snprintf(why, len, "the directory is owned by uid %u, not by root "
			 "or uid %u", (unsigned int)st.st_uid, (unsigned int)me);
	} else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, len, "the directory is writable by group or others "
			 "(mode %04o)", (unsigned int)(st.st_mode & 07777));
	} else {
		return 0;
	}
	return -EACCES;
}

int hold_sock_check(const struct stat *st, uid_t me, char *why, size_t len)
{
	if (!S_ISSOCK(st->st_mode))
		snprintf(why, len, "it is not a socket");
	else if (!hold_uid_trusted(st->st_uid, me))
		snprintf(why, len, "the socket is owned by uid %u, not by root or "
			 "uid %u", (unsigned int)st->st_uid, (unsigned int)me);
	else
		return 0;
	return -EACCES;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * One attempt: the lock file, locked, and still the one at its name (a
 * releaser unlinks it while holding the lock, so a lock taken on an
 * unlinked file locks nothing: try again).
 */
static int lock_once(int dfd, const char *lock, int *fd)
{
	struct stat mine, there;
	int f = openat(dfd, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	*fd = -1;
	if (f < 0)
		return -errno;
	if (flock(f, LOCK_EX | LOCK_NB)) {
		int e = errno;

		close(f);
		return e == EWOULDBLOCK ? -EWOULDBLOCK : -e;
	}
	if (fstat(f, &mine) || fstatat(dfd, lock, &there, AT_SYMLINK_NOFOLLOW) ||
	    !same_inode(&mine, &there)) {
		close(f);
		return -EAGAIN;
	}
	*fd = f;
	return 0;
}

int hold_lock(int dfd, const char *name, int wait_ms)
{
	char lock[300];

	snprintf(lock, sizeof(lock), "%s.lock", name);
	for (int waited = 0;; waited += 10) {
		int fd, r = lock_once(dfd, lock, &fd);

		if (!r)
			return fd;
		if (r != -EWOULDBLOCK && r != -EAGAIN)
			return r;
		/* Another holder, or a client cleaning up for a moment. */
		if (waited >= wait_ms)
			return -EWOULDBLOCK;
		poll(NULL, 0, 10);
	}
}

void hold_unlock(int dfd, const char *name, int fd)
{
	char lock[300];

	if (fd < 0)
		return;
	snprintf(lock, sizeof(lock), "%s.lock", name);
	/* Under the lock: nobody else can have it on this file now. */
	unlinkat(dfd, lock, 0);
	close(fd);
}
