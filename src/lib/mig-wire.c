// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Control frames of the migration protocol (mig-wire.h): an 8-byte header
 * (type, body length; little-endian) and a bounded body. Encodes and
 * checks frames; must not touch devices.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "le.h"
#include "mig-wire.h"
#include "vm.h"

#define HELLO_MAGIC "VFMIGCTL"
#define ATTACH_MAGIC "VFMIGDAT"
/*
 * HELLO: magic, version u16, ndev u16, flags u32, session, a bitmap of
 * the devices that go through pre-copy (bit i % 8 of byte i / 8), the
 * identities.
 */
#define HELLO_FIXED (8 + 2 + 2 + 4 + MIG_SESSION_ID)
#define HELLO_BITMAP(n) (((n) + 7) / 8)

static const char *const names[] = {
	[MSG_HELLO] = "HELLO", [MSG_READY] = "READY", [MSG_ABORT] = "ABORT",
	[MSG_INITIAL] = "INITIAL", [MSG_ACK] = "ACK", [MSG_STOPPED] = "STOPPED",
	[MSG_LOADED] = "LOADED", [MSG_COMMIT] = "COMMIT", [MSG_RUNNING] = "RUNNING",
	[MSG_ATTACH] = "ATTACH", [MSG_ALIVE] = "ALIVE", [MSG_IDENTITY] = "IDENTITY",
	[MSG_AGREED] = "AGREED", [MSG_PROBE] = "PROBE", [MSG_PROBE_END] = "PROBE_END",
	[MSG_PROBED] = "PROBED", [MSG_START] = "START", [MSG_ESTIMATE] = "ESTIMATE",
};

const char *msg_name(uint32_t type)
{
	return type < sizeof(names) / sizeof(names[0]) && names[type] ?
	       names[type] : "unknown";
}

int msg_send(struct chan *c, uint32_t type, const void *body, uint32_t len)
{
	uint8_t h[8];
	struct iovec iov[2] = { { h, sizeof(h) }, { (void *)body, len } };

	put32(h, type);
	put32(h + 4, len);
	return chan_writev_full(c, iov, len ? 2 : 1);
}

int msg_recv(struct chan *c, struct msg *m)
{
	uint8_t h[8];
	ssize_t n = chan_read_full(c, h, sizeof(h));

	if (n <= 0)
		return (int)n;
	if (n < (ssize_t)sizeof(h))
		return -ECONNRESET;
	m->type = get32(h);
	m->len = get32(h + 4);
	if (!m->type || m->type > MSG_LAST || m->len > sizeof(m->body))
		return -EPROTO;
	n = chan_read_full(c, m->body, m->len);
	if (n < 0)
		return (int)n;
	return (size_t)n < m->len ? -ECONNRESET : 1;
}

/* on_signal: the channel's cancellation ends the wait too, with 0. */
static int wait_frame(struct chan *c, struct msg *m, int ms, int wake_fd, bool on_signal)
{
	struct pollfd p[3] = { { .fd = c->fd, .events = POLLIN },
			       { .fd = wake_fd, .events = POLLIN },
			       { .fd = on_signal ? cancel_fd(c->x) : -1, .events = POLLIN } };
	int r;

	if (!chan_pending(c)) {
		r = poll(p, 3, ms);
		if (r < 0)
			return errno == EINTR ? 0 : -errno;
		if (wake_fd >= 0 && (p[1].revents & POLLIN)) {
			char drain[64];

			while (read(wake_fd, drain, sizeof(drain)) > 0)
				;
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			return 0;
	}
	r = msg_recv(c, m);
	return r == 0 ? -ECONNRESET : r;
}

int msg_wait(struct chan *c, struct msg *m, int ms, int wake_fd)
{
	return wait_frame(c, m, ms, wake_fd, true);
}

/* Not cut short by a signal: the ABORT it made us send is to be read. */
void msg_linger(struct chan *c, int ms)
{
	struct msg m;

	wait_frame(c, &m, ms, -1, false);
}

int msg_abort(struct chan *c, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return msg_send(c, MSG_ABORT, why, strlen(why));
}

void hello_encode(const struct hello *h, struct msg *m)
{
	uint8_t *p = m->body, *ids = p + HELLO_FIXED + HELLO_BITMAP(h->ndev);
	unsigned int i;

	memcpy(p, HELLO_MAGIC, 8);
	put16(p + 8, MIG_PROTO_VERSION);
	put16(p + 10, h->ndev);
	put32(p + 12, h->flags);
	memcpy(p + 16, h->session, MIG_SESSION_ID);
	memset(p + HELLO_FIXED, 0, HELLO_BITMAP(h->ndev));
	for (i = 0; i < h->ndev; i++) {
		p[HELLO_FIXED + i / 8] |= (uint8_t)(h->precopy[i] << (i % 8));
		stream_encode_ident(ids + i * STREAM_HEADER_SIZE, &h->id[i]);
	}
	m->type = MSG_HELLO;
	m->len = (uint32_t)(ids - p) + h->ndev * STREAM_HEADER_SIZE;
}

int hello_decode(const struct msg *m, struct hello *h, char *why, size_t len)
{
	const uint8_t *p = m->body, *ids;
	char sw[STREAM_WHY];
	unsigned int i;

	if (m->type != MSG_HELLO || m->len < HELLO_FIXED || memcmp(p, HELLO_MAGIC, 8)) {
		snprintf(why, len, "not a vfiomig migration (no HELLO)");
		return -EPROTO;
	}
	if (get16(p + 8) != MIG_PROTO_VERSION) {
		snprintf(why, len, "migration protocol version %u, this is %u",
			 get16(p + 8), (unsigned)MIG_PROTO_VERSION);
		return -EPROTO;
	}
	h->ndev = get16(p + 10);
	if (!h->ndev || h->ndev > DEVS_MAX ||
	    m->len != HELLO_FIXED + HELLO_BITMAP(h->ndev) + h->ndev * STREAM_HEADER_SIZE) {
		snprintf(why, len, "malformed HELLO (%u devices, %u bytes)", h->ndev, m->len);
		return -EPROTO;
	}
	h->flags = get32(p + 12);
	memcpy(h->session, p + 16, MIG_SESSION_ID);
	ids = p + HELLO_FIXED + HELLO_BITMAP(h->ndev);
	for (i = 0; i < h->ndev; i++) {
		h->precopy[i] = p[HELLO_FIXED + i / 8] & (1u << (i % 8));
		if (stream_decode_ident(ids + i * STREAM_HEADER_SIZE, &h->id[i], sw)) {
			snprintf(why, len, "device %u: %s", i + 1, sw);
			return -EPROTO;
		}
	}
	return 0;
}

void attach_encode(const uint8_t *session, uint32_t dev, struct msg *m)
{
	memcpy(m->body, ATTACH_MAGIC, 8);
	memcpy(m->body + 8, session, MIG_SESSION_ID);
	put32(m->body + 8 + MIG_SESSION_ID, dev);
	m->type = MSG_ATTACH;
	m->len = 12 + MIG_SESSION_ID;
}

int attach_decode(const struct msg *m, uint8_t *session, uint32_t *dev)
{
	if (m->type != MSG_ATTACH || m->len != 12 + MIG_SESSION_ID ||
	    memcmp(m->body, ATTACH_MAGIC, 8))
		return -EPROTO;
	memcpy(session, m->body + 8, MIG_SESSION_ID);
	*dev = get32(m->body + 8 + MIG_SESSION_ID);
	return 0;
}

uint64_t msg_u64(const struct msg *m, unsigned int at)
{
	return at + 8 <= m->len ? get64(m->body + at) : 0;
}

void msg_put_u64(struct msg *m, unsigned int at, uint64_t v)
{
	put64(m->body + at, v);
	if (m->len < at + 8)
		m->len = at + 8;
}
