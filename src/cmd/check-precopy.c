// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pre-copy accounting past the initial bytes (data.precopy.dirty): once
 * initial_bytes is used up, PRECOPY_INFO's dirty_bytes is what the next
 * reads can give before the next end of data, so no read may give more
 * (mlx5 before 6.3 counted only the buffer at the read position and
 * under-reported); and initial + dirty at the start is within the
 * stop-copy estimate, as data.size allows it (half to twice, plus 4 KiB).
 * A VMM sizes its pre-copy rounds and its switchover on these numbers.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "device.h"
#include "log.h"
#include "vfio.h"

#define ROUNDS 3

struct acct {
	uint64_t initial, dirty;   /* the first PRECOPY_INFO */
	int rounds;                /* rounds past the initial bytes */
	uint64_t said, read;       /* the round that failed, or the last */
	char err[120];
};

/* Read exactly n bytes (fewer if the data ends first): bytes or -errno. */
static ssize_t read_n(int fd, uint8_t *buf, size_t cap, uint64_t n)
{
	uint64_t got = 0;

	while (got < n) {
		size_t want = n - got < cap ? (size_t)(n - got) : cap;
		ssize_t r = read(fd, buf, want);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == ENOMSG || errno == EAGAIN))
			break;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		got += (uint64_t)r;
	}
	return (ssize_t)got;
}

/*
 * Read the initial bytes, then up to ROUNDS times: PRECOPY_INFO, read to
 * the next end of data. 1 when a round read more than dirty_bytes said,
 * 0 when none did, -1 with err set when the driver answered an error.
 */
static int rounds(int fd, struct acct *a)
{
	uint8_t *buf = malloc(65536);
	size_t cap = 65536;
	const char *end;
	ssize_t n;
	uint64_t i;
	int bad = 0;

	n = buf ? read_n(fd, buf, cap, a->initial) : -ENOMEM;
	while (n >= 0 && a->rounds < ROUNDS) {
		int r = vfio_precopy_info(fd, &i, &a->said);

		if (r) {
			snprintf(a->err, sizeof(a->err), "PRECOPY_INFO past the initial "
				 "bytes: %s", errstr(r));
			break;
		}
		/* initial bytes again (stuck, REINIT): data.precopy.info's */
		if (i)
			break;
		a->rounds++;
		n = check_drain(fd, &buf, &cap, 0, &end);
		a->read = n > 0 ? (uint64_t)n : 0;
		if (n > 0 && a->read > a->said) {
			bad = 1;
			break;
		}
		if (!a->said && !a->read)
			break;
	}
	if (n < 0 && !a->err[0])
		snprintf(a->err, sizeof(a->err), "reading in pre_copy: %s",
			 errstr((int)n));
	free(buf);
	return a->err[0] ? -1 : bad;
}

void check_precopy_dirty(struct check_ctx *c)
{
	const char *rule = "data.precopy.dirty";
	struct acct a = { 0 };
	uint64_t est = 0;
	bool sized;
	int fd, r;

	if (!(c->s.d.flags & MIG_PRE_COPY)) {
		check_add(c, rule, CK_SKIP, "the device has no pre_copy");
		return;
	}
	if (check_failed(c, "data.precopy.info")) {
		check_add(c, rule, CK_SKIP, "needs PRECOPY_INFO (data.precopy.info)");
		return;
	}
	fd = check_session(c, ST_RUNNING, ST_PRE_COPY);
	if (fd < 0) {
		check_add(c, rule, CK_SKIP, "no data session");
		check_home(c);
		return;
	}
	sized = !vdev_data_size(&c->s.d, &est);
	r = vfio_precopy_info(fd, &a.initial, &a.dirty);
	r = r ? -1 : rounds(fd, &a);
	close(fd);
	check_home(c);
	if (r < 0)
		check_add(c, rule, CK_FAIL, "%s", a.err[0] ? a.err :
			  "PRECOPY_INFO in pre_copy failed");
	else if (r)
		check_add(c, rule, CK_FAIL, "round %d past the initial bytes: "
			  "dirty_bytes %llu, then %llu bytes read before the next end "
			  "of data", a.rounds, (unsigned long long)a.said,
			  (unsigned long long)a.read);
	else if (sized && a.initial + a.dirty > 2 * est + 4096)
		check_add(c, rule, CK_FAIL, "initial_bytes %llu + dirty_bytes %llu "
			  "at the start, for a stop-copy estimate of %llu bytes",
			  (unsigned long long)a.initial, (unsigned long long)a.dirty,
			  (unsigned long long)est);
	else
		check_add(c, rule, CK_PASS, "%d round%s past %llu initial bytes, "
			  "none read more than dirty_bytes said (last: %llu said, "
			  "%llu read); initial + dirty %llu, estimate %s%llu",
			  a.rounds, a.rounds == 1 ? "" : "s",
			  (unsigned long long)a.initial, (unsigned long long)a.said,
			  (unsigned long long)a.read,
			  (unsigned long long)(a.initial + a.dirty), sized ? "" : "n/a ",
			  (unsigned long long)est);
}
