// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig hold's server: a poll loop over one listening socket per held
 * device and at most one client per device. Requests are validated field
 * by field before anything reaches an ioctl; a bad request ends that
 * client's connection, never the holder.
 */
#include <errno.h>
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

static int make_dir(void)
{
	const char *dir = holder_dir();
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return -EPERM;
	return chmod(dir, 0700) ? -errno : 0;
}

/* A socket file already there: a live holder (busy) or a dead one's. */
static int claim_path(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, r;

	if (access(path, F_OK))
		return 0;
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r = connect(s, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	close(s);
	if (!r)
		return -EBUSY;
	return unlink(path) ? -errno : 0;
}

int holder_listen(struct held *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r = make_dir();

	h->listen = h->client = -1;
	if (r) {
		err("hold: socket directory %s: %s", holder_dir(), errstr(r));
		return r;
	}
	holder_sock_path(h->s.d.info.name, h->sock, sizeof(h->sock));
	if (strlen(h->sock) >= sizeof(sa.sun_path)) {
		err("hold: socket path %s is too long", h->sock);
		return -ENAMETOOLONG;
	}
	r = claim_path(h->sock);
	if (r) {
		err("hold %s: %s", h->s.d.info.name, r == -EBUSY ?
		    "already held by another vfiomig hold" : errstr(r));
		return r;
	}
	h->listen = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", h->sock);
	if (h->listen < 0 || bind(h->listen, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(h->sock, 0600) || listen(h->listen, 4)) {
		r = -errno;
		err("hold %s: listening on %s: %s", h->s.d.info.name, h->sock, errstr(r));
		return r;
	}
	return 0;
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
	r->u32 = r->err && !s->known ? 0 : s->cur;
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
		r->u32 = st;
		return e;
	case HOP_SET_STATE:
		e = vdev_set_state(&h->s.d, q->arg0, fd);
		if (!vdev_get_state(&h->s.d, &st))
			r->u32 = st;
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
 * Refuse a connection with an answer. Its first request is read first (a
 * short wait at most): closing a unix socket with unread data resets the
 * peer, which would then see ECONNRESET instead of our answer.
 */
static void refuse(int s, int err_, const struct hold_resp *r)
{
	struct pollfd p = { .fd = s, .events = POLLIN };

	if (poll(&p, 1, 200) > 0) {
		char discard[sizeof(struct hold_req) + 1];

		(void)!recv(s, discard, sizeof(discard), MSG_DONTWAIT);
	}
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

void holder_drop(struct held *h)
{
	if (h->client >= 0)
		disconnect(h);
	if (h->listen >= 0) {
		close(h->listen);
		unlink(h->sock);
	}
	h->listen = -1;
	sess_close(&h->s);
	h->released = true;
}

/* pollfd slots: 2 per device, listen then client (fd -1 is ignored). */
static int build_poll(struct holder *hs, struct pollfd *p)
{
	int live = 0;

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
	struct pollfd p[2 * MAX_HELD];

	while (!sig_caught() && build_poll(hs, p)) {
		if (poll(p, 2 * hs->n, -1) < 0) {
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
