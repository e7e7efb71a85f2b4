// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The data checks: pre-copy info and its end of data, the reference
 * save (kept for the other data checks), the stop-copy size estimate
 * against several saves, a truncated state refused at resuming -> stop,
 * hostile data refused and a reset recovering the device, reset from
 * every state, and what the driver does on close.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig.h"
#include "check.h"
#include "device.h"
#include "log.h"
#include "vfio.h"

#define NO_SESSION "no data session (see fsm.arc.data-fd)"
#define NO_SAVE "no reference save (see data.save.eof)"

/* pre_copy: info, one byte read, info again; then to the end. */
static void precopy_info(struct check_ctx *c, int fd, uint64_t *initial)
{
	uint64_t i0, d0, i1, d1;
	uint8_t b;
	int r = vfio_precopy_info(fd, &i0, &d0);

	*initial = i0;
	if (r) {
		check_add(c, "data.precopy.info", CK_FAIL,
			  "VFIO_MIG_GET_PRECOPY_INFO in pre_copy: %s", errstr(r));
		*initial = 0;
		return;
	}
	if (!i0) {
		check_add(c, "data.precopy.info", CK_PASS, "initial_bytes 0, "
			  "dirty_bytes %llu: nothing to read", (unsigned long long)d0);
		return;
	}
	if (read(fd, &b, 1) != 1) {
		check_add(c, "data.precopy.info", CK_FAIL, "initial_bytes %llu but "
			  "a 1-byte read gave nothing", (unsigned long long)i0);
		return;
	}
	r = vfio_precopy_info(fd, &i1, &d1);
	if (r)
		check_add(c, "data.precopy.info", CK_FAIL, "PRECOPY_INFO after a "
			  "read: %s", errstr(r));
	else if (d0)
		check_add(c, "data.precopy.info", CK_FAIL, "dirty_bytes %llu before "
			  "anything was read, not 0", (unsigned long long)d0);
	else if (i1 >= i0)
		check_add(c, "data.precopy.info", CK_FAIL, "initial_bytes %llu, then "
			  "%llu after a byte was read: it must fall",
			  (unsigned long long)i0, (unsigned long long)i1);
	else
		check_add(c, "data.precopy.info", CK_PASS, "initial_bytes %llu, %llu "
			  "after 1 byte read; dirty_bytes 0", (unsigned long long)i0,
			  (unsigned long long)i1);
}

void check_precopy(struct check_ctx *c)
{
	static const char *const rules[] = { "data.precopy.info",
		"data.precopy.state", "data.precopy.end" };
	uint64_t initial, i, d;
	uint8_t *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int fd, fd2 = -1, r;

	if (!(c->s.d.flags & MIG_PRE_COPY)) {
		for (size_t k = 0; k < 3; k++)
			check_add(c, rules[k], CK_SKIP, "the device has no pre_copy");
		return;
	}
	fd = check_session(c, ST_RUNNING, ST_PRE_COPY);
	if (fd < 0) {
		for (size_t k = 0; k < 3; k++)
			check_add(c, rules[k], CK_SKIP, NO_SESSION);
		check_home(c);
		return;
	}
	precopy_info(c, fd, &initial);
	n = check_drain(fd, &buf, &cap, 0, &c->precopy_end);
	/* one byte was read already when initial_bytes was not 0 */
	if (n < 0)
		check_add(c, "data.precopy.end", CK_FAIL, "reading in pre_copy: %s",
			  errstr((int)n));
	else if ((uint64_t)n + (initial != 0) < initial)
		check_add(c, "data.precopy.end", CK_FAIL, "initial_bytes %llu but only "
			  "%zd read before the end of data (%s)",
			  (unsigned long long)initial, n + (initial != 0), c->precopy_end);
	else
		check_add(c, "data.precopy.end", CK_PASS, "%zd bytes to the temporary "
			  "end (%s), initial_bytes %llu", n + (initial != 0),
			  c->precopy_end, (unsigned long long)initial);
	/* The same session in stop_copy: precopy info must be refused. */
	r = vdev_set_state(&c->s.d, ST_STOP_COPY, &fd2);
	if (fd2 >= 0)
		close(fd2);
	r = r ? r : vfio_precopy_info(fd, &i, &d);
	if (r != -EINVAL)
		check_add(c, "data.precopy.state", CK_FAIL, "precopy info in stop_copy "
			  "answered %s, not EINVAL", r ? errstr(r) : "success");
	else
		check_add(c, "data.precopy.state", CK_PASS, "refused in stop_copy "
			  "(EINVAL)");
	close(fd);
	free(buf);
	check_home(c);
}

/* The reference save, which the other data checks compare and load. */
void check_round_trip(struct check_ctx *c)
{
	size_t cap = 0;
	ssize_t n;

	n = check_save(c, &c->saved, &cap, 0);
	if (n == -EFBIG) {
		check_add(c, "data.save.eof", CK_SKIP, "a state above 256 MiB is "
			  "not held in memory: see data.large");
		free(c->saved);
		c->saved = NULL;
		c->large = true;
	} else if (n < 0) {
		check_add(c, "data.save.eof", n == -EIO ? CK_SKIP : CK_FAIL,
			  "saving: %s", n == -EIO ? NO_SESSION : errstr((int)n));
		free(c->saved);
		c->saved = NULL;
	} else {
		c->saved_bytes = n;
	}
	check_home(c);
}

/* MIG_DATA_SIZE in every state but resuming, against three saves. */
void check_sizes(struct check_ctx *c)
{
	static const uint32_t states[] = { ST_RUNNING, ST_RUNNING_P2P, ST_STOP,
					   ST_PRE_COPY, ST_PRE_COPY_P2P, ST_STOP_COPY };
	uint64_t est = 0, e, lo = UINT64_MAX, hi = 0;
	uint8_t *buf = NULL;
	size_t cap = 0;
	int r;

	if (c->large) {
		check_add(c, "data.size", CK_SKIP, "a state above 256 MiB is not "
			  "held in memory: see data.large");
		return;
	}
	r = vdev_data_size(&c->s.d, &est);
	if (r == -ENOTTY || r == -EINVAL) {
		check_add(c, "data.size", CK_SKIP, "no MIG_DATA_SIZE (before 6.2)");
		return;
	}
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		if (!fsm_supported(states[i], c->s.d.flags))
			continue;
		if (check_goto(c, states[i]))
			continue;
		r = vdev_data_size(&c->s.d, &e);
		if (r) {
			check_add(c, "data.size", CK_FAIL, "MIG_DATA_SIZE in %s: %s",
				  fsm_name(states[i]), errstr(r));
			check_home(c);
			return;
		}
	}
	for (int i = 0; i < 3; i++) {
		ssize_t n = check_save(c, &buf, &cap, 0);

		if (n < 0)
			break;
		lo = (uint64_t)n < lo ? (uint64_t)n : lo;
		hi = (uint64_t)n > hi ? (uint64_t)n : hi;
	}
	free(buf);
	check_home(c);
	if (!hi && lo == UINT64_MAX)
		check_add(c, "data.size", CK_SKIP, NO_SESSION);
	else if (est < lo / 2 || est > 2 * hi + 4096)
		check_add(c, "data.size", CK_FAIL, "estimate %llu bytes, 3 saves gave "
			  "%llu to %llu", (unsigned long long)est,
			  (unsigned long long)lo, (unsigned long long)hi);
	else
		check_add(c, "data.size", CK_PASS, "estimate %llu bytes, 3 saves gave "
			  "%llu to %llu; answered in every state",
			  (unsigned long long)est, (unsigned long long)lo,
			  (unsigned long long)hi);
}

/* Half of the saved state must not be accepted at resuming -> stop. */
void check_truncated(struct check_ctx *c)
{
	size_t n = c->saved_bytes;
	uint32_t st;
	int r;

	if (!c->saved || n < 2) {
		check_add(c, "data.resume.truncated", CK_SKIP, "no saved state of 2 "
			  "bytes or more");
		return;
	}
	r = check_load(c, c->saved, n / 2, 0);
	if (!r)
		check_add(c, "data.resume.truncated", CK_FAIL, "%zu of %zu bytes "
			  "accepted at resuming -> stop", n / 2, n);
	else if (vdev_get_state(&c->s.d, &st) || st != ST_RESUMING)
		check_add(c, "data.resume.truncated", CK_FAIL, "refused (%s) but the "
			  "device left resuming", errstr(r));
	else
		check_add(c, "data.resume.truncated", CK_PASS, "%zu of %zu bytes "
			  "refused at resuming -> stop (%s), device still resuming",
			  n / 2, n, errstr(r));
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
		int fd = -1, r;

		if (!fsm_supported(from[i], c->s.d.flags))
			continue;
		r = check_goto(c, ST_RUNNING) ? -EIO :
		    vdev_set_state(&c->s.d, from[i], &fd);
		/* an arc that fails is fsm.arc.legal's; reset the others */
		if (r) {
			check_add(c, "fsm.arc.legal", CK_FAIL, "running -> %s: %s",
				  fsm_name(from[i]), errstr(r));
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (vdev_reset(&c->s.d) || vdev_get_state(&c->s.d, &st) || st != ST_RUNNING) {
			check_add(c, "fsm.reset.running", CK_FAIL, "reset from %s did not "
				  "give running", fsm_name(from[i]));
			return;
		}
		used += snprintf(list + used, sizeof(list) - used, "%s%s",
				 used ? ", " : "", fsm_name(from[i]));
	}
	if (used)
		check_add(c, "fsm.reset.running", CK_PASS, "VFIO_DEVICE_RESET from %s "
			  "gave running", list);
	else
		check_add(c, "fsm.reset.running", CK_SKIP, "no state but running "
			  "could be reached (fsm.arc.legal)");
}

/* Driver's choice: the state after the device is closed and reopened. */
void check_close(struct check_ctx *c)
{
	struct devinfo di = c->s.d.info;
	struct reason why = { 0 };
	uint32_t st;

	if (c->s.d.path == PATH_HOLDER) {
		c->close_note = "held by vfiomig hold: never closed";
		return;
	}
	if (check_goto(c, ST_STOP)) {
		c->close_note = "stop not reached";
		return;
	}
	vdev_close(&c->s.d);
	if (vdev_open(vm_ctx(), &di, opts.open, &c->s.d, &why) ||
	    !vdev_probe_mig(&c->s.d) || vdev_get_state(&c->s.d, &st)) {
		err("check %s: reopening it: %s", di.name, why.n ? why.line[0] : "no state");
		c->close_note = "the reopen failed";
		return;
	}
	/*
	 * Stop seen again: neither the close nor the open reset it. Running:
	 * the close reset it (mlx5), or the open did (pds, hisi_acc keep
	 * their state on close and reset on open): from userspace the two
	 * cannot be told apart, so nothing is claimed.
	 */
	c->close_behaviour = st == ST_STOP ? "keeps_state" : NULL;
	c->close_note = st == ST_STOP ? NULL : "runs after a reopen: a reset on close "
			"or on open, not told apart from userspace";
}

/* Load len bytes of garbage; 0 when the driver took them all. */
static int load_garbage(struct check_ctx *c, size_t len)
{
	uint8_t *g = malloc(len ? len : 1);
	int r;

	if (!g)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		g[i] = (uint8_t)check_rand();
	r = check_load(c, g, len, 0);
	free(g);
	return r;
}

void check_hostile(struct check_ctx *c)
{
	size_t n = c->saved_bytes;
	int over, junk, r;

	if (!c->saved) {
		check_add(c, "data.resume.hostile", CK_SKIP, NO_SAVE);
		return;
	}
	over = load_garbage(c, n + 4096);
	if (check_reset_running(c)) {
		check_add(c, "data.resume.hostile", CK_FAIL, "reset after %zu bytes "
			  "of garbage did not give running", n + 4096);
		return;
	}
	junk = load_garbage(c, n);
	r = check_reset_running(c) ? -EIO : check_load(c, c->saved, n, 0);
	if (!over)
		check_add(c, "data.resume.hostile", CK_FAIL, "%zu bytes accepted for "
			  "a %zu-byte state", n + 4096, n);
	else if (r)
		check_add(c, "data.resume.hostile", CK_FAIL, "after garbage and a "
			  "reset the device's own state does not load: %s", errstr(r));
	else
		check_add(c, "data.resume.hostile", CK_PASS, "%zu bytes refused (%s); "
			  "%zu bytes of garbage %s; reset recovered, own state loads",
			  n + 4096, check_errname(over), n, junk ? check_errname(junk) : "accepted");
	check_home(c);
}
