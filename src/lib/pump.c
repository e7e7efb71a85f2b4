// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Moving a device's data: a data_fd read into stream records (save),
 * with the pre-copy end-of-data conventions and progress. Must not move
 * the device between states (session.c) nor open endpoints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "sig.h"
#include "clock.h"
#include "events.h"
#include "pump.h"
#include "vfiomig.h"

static void progress_print(struct progress *p, double t)
{
	double secs = t - p->start;
	double rate = secs > 0 ? p->done / secs : 0;

	fprintf(stderr, "\r%.1f MiB  %.1f MiB/s", p->done / 1048576.0,
		rate / 1048576.0);
	if (p->expected)
		fprintf(stderr, "  %.0f%%", 100.0 * p->done / p->expected);
	fputs("   ", stderr);
}

void progress_init(struct progress *p, bool on, uint64_t expected)
{
	memset(p, 0, sizeof(*p));
	p->on = on;
	p->expected = expected;
	p->start = p->last = monotonic_secs();
}

void progress_add(struct progress *p, uint64_t n)
{
	double t;

	p->done += n;
	if (!p->on && !(p->name && events_on()))
		return;
	t = monotonic_secs();
	if (t - p->last >= 0.2) {
		p->last = t;
		if (p->on)
			progress_print(p, t);
		if (p->name)
			ev_progress(p->name, p->done, p->expected, t - p->start, false);
	}
}

void progress_end(struct progress *p)
{
	if (p->name)
		ev_progress(p->name, p->done, p->expected, monotonic_secs() - p->start, true);
	if (!p->on)
		return;
	progress_print(p, monotonic_secs());
	fputc('\n', stderr);
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

/*
 * Reads are at most this long, and each is hashed as soon as it lands,
 * while it is still in cache: a record's hash then costs little more than
 * the copy the kernel made. (XXH3's streaming form gives the same hash as
 * the one-shot form over the whole record; stream_hash_update() is the
 * runtime-dispatched one, about three times as fast as the plain SSE2
 * build of libxxhash where the CPU has AVX2 or AVX-512.)
 */
#define READ_CHUNK (256u << 10)

/*
 * Fill buf from data_fd. Returns bytes read (0 at an end, with *end set)
 * or -errno. Stops early at an end so that pre-copy data is not held
 * back waiting for more. hash, when not NULL, follows every byte read.
 */
static ssize_t fill(int fd, uint8_t *buf, size_t cap, bool precopy,
		    enum pump_end *end, XXH3_state_t *hash)
{
	size_t got = 0;

	while (got < cap) {
		size_t want = cap - got < READ_CHUNK ? cap - got : READ_CHUNK;
		ssize_t n;

		/* A migration thread told to stop (sig_interrupt()). */
		if (sig_cancelled())
			return -EINTR;
		n = read(fd, buf + got, want);

		if (n > 0) {
			if (hash)
				stream_hash_update(hash, buf + got, n);
			got += n;
			continue;
		}
		if (n == 0) {
			*end = END_EOF;
			break;
		}
		if (errno == EINTR && !sig_caught() && !sig_cancelled())
			continue;
		if (precopy && (errno == ENOMSG || errno == EAGAIN)) {
			*end = errno == ENOMSG ? END_ENOMSG : END_EAGAIN;
			break;
		}
		return -errno;
	}
	return got;
}

/*
 * One thread reads and writes. A second thread hashing what the first
 * read was slower with 1-8 MiB buffers (the data had left the cache) and,
 * with a ring of 16 slots of 128 KiB, about 1.1x faster while the other
 * core was idle but two to three times slower than one thread as soon as
 * anything else ran there (bench/save-vs-cat.sh).
 */
int pump_save(int data_fd, struct stream_writer *w, uint32_t phase, bool precopy,
	      uint8_t *buf, size_t cap, struct progress *p, enum pump_end *end,
	      const char **where)
{
	XXH3_state_t *hash = w->raw ? NULL : XXH3_createState();
	int r;

	if (!w->raw && !hash) {
		*where = "read";
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		*end = (enum pump_end)-1;
		if (sig_caught()) {
			*where = "read";
			r = -EINTR;
			break;
		}
		if (hash)
			XXH3_64bits_reset(hash);
		n = fill(data_fd, buf, cap, precopy, end, hash);
		if (n < 0) {
			*where = "read";
			r = (int)n;
			break;
		}
		if (n > 0) {
			r = sw_record_hashed(w, phase, buf, n,
					     hash ? XXH3_64bits_digest(hash) : 0);
			if (r) {
				*where = "write";
				break;
			}
			progress_add(p, n);
		}
		if (*end == (enum pump_end)-1 && p->stop_at && p->done >= p->stop_at)
			*end = END_LIMIT;
		if (*end != (enum pump_end)-1) {
			r = 0;
			break;
		}
	}
	XXH3_freeState(hash);
	return r;
}
