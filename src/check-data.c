// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The data checks: pre-copy info and its end of data, the stop-copy size
 * estimate against what was saved, a save -> restore round trip into the
 * same device, a truncated stream refused at resuming -> stop, reset from
 * several states, and what the driver does on close.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"
#include "check.h"
#include "device.h"
#include "log.h"
#include "pump.h"
#include "stream.h"
#include "vfio.h"

/* Device state larger than this is not round-tripped through memory. */
#define ROUND_TRIP_MAX (256u << 20)

/* Enter a session state and return its data_fd, or -1. */
static int session(struct check_ctx *c, uint32_t from, uint32_t to)
{
	int fd = -1;

	if (check_goto(c, from) || vdev_set_state(&c->s.d, to, &fd))
		return -1;
	return fd;
}

/* Read to the end (pre-copy: to the temporary end); *end names how. */
static ssize_t drain(int fd, uint8_t **buf, size_t *cap, bool precopy,
		     const char **end)
{
	size_t got = 0;

	for (;;) {
		ssize_t n;

		if (got == *cap) {
			uint8_t *nb;

			if (*cap >= ROUND_TRIP_MAX)
				return -EFBIG;
			nb = realloc(*buf, *cap ? *cap * 2 : 65536);
			if (!nb)
				return -ENOMEM;
			*buf = nb;
			*cap = *cap ? *cap * 2 : 65536;
		}
		n = read(fd, *buf + got, *cap - got);
		if (n > 0) {
			got += n;
			continue;
		}
		if (n == 0) {
			*end = "eof";
			return got;
		}
		if (errno == EINTR && !sig_caught())
			continue;
		if (precopy && (errno == ENOMSG || errno == EAGAIN)) {
			*end = errno == ENOMSG ? "ENOMSG" : "EAGAIN";
			return got;
		}
		return -errno;
	}
}

void check_precopy(struct check_ctx *c)
{
	uint64_t initial, dirty;
	uint8_t *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int fd, r;

	if (!(c->s.d.flags & MIG_PRE_COPY)) {
		check_add(c, "precopy", CK_SKIP, "the device has no pre_copy support");
		return;
	}
	fd = session(c, ST_RUNNING, ST_PRE_COPY);
	if (fd < 0) {
		check_add(c, "precopy", CK_FAIL, "running -> pre_copy gave no data session");
		return;
	}
	r = vfio_precopy_info(fd, &initial, &dirty);
	n = r ? r : drain(fd, &buf, &cap, true, &c->precopy_end);
	if (r || n < 0) {
		check_add(c, "precopy", CK_FAIL, "%s in pre_copy: %s",
			  r ? "VFIO_MIG_GET_PRECOPY_INFO" : "reading", errstr(r ? r : (int)n));
	} else if ((uint64_t)n < initial) {
		check_add(c, "precopy", CK_FAIL, "initial_bytes %llu but only %zd read "
			  "before the end of data", (unsigned long long)initial, n);
	} else {
		int fd2 = -1;

		/* The same session in stop_copy: precopy info must be refused. */
		r = vdev_set_state(&c->s.d, ST_STOP_COPY, &fd2);
		if (fd2 >= 0)
			close(fd2);
		r = r ? r : vfio_precopy_info(fd, &initial, &dirty);
		if (r != -EINVAL)
			check_add(c, "precopy", CK_FAIL, "precopy info in stop_copy "
				  "answered %s, not EINVAL", r ? errstr(r) : "success");
		else
			check_add(c, "precopy", CK_PASS, "precopy info in pre_copy, %zd "
				  "initial bytes drained (end: %s), refused in stop_copy",
				  n, c->precopy_end);
	}
	close(fd);
	free(buf);
	check_home(c);
}

/* Save the whole state into memory: stop_copy from stop, read to EOF. */
static ssize_t save_all(struct check_ctx *c, uint8_t **buf, size_t *cap)
{
	const char *end;
	ssize_t n;
	int fd = session(c, ST_STOP, ST_STOP_COPY);

	if (fd < 0)
		return -EIO;
	n = drain(fd, buf, cap, false, &end);
	close(fd);
	return n;
}

/* resuming, write len bytes, then resuming -> stop: 0 or -errno. */
static int load(struct check_ctx *c, const uint8_t *buf, size_t len)
{
	int fd = session(c, ST_STOP, ST_RESUMING);
	int r, fd2;

	if (fd < 0)
		return -EIO;
	r = write_full(fd, buf, len);
	close(fd);
	if (r)
		return r;
	r = vdev_set_state(&c->s.d, ST_STOP, &fd2);
	if (fd2 >= 0)
		close(fd2);
	return r;
}

static void check_size(struct check_ctx *c, uint64_t est)
{
	uint64_t n = c->saved_bytes;

	if (est == (uint64_t)-1)
		check_add(c, "size-estimate", CK_SKIP, "no MIG_DATA_SIZE (before 6.2)");
	else if (est < n / 2 || est > 2 * n + 4096)
		check_add(c, "size-estimate", CK_FAIL, "estimate %llu bytes, saved %llu",
			  (unsigned long long)est, (unsigned long long)n);
	else
		check_add(c, "size-estimate", CK_PASS, "estimate %llu bytes, saved %llu",
			  (unsigned long long)est, (unsigned long long)n);
}

void check_round_trip(struct check_ctx *c)
{
	uint64_t est;
	size_t cap = 0;
	ssize_t n;
	int r;

	if (vdev_data_size(&c->s.d, &est))
		est = (uint64_t)-1;
	n = save_all(c, &c->saved, &cap);
	if (n < 0) {
		check_add(c, "round-trip", n == -EFBIG ? CK_SKIP : CK_FAIL,
			  "saving: %s", errstr((int)n));
		free(c->saved);
		c->saved = NULL;
		check_home(c);
		return;
	}
	c->saved_bytes = n;
	check_size(c, est);
	r = load(c, c->saved, n);
	if (r)
		check_add(c, "round-trip", CK_FAIL, "restoring %zd bytes into the same "
			  "device: %s", n, errstr(r));
	else if (check_goto(c, ST_RUNNING))
		check_add(c, "round-trip", CK_FAIL, "stop -> running after the restore failed");
	else
		check_add(c, "round-trip", CK_PASS, "%zd bytes saved and restored into "
			  "the same device, running again", n);
	check_home(c);
}

/* Half of the saved state must not be accepted at resuming -> stop. */
void check_truncated(struct check_ctx *c)
{
	size_t n = c->saved_bytes;
	uint32_t st;
	int r;

	if (!c->saved || n < 2) {
		check_add(c, "truncated", CK_SKIP, "no saved state of 2 bytes or more");
		return;
	}
	r = load(c, c->saved, n / 2);
	if (!r)
		check_add(c, "truncated", CK_FAIL, "%zu of %zu bytes accepted at "
			  "resuming -> stop", n / 2, n);
	else if (vdev_get_state(&c->s.d, &st) || st != ST_RESUMING)
		check_add(c, "truncated", CK_FAIL, "refused (%s) but the device "
			  "left resuming", errstr(r));
	else
		check_add(c, "truncated", CK_PASS, "%zu of %zu bytes refused at "
			  "resuming -> stop (%s), device still resuming", n / 2, n,
			  errstr(r));
	check_home(c);
}

void check_reset(struct check_ctx *c)
{
	static const uint32_t from[] = { ST_RUNNING_P2P, ST_STOP, ST_STOP_COPY,
					 ST_RESUMING, ST_PRE_COPY, ST_PRE_COPY_P2P };
	char list[120] = "";
	size_t used = 0;
	uint32_t st;

	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		int fd = -1;

		if (!fsm_supported(from[i], c->s.d.flags))
			continue;
		if (check_goto(c, ST_RUNNING) || vdev_set_state(&c->s.d, from[i], &fd)) {
			check_add(c, "reset", CK_FAIL, "cannot reach %s", fsm_name(from[i]));
			return;
		}
		if (fd >= 0)
			close(fd);
		if (vdev_reset(&c->s.d) || vdev_get_state(&c->s.d, &st) || st != ST_RUNNING) {
			check_add(c, "reset", CK_FAIL, "reset from %s did not give running",
				  fsm_name(from[i]));
			return;
		}
		used += snprintf(list + used, sizeof(list) - used, "%s%s",
				 used ? ", " : "", fsm_name(from[i]));
	}
	check_add(c, "reset", CK_PASS, "VFIO_DEVICE_RESET from %s gave running", list);
}

/* Driver's choice: the state after the device is closed and reopened. */
void check_close(struct check_ctx *c)
{
	struct devinfo di = c->s.d.info;
	char why[VDEV_WHY];
	uint32_t st;

	if (c->s.d.path == PATH_HOLDER) {
		c->close_behaviour = "not observed (held by vfiomig hold)";
		return;
	}
	if (check_goto(c, ST_STOP)) {
		c->close_behaviour = "unknown";
		return;
	}
	vdev_close(&c->s.d);
	if (vdev_open(&di, opts.open, &c->s.d, why) || !vdev_probe_mig(&c->s.d) ||
	    vdev_get_state(&c->s.d, &st)) {
		err("check %s: reopening it: %s", di.name, why[0] ? why : "no state");
		c->close_behaviour = "unknown (reopen failed)";
		return;
	}
	c->close_behaviour = st == ST_STOP ? "keeps its state" : "returns to running";
}
