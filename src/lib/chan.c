// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A channel: one byte stream over a plain fd or a TLS session, read and
 * written whole. Owns retrying short transfers and EINTR; must not know
 * what the bytes mean (stream.c, mig-wire.c) nor print.
 */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chan.h"
#include "clock.h"

void chan_plain(struct chan *c, const struct vm_ctx *x, int fd, const char *peer)
{
	c->fd = fd;
	c->x = x;
	c->idle = 0;
	c->saved_flags = -1;
	c->tls = NULL;
	c->cred = NULL;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
}

/*
 * GnuTLS codes as errno: a record that fails its integrity check is a
 * bad message. A peer that vanished without closing the session is a
 * reset connection, never an end of input: a --raw stream has no framing
 * that would tell a cut-off transfer from a complete one.
 */
static ssize_t tls_errno(ssize_t n)
{
	switch (n) {
	case GNUTLS_E_PREMATURE_TERMINATION:
		return -ECONNRESET;
	case GNUTLS_E_DECRYPTION_FAILED:
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
		return -EBADMSG;
	case GNUTLS_E_PUSH_ERROR:
		return -EPIPE;
	case GNUTLS_E_PULL_ERROR:
		return -ECONNRESET;
	case GNUTLS_E_INTERRUPTED:
	case GNUTLS_E_AGAIN:
		return -EINTR;
	default:
		return -EPROTO;
	}
}

void chan_nonblock(struct chan *c)
{
	struct stat st;
	int flags;

	if (c->fd < 0 || c->saved_flags >= 0 || fstat(c->fd, &st) ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return;
	flags = fcntl(c->fd, F_GETFL);
	if (flags >= 0 && !(flags & O_NONBLOCK) &&
	    !fcntl(c->fd, F_SETFL, flags | O_NONBLOCK))
		c->saved_flags = flags;
}

/*
 * Until the fd has events (for a read: data or its end; for a write:
 * room), the cancellation, or c->idle seconds. Blocking fds get this wait
 * too: it sees a signal that came before the call (EINTR would not).
 * 0, -EINTR or -ETIMEDOUT.
 */
static int wait_fd(struct chan *c, short events)
{
	struct pollfd p[2] = { { .fd = c->fd, .events = events },
			       { .fd = cancel_fd(c->x), .events = POLLIN } };
	double deadline = c->idle > 0 ? monotonic_secs() + c->idle : -1;

	for (;;) {
		int ms = deadline < 0 ? -1 : (int)((deadline - monotonic_secs()) * 1000) + 1;

		if (cancelled(c->x))
			return -EINTR;
		if (deadline >= 0 && ms <= 0)
			return -ETIMEDOUT;
		if (poll(p, 2, ms) > 0 && p[0].revents)
			return cancelled(c->x) ? -EINTR : 0;
	}
}

ssize_t chan_read_some(struct chan *c, void *buf, size_t len)
{
	for (;;) {
		ssize_t n;
		int r = chan_pending(c) ? 0 : wait_fd(c, POLLIN);

		if (r)
			return r;
		if (!c->tls) {
			n = read(c->fd, buf, len);
			n = n < 0 ? -errno : n;
		} else {
			n = gnutls_record_recv(c->tls, buf, len);
			n = n < 0 ? tls_errno(n) : n;
		}
		/* Non-blocking, or a record not whole yet: wait again. */
		if (n == -EAGAIN || (n == -EINTR && !cancelled(c->x)))
			continue;
		return n;
	}
}

ssize_t chan_read_full(struct chan *c, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = chan_read_some(c, (uint8_t *)buf + got, len - got);

		if (n == 0)
			break;
		if (n == -EINTR && !cancelled(c->x))
			continue;
		if (n < 0)
			return n;
		got += n;
	}
	return got;
}

bool chan_pending(struct chan *c)
{
	return c->tls && gnutls_record_check_pending(c->tls) > 0;
}

static ssize_t send_some(struct chan *c, const void *buf, size_t len)
{
	ssize_t n = wait_fd(c, POLLOUT);

	if (n)
		return n;
	if (!c->tls) {
		n = write(c->fd, buf, len);
		return n < 0 ? -errno : n;
	}
	n = gnutls_record_send(c->tls, buf, len);
	return n < 0 ? tls_errno(n) : n;
}

int chan_write_full(struct chan *c, const void *buf, size_t len)
{
	while (len) {
		ssize_t n = send_some(c, buf, len);

		/* Only our own signals end a transfer; EAGAIN: no room yet
		 * (TLS: the same record again, as GnuTLS asks). */
		if ((n == -EINTR && !cancelled(c->x)) || n == -EAGAIN)
			continue;
		if (n < 0)
			return (int)n;
		buf = (const uint8_t *)buf + n;
		len -= n;
	}
	return 0;
}

/* Plain fds take the whole vector in one system call. */
static int writev_plain(struct chan *c, struct iovec *iov, int cnt)
{
	while (cnt) {
		ssize_t n = wait_fd(c, POLLOUT);

		if (n)
			return (int)n;
		n = writev(c->fd, iov, cnt);
		/* A signal that cut a write short is seen by the next wait. */
		if (n < 0 && (errno == EAGAIN || (errno == EINTR && !cancelled(c->x))))
			continue;
		if (n < 0)
			return -errno;
		while (cnt && (size_t)n >= iov->iov_len) {
			n -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	return 0;
}

int chan_writev_full(struct chan *c, struct iovec *iov, int cnt)
{
	if (!c->tls)
		return writev_plain(c, iov, cnt);
	for (int i = 0; i < cnt; i++) {
		int r = chan_write_full(c, iov[i].iov_base, iov[i].iov_len);
		if (r)
			return r;
	}
	return 0;
}

void chan_shutdown(struct chan *c)
{
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
}

void chan_close(struct chan *c)
{
	if (c->tls) {
		/* Not waiting for the peer's answer: a dead peer never gives one. */
		gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
	if (c->cred && c->server)
		gnutls_psk_free_server_credentials(c->cred);
	else if (c->cred)
		gnutls_psk_free_client_credentials(c->cred);
	c->cred = NULL;
	if (c->saved_flags >= 0 && c->fd >= 0)
		fcntl(c->fd, F_SETFL, c->saved_flags);
	c->saved_flags = -1;
	if (c->fd > STDERR_FILENO)
		close(c->fd);
	c->fd = -1;
}
