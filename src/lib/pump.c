// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Moving a device's data (pump.h): a data_fd read into stream records,
 * with the pre-copy end-of-data conventions, and stream records written
 * into a data_fd; progress, and what a failure was. Must not move the
 * device between states (session.c) nor open endpoints.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "clock.h"
#include "hasher.h"
#include "pump.h"
#include "vm.h"

void progress_init(struct progress *p, const struct vm_ctx *x, const char *name,
		   uint64_t expected)
{
	memset(p, 0, sizeof(*p));
	p->x = x;
	p->name = name;
	p->expected = expected;
	p->start = p->last = monotonic_secs();
}

void progress_add(struct progress *p, uint64_t n)
{
	double t;

	p->done += n;
	if (!obs_wants_progress(p->x))
		return;
	t = monotonic_secs();
	if (t - p->last >= 0.2) {
		p->last = t;
		obs_progress(p->x, p->name, p->done, p->expected, t - p->start, false);
	}
}

void progress_end(struct progress *p)
{
	obs_progress(p->x, p->name, p->done, p->expected, monotonic_secs() - p->start,
		     true);
}

void *pump_buf(size_t len)
{
	return aligned_alloc(4096, (len + 4095) & ~(size_t)4095);
}

const char *pump_end_name(enum pump_end e)
{
	return e == END_ENOMSG ? "ENOMSG" : e == END_EAGAIN ? "EAGAIN" :
	       e == END_LIMIT ? "limit" : "eof";
}

static int failed(struct pump *p, enum origin from, int err)
{
	p->from = from;
	p->err = err;
	return from == FROM_SIGNAL ? -EINTR : err;
}

/*
 * Reads hashed here are at most this long, and each is hashed as soon as
 * it lands, while it is still in cache: a record's hash then costs little
 * more than the copy the kernel made. A record nobody hashes here (raw, or
 * the hasher's) is read whole: 4 GiB through the fake, 1 MiB reads were
 * 1.20x cat against 1.05x-1.17x for 256 KiB ones. (XXH3's streaming form gives the same hash as
 * the one-shot form over the whole record; stream_hash_update() is the
 * runtime-dispatched one, about three times as fast as the plain SSE2
 * build of libxxhash where the CPU has AVX2 or AVX-512.)
 */
#define READ_CHUNK (256u << 10)

/*
 * Fill buf (p->cap bytes) from the data_fd. Returns bytes read (0 at an
 * end, with p->end set) or -errno. Stops early at an end so that pre-copy
 * data is not held back waiting for more. hash, when not NULL, follows
 * every byte read.
 */
static ssize_t fill(struct pump *p, uint8_t *buf, bool precopy, XXH3_state_t *hash)
{
	size_t got = 0;

	while (got < p->cap) {
		/* Unhashed here (raw, or a record the hasher digests): the
		 * whole record in one read, the fewest system calls. */
		size_t want = !hash || p->cap - got < READ_CHUNK ? p->cap - got : READ_CHUNK;
		ssize_t n;
		double t;

		/* A migration thread told to stop (struct cancel's interrupt). */
		if (cancel_hit(p->x))
			return -EINTR;
		t = monotonic_secs();
		n = read(p->data_fd, buf + got, want);
		p->dev_secs += monotonic_secs() - t;
		if (n > 0) {
			if (hash)
				stream_hash_update(hash, buf + got, n);
			got += n;
			continue;
		}
		if (n == 0) {
			p->end = END_EOF;
			break;
		}
		if (errno == EINTR && !cancelled(p->x) && !cancel_hit(p->x))
			continue;
		if (precopy && (errno == ENOMSG || errno == EAGAIN)) {
			p->end = errno == ENOMSG ? END_ENOMSG : END_EAGAIN;
			break;
		}
		return -errno;
	}
	return got;
}

/* One record out, and its progress. */
static int put(struct pump *p, uint32_t phase, const uint8_t *buf, size_t n,
	       uint64_t digest)
{
	int r = sw_record_hashed(p->w, phase, buf, n, digest);

	if (r == -EINTR && cancelled(p->x))
		return failed(p, FROM_SIGNAL, -EINTR);
	if (r)
		return failed(p, FROM_OUTPUT, r);
	progress_add(p->prog, n);
	return 0;
}

/* The next record into buf: its length, or a failure told in p (< 0). */
static ssize_t next(struct pump *p, uint8_t *buf, bool precopy, XXH3_state_t *hash)
{
	ssize_t n;

	if (cancelled(p->x) || cancel_hit(p->x))
		return failed(p, FROM_SIGNAL, -EINTR);
	if (hash)
		XXH3_64bits_reset(hash);
	n = fill(p, buf, precopy, hash);
	if (n == -EINTR && (cancelled(p->x) || cancel_hit(p->x)))
		return failed(p, FROM_SIGNAL, -EINTR);
	return n < 0 ? failed(p, FROM_DEVICE, (int)n) : n;
}

/* @held: read but not yet written (the hasher's record), counted too,
 * so that a pass ends at the same record with the hasher or without. */
static void limit(struct pump *p, uint64_t held)
{
	if (p->end == END_NONE && p->prog->stop_at &&
	    p->prog->done + held >= p->prog->stop_at)
		p->end = END_LIMIT;
}

/* One thread reads, hashes each piece as it lands, and writes. */
static int save_inline(struct pump *p, uint32_t phase, bool precopy, XXH3_state_t *hash)
{
	int r = 0;

	for (p->end = END_NONE; !r && p->end == END_NONE; limit(p, 0)) {
		ssize_t n = next(p, p->buf, precopy, hash);

		if (n < 0)
			return (int)n;
		if (n > 0)
			r = put(p, phase, p->buf, n, hash ? XXH3_64bits_digest(hash) : 0);
	}
	return r;
}

/*
 * Records the hasher had not begun, this many in a row: the other core
 * is busy. The next INLINE_RECORDS are digested as they are read, then
 * the hasher is tried again.
 */
#define STEALS_MAX 2
#define INLINE_RECORDS 64

/*
 * Two buffers: while the hasher (hasher.h) digests one record, the next
 * is read into the other, and a record goes out once its digest is
 * there. When the hasher does not get to them, they are digested here
 * as they are read, as save_inline() does, for a while.
 */
static int save_offloaded(struct pump *p, uint32_t phase, bool precopy, XXH3_state_t *hash,
			  struct hasher *h, uint8_t *other)
{
	uint8_t *cur = p->buf, *given = NULL;
	unsigned int steals = 0, inline_left = 0;
	size_t given_len = 0;
	int r = 0;

	for (p->end = END_NONE; !r && p->end == END_NONE; limit(p, given ? given_len : 0)) {
		bool here = inline_left > 0, stolen;
		ssize_t n = next(p, cur, precopy, here ? hash : NULL);

		if (n < 0)
			return (int)n;
		if (given) {
			uint64_t d = hasher_take(h, &stolen);

			steals = stolen ? steals + 1 : 0;
			if (steals >= STEALS_MAX) {
				inline_left = INLINE_RECORDS;
				steals = 0;
			}
			r = put(p, phase, given, given_len, d);
			given = NULL;
		}
		if (r || !n)
			continue;
		if (here) {
			inline_left--;
			r = put(p, phase, cur, n, XXH3_64bits_digest(hash));
			continue;
		}
		hasher_give(h, cur, n);
		given = cur;
		given_len = n;
		cur = cur == p->buf ? other : p->buf;
	}
	if (!r && given) {
		bool stolen;
		uint64_t d = hasher_take(h, &stolen);

		r = put(p, phase, given, given_len, d);
	}
	return r;
}

/*
 * One thread reads and writes; with p->offload a second digests the
 * records (save_offloaded()). A second thread hashing every piece the
 * first read through a ring of 16 slots of 128 KiB was about 1.1x faster
 * while the other core was idle, but two to three times slower than one
 * thread as soon as anything else ran there: the reader waited for it
 * (bench/save-vs-cat.sh). The hasher here is never waited for unless it
 * is digesting.
 */
int pump_save(struct pump *p, uint32_t phase, bool precopy)
{
	XXH3_state_t *hash = p->w->raw ? NULL : XXH3_createState();
	struct hasher *h = NULL;
	uint8_t *other = NULL;
	int r;

	if (!p->w->raw && !hash)
		return failed(p, FROM_ELSEWHERE, -ENOMEM);
	if (hash && p->offload) {
		other = pump_buf(p->cap);
		h = other ? hasher_start() : NULL;
	}
	r = h ? save_offloaded(p, phase, precopy, hash, h, other) :
		save_inline(p, phase, precopy, hash);
	/* After the hasher: it may still read a buffer on a failure. */
	hasher_stop(h);
	free(other);
	XXH3_freeState(hash);
	return r;
}

/* One piece into the device: the driver may refuse it. */
static int feed(struct pump *p, const uint8_t *buf, size_t len, uint32_t phase)
{
	double t = monotonic_secs();
	/* Checked per piece: write_full() itself carries on after EINTR. */
	int r = cancelled(p->x) ? -EINTR : write_full(p->data_fd, buf, len);

	p->dev_secs += monotonic_secs() - t;
	if (r == -EINTR && cancelled(p->x))
		return failed(p, FROM_SIGNAL, -EINTR);
	if (r)
		return failed(p, FROM_DEVICE, r);
	p->bytes += len;
	p->records++;
	if (p->took)
		p->took(p->arg, phase, len);
	progress_add(p->prog, len);
	return 0;
}

static int input_failed(struct pump *p, int r)
{
	if (r == -EINTR && cancelled(p->x))
		return failed(p, FROM_SIGNAL, -EINTR);
	return failed(p, FROM_INPUT, r);
}

static int load_stream(struct pump *p)
{
	struct record rec;
	int r;

	while ((r = sr_next(p->r, &rec, p->buf, p->cap)) == 1) {
		r = feed(p, p->buf, rec.len, rec.phase);
		if (r)
			return r;
	}
	return r ? input_failed(p, r) : 0;
}

static int load_raw(struct pump *p)
{
	for (;;) {
		ssize_t n = chan_read_some(p->in, p->buf, p->cap);
		int r;

		if (n == 0)
			return 0;
		if (n == -EINTR && !cancelled(p->x))
			continue;
		if (n < 0)
			return input_failed(p, (int)n);
		/* Raw bytes that are a vfiomig stream: worth saying on failure. */
		if (!p->bytes && (size_t)n >= strlen(STREAM_MAGIC))
			p->framed = !memcmp(p->buf, STREAM_MAGIC, strlen(STREAM_MAGIC));
		r = feed(p, p->buf, n, PHASE_NONE);
		if (r)
			return r;
	}
}

int pump_load(struct pump *p)
{
	return p->r ? load_stream(p) : load_raw(p);
}

/* The stream's name for messages: its channel's peer. */
static const char *io_name(const struct pump *p)
{
	const struct chan *c = p->r ? p->r->io : p->w ? p->w->io : p->in;

	return c ? c->peer : "the stream";
}

int pump_why(const struct pump *p, const char *who, struct reason *why)
{
	int e = p->err;

	switch (p->from) {
	case FROM_SIGNAL:
		return fail_from(why, FROM_SIGNAL, -VM_E_INTERRUPTED, "%s: interrupted by %s",
				 who, sigabbrev_np(cancelled(p->x) ? cancelled(p->x) : SIGINT));
	case FROM_DEVICE:
		if (!p->w)
			return fail_from(why, FROM_DEVICE, -VM_E_DATA,
					 "%s: the driver refused the data at byte %llu: %s",
					 who, (unsigned long long)p->bytes, errstr(e));
		return fail_from(why, FROM_DEVICE, e, "%s: reading the device's data_fd: %s",
				 who, errstr(e));
	case FROM_INPUT:
		if (e == -VM_E_DATA)
			return fail_from(why, FROM_INPUT, e, "%s: %s: %s", who, io_name(p),
					 p->r->why);
		return fail_from(why, FROM_INPUT, -EIO, "%s: reading %s: %s", who, io_name(p),
				 errstr(e));
	case FROM_OUTPUT:
		return fail_from(why, FROM_OUTPUT, -EIO, "%s: writing %s: %s", who, io_name(p),
				 errstr(e));
	default:
		return fail(why, e, "%s: %s", who, errstr(e));
	}
}
