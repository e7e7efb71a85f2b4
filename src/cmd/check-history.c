// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * History between sessions (data.history): what one session leaves in
 * the driver must not reach the next. A resuming session fed marker
 * bytes and aborted by a reset leaves none of them in a later save (qat
 * before "zero the VF migration state buffer on save" saved the rest of
 * a buffer a restore had filled). A stream whose first 8 bytes (every
 * driver's magic) are inverted is refused, and the same way, before and
 * after a good restore and after the device is closed and reopened
 * (hisi_acc's match_done, still in 6.12.118, skips the compatibility
 * check for good after one restore: the first try comes before any
 * restore of the run). A driver that takes such a stream the first time
 * checks no header, and that is said, not failed: no rule of the uAPI
 * asks for one. The device gets its own state back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig.h"
#include "check.h"
#include "device.h"
#include "log.h"

#define MARKER "\xa5vfiomig-marker\x5a"
#define MARKER_LEN 16
#define MAGIC_LEN 8

static void try_load(struct check_ctx *c, const uint8_t *buf, size_t len,
		     struct load_outcome *o)
{
	int fd = check_session(c, ST_STOP, ST_RESUMING), fd2 = -1;

	*o = (struct load_outcome){ -EIO, "entering resuming" };
	if (fd < 0)
		return;
	o->err = check_write(fd, buf, len, 0);
	o->at = "a write";
	if (!o->err) {
		o->err = vdev_set_state(&c->s.d, ST_STOP, &fd2);
		o->at = "resuming -> stop";
	}
	if (fd2 >= 0)
		close(fd2);
	if (o->err)
		check_reset_running(c);	/* out of resuming before the close */
	close(fd);
}

static bool same(const struct load_outcome *a, const struct load_outcome *b)
{
	return a->err == b->err && (!a->err || !strcmp(a->at, b->at));
}

static const char *said(const struct load_outcome *o, char *buf, size_t len)
{
	if (!o->err)
		return "loaded";
	snprintf(buf, len, "refused (%s at %s)", check_errname(o->err), o->at);
	return buf;
}

/* Markers written in resuming, a reset, a save: where one shows, or -1. */
static ssize_t markers(struct check_ctx *c, ssize_t *saved)
{
	size_t n = c->saved_bytes, cap = 0;
	uint8_t *m = malloc(n), *buf = NULL, *hit;
	int fd = check_session(c, ST_STOP, ST_RESUMING);
	ssize_t at = -1;

	*saved = -1;
	if (!m || fd < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		m[i] = (uint8_t)MARKER[i % MARKER_LEN];
	/* refused or not, the bytes may stay in the driver's buffer */
	(void)!write(fd, m, n);
	check_reset_running(c);
	*saved = check_save(c, &buf, &cap, 0);
	hit = *saved > 0 ? memmem(buf, (size_t)*saved, MARKER + 1, 8) : NULL;
	at = hit ? hit - buf : -1;
out:
	if (fd >= 0)
		close(fd);
	free(m);
	free(buf);
	return at;
}

/* Close the device and open it again, running; false if that failed. */
static bool reopen(struct check_ctx *c)
{
	struct devinfo di = c->s.d.info;
	struct reason why = { 0 };

	if (check_home(c))
		return false;
	vdev_close(&c->s.d);
	if (vdev_open(vm_ctx(), &di, opts.open, &c->s.d, &why) ||
	    !vdev_probe_mig(&c->s.d)) {
		err("check %s: reopening it: %s", di.name,
		    why.n ? why.line[0] : "no migration");
		return false;
	}
	return !check_home(c);
}

/* The device's own stream with its first 8 bytes inverted. */
static uint8_t *corrupt(const struct check_ctx *c)
{
	uint8_t *bad = malloc(c->saved_bytes);

	if (!bad)
		return NULL;
	memcpy(bad, c->saved, c->saved_bytes);
	for (size_t i = 0; i < MAGIC_LEN && i < c->saved_bytes; i++)
		bad[i] = (uint8_t)~bad[i];
	return bad;
}

/*
 * The first try comes before any restore of the run (check_history_first(),
 * right after the reference save): a driver that checks the header only
 * until a restore was taken is seen only so. Kept in c for compat().
 */
void check_history_first(struct check_ctx *c)
{
	uint8_t *bad;

	if (!c->saved || c->saved_bytes < MAGIC_LEN || !(bad = corrupt(c)))
		return;
	try_load(c, bad, c->saved_bytes, &c->first_load);
	c->first_probed = true;
	free(bad);
	/* the device's own state back, whatever was loaded */
	check_load(c, c->saved, c->saved_bytes, 0);
	check_home(c);
}

/* The corrupt stream after a good restore, then after a reopen. */
static void compat(struct check_ctx *c, struct load_outcome o[3], int *steps)
{
	uint8_t *bad = corrupt(c);

	*steps = 0;
	if (!bad || !c->first_probed)
		goto out;
	o[(*steps)++] = c->first_load;
	if (o[0].err && !check_load(c, c->saved, c->saved_bytes, 0)) {
		try_load(c, bad, c->saved_bytes, &o[(*steps)++]);
		if (c->s.d.path != PATH_HOLDER && reopen(c))
			try_load(c, bad, c->saved_bytes, &o[(*steps)++]);
	}
	/* the device's own state back, whatever was loaded */
	check_load(c, c->saved, c->saved_bytes, 0);
out:
	free(bad);
}

void check_history(struct check_ctx *c)
{
	static const char *const when[] = { "", "after a good restore",
					    "after closing and reopening the device" };
	const char *rule = "data.history";
	struct load_outcome o[3] = { { 0 } };
	char s0[80], s1[80];
	ssize_t at, n;
	int steps, k;

	if (!c->saved || c->saved_bytes < MAGIC_LEN) {
		check_add(c, rule, CK_SKIP, "no reference save of 8 bytes or more");
		return;
	}
	at = markers(c, &n);
	compat(c, o, &steps);
	check_home(c);
	for (k = 1; k < steps && same(&o[0], &o[k]); k++)
		;
	if (at >= 0)
		check_add(c, rule, CK_FAIL, "bytes written in a resuming session "
			  "that a reset aborted came back in the next save (at byte "
			  "%zd of %zd)", at, n);
	else if (n < 0)
		check_add(c, rule, CK_SKIP, "no save after the aborted session: %s",
			  errstr((int)n));
	else if (k < steps)
		check_add(c, rule, CK_FAIL, "a stream with its first 8 bytes "
			  "inverted: %s first, %s %s", said(&o[0], s0, sizeof(s0)),
			  said(&o[k], s1, sizeof(s1)), when[k]);
	else if (!steps)
		check_add(c, rule, CK_PASS, "no byte of an aborted resuming session "
			  "in the next save");
	else if (!o[0].err)
		check_add(c, rule, CK_PASS, "no byte of an aborted resuming session "
			  "in the next save; a stream with its first 8 bytes inverted "
			  "loads: the driver checks no header, or stopped checking "
			  "after an earlier restore");
	else
		check_add(c, rule, CK_PASS, "no byte of an aborted resuming session "
			  "in the next save; a stream with its first 8 bytes inverted "
			  "%s, the same %s", said(&o[0], s0, sizeof(s0)), steps == 3 ?
			  "after a good restore and after a reopen" :
			  "after a good restore");
}
