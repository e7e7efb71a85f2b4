// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig hold's server: a poll loop over one listening socket per held
 * device and at most one client per device. Requests are validated field
 * by field before anything reaches an ioctl; a bad request ends that
 * client's connection, never the holder.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sig.h"
#include "device.h"
#include "fsm.h"
#include "holder.h"
#include "holder-server.h"
#include "log.h"
#include "pump.h"
#include "session.h"
#include "vfio.h"

/* The run directory: made 0700 if missing, ours, writable by us alone. */
static int open_dir(struct held *h)
{
	const char *dir = holder_dir(h->s.d.x);
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	/* O_DIRECTORY: a file that is not one is ENOTDIR; a link, ELOOP. */
	h->dir = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (h->dir < 0)
		return -errno;
	if (fstat(h->dir, &st))
		return -errno;
	if (st.st_uid != geteuid()) {
		err("hold: socket directory %s is owned by uid %u, not by us (uid %u): %s",
		    dir, (unsigned int)st.st_uid, (unsigned int)geteuid(),
		    errstr(EPERM));
		return -EPERM;
	}
	return fchmod(h->dir, 0700) ? -errno : 0;
}

/*
 * Under the lock, what is at NAME.sock already: nothing, or a dead
 * holder's socket (nobody listens; the rename below replaces it). A
 * live listener that does not hold the lock, or a file that is not a
 * socket, is not ours to remove: refuse to start.
 */
static int check_existing(struct held *h, const char *sock)
{
	const char *name = h->s.d.info.name;
	struct stat st;
	int s;

	if (fstatat(h->dir, sock, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		err("hold %s: %s is there and is not a socket: left alone: %s",
		    name, h->sock, errstr(EEXIST));
		return -EEXIST;
	}
	s = hold_connect(h->sock);
	if (s >= 0) {
		close(s);
		err("hold %s: a process that does not hold %s.lock listens on %s: %s",
		    name, name, h->sock, errstr(EBUSY));
		return -EBUSY;
	}
	return s == -ECONNREFUSED ? 0 : s;
}

/*
 * Listen on NAME.sock.new, then rename it to NAME.sock: a client finds
 * the socket only once it listens, and a dead holder's is replaced in
 * one step. The inode is remembered so that we only ever remove ours.
 */
static int bind_listen(struct held *h, const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char tmp[300];
	struct stat st;
	int r = 0;

	snprintf(tmp, sizeof(tmp), "%s.new", sock);
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.new", h->sock) >=
	    sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	/* Left by a holder that died before its rename; we have the lock. */
	unlinkat(h->dir, tmp, 0);
	h->listen = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (h->listen < 0 || bind(h->listen, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	/* Bound under the lock: NAME.sock.new is ours until renamed. */
	if (fstatat(h->dir, tmp, &st, AT_SYMLINK_NOFOLLOW) ||
	    fchmodat(h->dir, tmp, 0600, 0) || listen(h->listen, 4) ||
	    renameat(h->dir, tmp, h->dir, sock))
		r = -errno;
	if (r) {
		unlinkat(h->dir, tmp, 0);
		return r;
	}
	h->sock_dev = st.st_dev;
	h->sock_ino = st.st_ino;
	return 0;
}

int holder_listen(struct held *h)
{
	const char *name = h->s.d.info.name;
	struct sockaddr_un sa;
	char sock[300];
	int r;

	h->listen = h->client = h->dir = h->lock = -1;
	h->sock_ino = 0;
	r = open_dir(h);
	if (r) {
		if (r != -EPERM)
			err("hold: socket directory %s: %s", holder_dir(h->s.d.x), errstr(r));
		return r;
	}
	holder_sock_path(h->s.d.x, name, h->sock, sizeof(h->sock));
	snprintf(sock, sizeof(sock), "%s.sock", name);
	if (strlen(h->sock) + strlen(".new") >= sizeof(sa.sun_path)) {
		err("hold: socket path %s is too long", h->sock);
		return -ENAMETOOLONG;
	}
	/* A client removing a stale socket has it for a moment: wait 1 s. */
	h->lock = hold_lock(h->dir, name, 1000);
	if (h->lock < 0) {
		r = h->lock;
		h->lock = -1;
		if (r == -EWOULDBLOCK) {
			err("hold %s: already held by another vfiomig hold: %s/%s.lock "
			    "is locked: %s", name, holder_dir(h->s.d.x), name, errstr(EBUSY));
			return -EBUSY;
		}
		err("hold %s: locking %s/%s.lock: %s", name, holder_dir(h->s.d.x), name,
		    errstr(r));
		return r;
	}
	r = check_existing(h, sock);
	if (!r)
		r = bind_listen(h, sock);
	if (r && r != -EEXIST && r != -EBUSY)
		err("hold %s: listening on %s: %s", name, h->sock, errstr(r));
	return r;
}

static void reply(int sock, uint16_t op, int err_, const struct hold_resp *in,
		  int fd)
{
	struct hold_resp r = { 0 };

	if (in)
		r = *in;
	r.magic = HOLD_RESP_MAGIC;
	r.version = HOLD_VERSION;
	r.op = op;
	r.err = err_;
	hold_send(sock, &r, sizeof(r), fd);
}

/* A client leaving a device in resuming leaves it for nobody: abort it. */
static void disconnect(struct held *h)
{
	uint32_t st;

	close(h->client);
	h->client = -1;
	if (!vdev_get_state(&h->s.d, &st) && st == ST_RESUMING) {
		vdev_reset(&h->s.d);
		warn("hold %s: a client left it in resuming: reset", h->s.d.info.name);
	}
}

static void release(struct held *h, uint32_t then, struct hold_resp *r)
{
	struct sess *s = &h->s;

	r->err = vdev_get_state(&s->d, &s->cur);
	s->known = !r->err;
	if (!r->err && then != HOLD_NO_STATE && then != s->cur)
		r->err = sess_goto(s, then, NULL) ? -EIO : 0;
	r->u32 = s->known ? s->cur : HOLD_NO_STATE;
	info("hold %s: released in %s", s->d.info.name, fsm_name(s->cur));
}

/* Carry out one valid request; returns the errno for the response. */
static int dispatch(struct held *h, const struct hold_req *q,
		    struct hold_resp *r, int *fd)
{
	uint32_t st;
	int e;

	*fd = -1;
	switch (q->op) {
	case HOP_HELLO:
		snprintf(r->name, sizeof(r->name), "%s", h->s.d.info.name);
		r->u32 = h->s.d.path;
		r->u64 = (uint64_t)getpid();
		return 0;
	case HOP_GET_STATE:
		e = vdev_get_state(&h->s.d, &st);
		r->u32 = e ? HOLD_NO_STATE : st;
		return e;
	case HOP_SET_STATE:
		e = vdev_set_state(&h->s.d, q->arg0, fd);
		r->u32 = vdev_get_state(&h->s.d, &st) ? HOLD_NO_STATE : st;
		return e;
	case HOP_RESET:
		return vdev_reset(&h->s.d);
	case HOP_MIG_FLAGS:
		return vdev_mig_flags(&h->s.d, &r->u64);
	case HOP_DATA_SIZE:
		return vdev_data_size(&h->s.d, &r->u64);
	case HOP_PROBE:
		return vdev_probe(&h->s.d, q->arg0, q->arg1);
	case HOP_DEVICE_INFO:
		return vdev_device_flags(&h->s.d, &r->u32);
	case HOP_RELEASE:
		release(h, q->arg0, r);
		return r->err;
	}
	return -EINVAL;
}

static void serve_request(struct held *h)
{
	/* One spare byte: a longer message shows as a wrong size. */
	union {
		struct hold_req q;
		char raw[sizeof(struct hold_req) + 1];
	} m;
	struct hold_resp r = { 0 };
	const struct hold_req *qp = &m.q;
	int fd, e;
	ssize_t n = hold_recv(h->client, m.raw, sizeof(m.raw), &fd);

	if (fd >= 0)
		close(fd); /* clients have no business sending fds */
	if (n <= 0) {
		disconnect(h);
		return;
	}
	if (!hold_req_valid(m.raw, n)) {
		warn("hold %s: refused a malformed request (%zd bytes)",
		     h->s.d.info.name, n);
		reply(h->client, n >= 8 ? qp->op : 0, -EPROTO, NULL, -1);
		disconnect(h);
		return;
	}
	dbg("hold %s: request %u (%u, %u)", h->s.d.info.name, qp->op, qp->arg0, qp->arg1);
	e = dispatch(h, qp, &r, &fd);
	reply(h->client, qp->op, e, &r, fd);
	if (fd >= 0)
		close(fd); /* the client has it now */
	if (qp->op == HOP_RELEASE && !e) {
		disconnect(h);
		holder_drop(h);
	}
}

static bool peer_allowed(int sock, uid_t uid, pid_t *pid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return false;
	*pid = cr.pid;
	return cr.uid == 0 || cr.uid == uid;
}

/*
 * Refuse a connection with an answer, at once: nothing here may wait
 * for a client, or one silent client would stall every held device.
 * Closing with its request unread makes the client's first read
 * ECONNRESET; our answer is queued behind it (holder_call reads again).
 */
static void refuse(int s, int err_, const struct hold_resp *r)
{
	reply(s, HOP_HELLO, err_, r, -1);
	close(s);
}

static void accept_client(struct holder *hs, struct held *h)
{
	struct hold_resp r = { .u64 = (uint64_t)getpid() };
	int s = accept4(h->listen, NULL, NULL, SOCK_CLOEXEC);
	pid_t pid = 0;

	if (s < 0)
		return;
	if (!peer_allowed(s, hs->uid, &pid)) {
		warn("hold %s: refused pid %d: not root or uid %u", h->s.d.info.name,
		     (int)pid, (unsigned int)hs->uid);
		refuse(s, -EACCES, &r);
	} else if (h->client >= 0) {
		/* One client at a time keeps the device's session consistent. */
		refuse(s, -EBUSY, &r);
	} else {
		info("hold %s: serving pid %d", h->s.d.info.name, (int)pid);
		h->client = s;
	}
}

/* Remove NAME.sock only if it is still the socket we bound. */
static void unlink_ours(struct held *h)
{
	char sock[300];
	struct stat st;

	snprintf(sock, sizeof(sock), "%s.sock", h->s.d.info.name);
	if (h->sock_ino && !fstatat(h->dir, sock, &st, AT_SYMLINK_NOFOLLOW) &&
	    st.st_dev == h->sock_dev && st.st_ino == h->sock_ino)
		unlinkat(h->dir, sock, 0);
	h->sock_ino = 0;
}

void holder_drop(struct held *h)
{
	if (h->client >= 0)
		disconnect(h);
	if (h->listen >= 0)
		close(h->listen);
	h->listen = -1;
	/* The name is needed for the lock file: close the device last. */
	if (h->dir >= 0) {
		unlink_ours(h);
		hold_unlock(h->dir, h->s.d.info.name, h->lock);
		close(h->dir);
	}
	h->dir = h->lock = -1;
	sess_close(&h->s);
	h->released = true;
}

/*
 * pollfd slots: 2 per device, listen then client (fd -1 is ignored), and
 * last the signal pipe, so that a signal that comes just before poll()
 * still ends it at once.
 */
static int build_poll(struct holder *hs, struct pollfd *p)
{
	int live = 0;

	p[2 * hs->n] = (struct pollfd){ .fd = sig_fd(), .events = POLLIN };
	for (int i = 0; i < hs->n; i++) {
		struct held *h = &hs->dev[i];

		p[2 * i] = (struct pollfd){ .fd = h->released ? -1 : h->listen,
					    .events = POLLIN };
		p[2 * i + 1] = (struct pollfd){ .fd = h->client, .events = POLLIN };
		live += !h->released;
	}
	return live;
}

int holder_serve(struct holder *hs)
{
	struct pollfd p[2 * DEVS_MAX + 1];

	while (!sig_caught() && build_poll(hs, p)) {
		if (poll(p, 2 * hs->n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			err("hold: poll: %s", errstr(-errno));
			return -errno;
		}
		for (int i = 0; i < hs->n; i++) {
			struct held *h = &hs->dev[i];

			if (p[2 * i + 1].revents && h->client >= 0)
				serve_request(h);
			if (p[2 * i].revents && !h->released)
				accept_client(hs, h);
		}
	}
	return 0;
}
