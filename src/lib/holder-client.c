// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The holder backend: a device that a vfiomig hold process keeps open,
 * reached over its socket (holder-proto.h). vdev_open() tries it first;
 * every operation of struct vdev_ops becomes one request and answer, and
 * a data session comes back as a passed fd. Silent like every backend.
 *
 * Nothing a socket says is believed before it is known to be a holder's
 * (vfiomig(8), SECURITY): the run directory and the socket must belong
 * to root or to us (holder-dir.c), the server's SO_PEERCRED uid too, and
 * a passed fd must look like a data session. A socket that fails a check
 * is an error, not a reason to open the device directly: the user must
 * see that something else is listening where a holder should be.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fsm.h"
#include "holder.h"
#include "vm.h"

int hold_send(int sock, const void *msg, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

/* Close every fd a message carried except the first, which is returned. */
static int take_fds(struct msghdr *mh)
{
	int fd = -1;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int f;

			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = f;
			else
				close(f);
		}
	}
	return fd;
}

ssize_t hold_recv(int sock, void *msg, size_t len, int *fd)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { msg, len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;

	*fd = -1;
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	*fd = take_fds(&mh);
	/* A truncated message is a wrong-sized one: never half-trusted. */
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return (ssize_t)len + 1;
	return n;
}

int holder_call(struct vdev *d, uint16_t op, uint32_t arg0, uint32_t arg1,
		struct hold_resp *resp, int *fd)
{
	struct hold_req req = {
		.magic = HOLD_REQ_MAGIC, .version = HOLD_VERSION, .op = op,
		.arg0 = arg0, .arg1 = arg1,
	};
	/* One spare byte: a longer message shows as a wrong size. */
	union {
		struct hold_resp r;
		char raw[sizeof(struct hold_resp) + 1];
	} m;
	int pfd = -1, r = hold_send(d->fd, &req, sizeof(req), -1);
	ssize_t n;

	if (fd)
		*fd = -1;
	/*
	 * A holder that refuses us (busy, not allowed) answers and closes at
	 * once, maybe before our request went out: read its answer anyway.
	 */
	n = hold_recv(d->fd, m.raw, sizeof(m.raw), &pfd);
	/*
	 * A holder that closed without reading our request resets the
	 * connection; its answer is still queued behind the reset.
	 */
	if (n == -ECONNRESET)
		n = hold_recv(d->fd, m.raw, sizeof(m.raw), &pfd);
	if (r && n <= 0)
		return r == -EPIPE ? -ECONNRESET : r;
	if (n < 0)
		return (int)n;
	*resp = m.r;
	if (!hold_resp_valid(m.raw, n, op)) {
		if (pfd >= 0)
			close(pfd);
		return n == 0 ? -ECONNRESET : -EPROTO;
	}
	if (fd)
		*fd = pfd;
	else if (pfd >= 0)
		close(pfd);
	return resp->err;
}

static int hello(const struct devinfo *di, struct vdev *d, struct reason *why)
{
	struct hold_resp resp;
	int r = holder_call(d, HOP_HELLO, 0, 0, &resp, NULL);

	if (r == -EBUSY)
		why_set(why, "%s: device busy: held by vfiomig hold (pid %llu), "
			"which is serving another command", di->name,
			(unsigned long long)resp.u64);
	else if (r == -EACCES)
		why_set(why, "%s: held by vfiomig hold: permission denied: only "
			"root or the holder's user may use it", di->name);
	else if (r)
		why_set(why, "%s: the holder refused the connection: %s",
			di->name, errstr(r));
	if (r)
		return r;
	/* A holder of another device, or one that cannot say how it opened
	 * it, is not the holder of this one. */
	if (strncmp(resp.name, di->name, sizeof(resp.name)) ||
	    (resp.u32 != PATH_CDEV && resp.u32 != PATH_GROUP) || !resp.u64 ||
	    resp.u64 > INT_MAX) {
		why_set(why, "%s: the holder's answer to HELLO does not "
			"describe this device: %s", di->name, errstr(EPROTO));
		return -EPROTO;
	}
	d->holder_pid = (int)resp.u64;
	d->held_path = (enum open_path)resp.u32;
	return 1;
}

static int held_mig_flags(struct vdev *d, uint64_t *flags)
{
	struct hold_resp r;
	int e = holder_call(d, HOP_MIG_FLAGS, 0, 0, &r, NULL);

	*flags = e ? 0 : r.u64;
	return e;
}

static int held_get_state(struct vdev *d, uint32_t *state)
{
	struct hold_resp r;
	int e = holder_call(d, HOP_GET_STATE, 0, 0, &r, NULL);

	if (!e)
		*state = r.u32;
	return e;
}

/*
 * What a data session looks like: the anon inode file a driver makes
 * (anon_inode_getfile() in mtty, mlx5, hisi_acc, qat, pds), or a regular
 * file (the fake device's sessions), open for reading when saving and for
 * writing when resuming. A socket, pipe, device node, directory, O_PATH
 * fd or an fd for a state that opens no session is refused: nothing else
 * is ever read from or written to as device data.
 */
static bool data_fd_fits(int fd, uint32_t state)
{
	int fl = fcntl(fd, F_GETFL), acc = fl & O_ACCMODE;
	struct statfs sfs;
	struct stat st;

	if (fl < 0 || (fl & O_PATH) || fstat(fd, &st) || fstatfs(fd, &sfs))
		return false;
	if (sfs.f_type != ANON_INODE_FS_MAGIC && !S_ISREG(st.st_mode))
		return false;
	switch (state) {
	case ST_STOP_COPY:
	case ST_PRE_COPY:
	case ST_PRE_COPY_P2P:
		return acc == O_RDONLY || acc == O_RDWR;
	case ST_RESUMING:
		return acc == O_WRONLY || acc == O_RDWR;
	default:
		return false;
	}
}

static int held_set_state(struct vdev *d, uint32_t state, int *data_fd)
{
	struct hold_resp r;
	int e = holder_call(d, HOP_SET_STATE, state, 0, &r, data_fd);

	if (*data_fd >= 0 && !data_fd_fits(*data_fd, state)) {
		note_dbg(d->x, "%s: the holder passed an fd that is not a data session for %s",
			 d->info.name, fsm_name(state));
		close(*data_fd);
		*data_fd = -1;
		return -EPROTO;
	}
	return e;
}

static int held_reset(struct vdev *d)
{
	struct hold_resp r;

	return holder_call(d, HOP_RESET, 0, 0, &r, NULL);
}

static int held_data_size(struct vdev *d, uint64_t *bytes)
{
	struct hold_resp r;
	int e = holder_call(d, HOP_DATA_SIZE, 0, 0, &r, NULL);

	*bytes = e ? 0 : r.u64;
	return e;
}

static int held_probe(struct vdev *d, uint32_t feature, uint32_t op)
{
	struct hold_resp r;

	return holder_call(d, HOP_PROBE, feature, op, &r, NULL);
}

static int held_device_flags(struct vdev *d, uint32_t *flags)
{
	struct hold_resp r;
	int e = holder_call(d, HOP_DEVICE_INFO, 0, 0, &r, NULL);

	*flags = e ? 0 : r.u32;
	return e;
}

static int held_release(struct vdev *d, uint32_t then, int *state)
{
	struct hold_resp r = { 0 };
	int e = holder_call(d, HOP_RELEASE, then, 0, &r, NULL);

	/* The state is known only when the holder answered with one. */
	*state = r.magic == HOLD_RESP_MAGIC && r.u32 < ST_NR ? (int)r.u32 : -1;
	return e;
}

static void held_close(struct vdev *d)
{
	/* The holder keeps the device; we only hang up. */
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

static const struct vdev_ops holder_ops = {
	.mig_flags = held_mig_flags,
	.get_state = held_get_state,
	.set_state = held_set_state,
	.reset = held_reset,
	.data_size = held_data_size,
	.probe = held_probe,
	.device_flags = held_device_flags,
	.release = held_release,
	.close = held_close,
};

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * A socket that refused our connection: a dead holder's, unless a holder
 * is starting or ending right now. Holders keep NAME.lock for as long as
 * they live and bind only under it, so once we have the lock, a socket
 * that is still the one that refused us and still refuses is stale.
 */
static void remove_stale(const struct vm_ctx *x, int dfd, const char *name,
			 const char *sock, const char *path, const struct stat *seen)
{
	struct stat now;
	int lock = hold_lock(dfd, name, 0), s;

	if (lock < 0) {
		note_dbg(x, "%s: %s refused a connection, but %s.lock is taken: left alone",
			 name, path, name);
		return;
	}
	s = hold_connect(path);
	if (s >= 0)
		close(s);
	else if (s == -ECONNREFUSED &&
		 !fstatat(dfd, sock, &now, AT_SYMLINK_NOFOLLOW) &&
		 same_inode(&now, seen) && !unlinkat(dfd, sock, 0))
		note_info(x, "%s: removed the stale holder socket %s", name, path);
	hold_unlock(dfd, name, lock);
}

/* The one line a socket that is not a holder's gets; no fallback. */
static int untrusted(const struct devinfo *di, const char *path,
		     const char *reason, struct reason *why)
{
	why_set(why, "%s: holder socket %s refused: %s: %s", di->name, path, reason,
		errstr(EACCES));
	reason_hint(why, HINT_NO_HOLDER);
	return -EACCES;
}

/* Connected: the server must run as root or as us. */
static int check_peer(const struct devinfo *di, const char *path, int s,
		      struct reason *why)
{
	char reason[128];
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
		snprintf(reason, sizeof(reason), "its credentials are unknown (%s)",
			 strerrorname_np(errno));
		return untrusted(di, path, reason, why);
	}
	if (hold_uid_trusted(cr.uid, geteuid()))
		return 0;
	snprintf(reason, sizeof(reason), "it is served by uid %u (pid %d), not "
		 "by root or uid %u", (unsigned int)cr.uid, (int)cr.pid,
		 (unsigned int)geteuid());
	return untrusted(di, path, reason, why);
}

/* The run directory and the socket in it, before we connect. */
static int check_place(const struct vm_ctx *x, const struct devinfo *di, int dfd,
		       const char *sock, const char *path, struct stat *st,
		       struct reason *why)
{
	char reason[128];

	if (fstatat(dfd, sock, st, AT_SYMLINK_NOFOLLOW)) {
		int e = errno;

		if (e == ENOENT)
			return 0;
		if (e != EACCES) {
			why_set(why, "%s: looking for a holder at %s: %s",
				di->name, path, errstr(e));
			return -e;
		}
		/* The directory is 0700: another user cannot even look. */
		why_set(why, "%s: cannot reach a holder in %s: permission "
			"denied (only root and the holder's user may)", di->name,
			holder_dir(x));
		return -EACCES;
	}
	if (hold_dir_check(dfd, geteuid(), reason, sizeof(reason)) ||
	    hold_sock_check(st, geteuid(), reason, sizeof(reason)))
		return untrusted(di, path, reason, why);
	return 1;
}

static int reach(const struct devinfo *di, struct vdev *d, int dfd, struct reason *why)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 64], sock[300];
	struct stat st;
	int s;

	snprintf(sock, sizeof(sock), "%s.sock", di->name);
	holder_sock_path(d->x, di->name, path, sizeof(path));
	s = check_place(d->x, di, dfd, sock, path, &st, why);
	if (s <= 0)
		return s;
	s = hold_connect(path);
	if (s == -ECONNREFUSED) {
		remove_stale(d->x, dfd, di->name, sock, path, &st);
		return 0;
	}
	if (s == -EACCES) {
		why_set(why, "%s: held by vfiomig hold: permission denied on %s",
			di->name, path);
		return -EACCES;
	}
	if (s < 0)
		return 0;
	d->fd = s;
	d->ops = &holder_ops;
	d->path = PATH_HOLDER;
	s = check_peer(di, path, d->fd, why);
	return s ? s : hello(di, d, why);
}

int holder_open(const struct vm_ctx *x, const struct devinfo *di, struct vdev *d,
		struct reason *why)
{
	int dfd = open(holder_dir(x), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (dfd < 0) {
		int e = errno;

		if (e == ENOENT)
			return 0; /* no holder has ever run here */
		if (e == ELOOP || e == ENOTDIR) {
			why_set(why, "%s: holder directory %s refused: not a "
				"directory (symbolic links are not followed): %s",
				di->name, holder_dir(x), errstr(EACCES));
			return -EACCES;
		}
		why_set(why, "%s: holder directory %s: %s", di->name,
			holder_dir(x), errstr(e));
		return -e;
	}
	d->x = x;
	r = reach(di, d, dfd, why);
	close(dfd);
	return r;
}
