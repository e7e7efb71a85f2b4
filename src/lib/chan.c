// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A channel: one byte stream over a plain fd or a TLS session, read and
 * written whole. Owns retrying short transfers and EINTR; must not know
 * what the bytes mean (stream.c, mig-wire.c) nor print.
 */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chan.h"

void chan_plain(struct chan *c, const struct vm_ctx *x, int fd, const char *peer)
{
	c->fd = fd;
	c->x = x;
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

/*
 * A blocking read wakes on a signal (EINTR), but not on one that came
 * just before it started: poll the cancellation's fd (ctx.h) with it.
 */
static bool interrupted_before_read(struct chan *c)
{
	struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN },
			       { .fd = cancel_fd(c->x), .events = POLLIN } };

	if (c->tls && gnutls_record_check_pending(c->tls) > 0)
		return false;
	while (poll(p, 2, -1) < 0 && errno == EINTR && !cancelled(c->x))
		;
	return cancelled(c->x);
}

ssize_t chan_read_some(struct chan *c, void *buf, size_t len)
{
	ssize_t n;

	if (interrupted_before_read(c))
		return -EINTR;
	if (!c->tls) {
		n = read(c->fd, buf, len);
		return n < 0 ? -errno : n;
	}
	n = gnutls_record_recv(c->tls, buf, len);
	return n < 0 ? tls_errno(n) : n;
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
	ssize_t n;

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

		/* Only our own signals end a transfer. */
		if (n == -EINTR && !cancelled(c->x))
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
		ssize_t n = writev(c->fd, iov, cnt);

		if (n < 0 && errno == EINTR && !cancelled(c->x))
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
	if (c->fd > STDERR_FILENO)
		close(c->fd);
	c->fd = -1;
}
