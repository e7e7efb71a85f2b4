// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The holder backend: a device that a vfiomig hold process keeps open,
 * reached over its socket (holder-proto.h). vdev_open() tries it first;
 * every operation of struct vdev_ops becomes one request and answer, and
 * a data session comes back as a passed fd. Silent like every backend.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "holder.h"
#include "log.h"
#include "vfiomig.h"

const char *holder_dir(void)
{
	const char *dir = getenv("VFIOMIG_RUNDIR");

	return dir && dir[0] ? dir : HOLD_DIR_DEFAULT;
}

void holder_sock_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.sock", holder_dir(), name);
}

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

static int connect_sock(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(s);
		return -e;
	}
	return s;
}

static int hello(const struct devinfo *di, struct vdev *d, char *why)
{
	struct hold_resp resp;
	int r = holder_call(d, HOP_HELLO, 0, 0, &resp, NULL);

	if (r == -EBUSY)
		why_set(why, VDEV_WHY, "%s: device busy: held by vfiomig hold (pid %llu), "
			"which is serving another command", di->name,
			(unsigned long long)resp.u64);
	else if (r == -EACCES)
		why_set(why, VDEV_WHY, "%s: held by vfiomig hold: permission denied: only "
			"root or the holder's user may use it", di->name);
	else if (r)
		why_set(why, VDEV_WHY, "%s: the holder refused the connection: %s",
			di->name, errstr(r));
	if (r)
		return r;
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

static int held_set_state(struct vdev *d, uint32_t state, int *data_fd)
{
	struct hold_resp r;

	return holder_call(d, HOP_SET_STATE, state, 0, &r, data_fd);
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

	/* The state is known only when the holder answered. */
	*state = r.magic == HOLD_RESP_MAGIC ? (int)r.u32 : -1;
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

int holder_open(const struct devinfo *di, struct vdev *d, char *why)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 64];
	int s;

	holder_sock_path(di->name, path, sizeof(path));
	if (access(path, F_OK)) {
		/* The directory is 0700: another user cannot even look. */
		if (errno != EACCES)
			return 0;
		why_set(why, VDEV_WHY, "%s: cannot reach a holder in %s: permission "
			"denied (only root and the holder's user may)", di->name,
			holder_dir());
		return -EACCES;
	}
	s = connect_sock(path);
	if (s == -ECONNREFUSED) {
		/* The holder died without cleaning up: the socket is stale. */
		if (!unlink(path))
			info("%s: removed the stale holder socket %s", di->name, path);
		return 0;
	}
	if (s == -EACCES) {
		why_set(why, VDEV_WHY, "%s: held by vfiomig hold: permission denied on %s",
			di->name, path);
		return -EACCES;
	}
	if (s < 0)
		return 0;
	d->fd = s;
	d->ops = &holder_ops;
	d->path = PATH_HOLDER;
	return hello(di, d, why);
}
