// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rules whose answer depends on the kernel release: which fixes the
 * running kernel is known to carry (mainline release, and the stable
 * points they were backported to, from the stable changelogs), the
 * blocked arc sent only where the core no longer spins on it
 * (fsm.arc.blocked), and the errno of an unknown feature
 * (feature.unknown). A release is read from uname(2): "6.12.118",
 * "6.12.38+deb13-amd64" and "7.2.0-rc1" all parse; Debian 12's
 * "6.1.0-41-amd64" names its ABI, not its point release, and reads as
 * 6.1.0, which carries neither fix: the safe side.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "check.h"
#include "device.h"
#include "log.h"
#include "vfio.h"

/* A SET that takes longer than this did not simply refuse. */
#define BLOCKED_MAX_US 1e6
/* A feature index no kernel defines (VFIO_DEVICE_FEATURE_MASK). */
#define UNKNOWN_FEATURE 0xffffu

struct fix {
	const char *title;
	const char *where;     /* the releases, as the report says them */
	int major, minor;      /* the mainline release */
	int stable[3][3];      /* {major, minor, point} of stable series */
};

static const struct fix blocked_arc = {
	"vfio: prevent infinite loop in vfio_mig_get_next_state() on blocked arc",
	"7.2, 6.12.96", 7, 2, { { 6, 12, 96 } },
};

static const struct fix enotty = {
	"vfio: return -ENOTTY for unsupported device feature",
	"6.18, 6.12.58, 6.1.159", 6, 18, { { 6, 12, 58 }, { 6, 1, 159 } },
};

/* The running release; false when uname() says nothing we can read. */
static bool release(char *name, size_t len, int v[3])
{
	struct utsname u;

	v[0] = v[1] = v[2] = 0;
	if (uname(&u) || sscanf(u.release, "%d.%d.%d", &v[0], &v[1], &v[2]) < 2)
		return false;
	snprintf(name, len, "%s", u.release);
	return true;
}

/* Is the running kernel known to carry the fix? */
static bool carries(const struct fix *f, char *name, size_t len)
{
	int v[3];

	if (!release(name, len, v))
		return false;
	if (v[0] > f->major || (v[0] == f->major && v[1] >= f->minor))
		return true;
	for (int i = 0; i < 3 && f->stable[i][0]; i++)
		if (v[0] == f->stable[i][0] && v[1] == f->stable[i][1] &&
		    v[2] >= f->stable[i][2])
			return true;
	return false;
}

/* One blocked request from stop_copy: 0, 1 with why set, -1 no session. */
static int refuse_one(struct check_ctx *c, uint32_t to, char *why, size_t len)
{
	uint32_t st = ST_NR;
	double t;
	int fd = check_session(c, ST_STOP, ST_STOP_COPY), fd2 = -1, r;

	if (fd < 0)
		return -1;
	t = check_now_us();
	r = vdev_set_state(&c->s.d, to, &fd2);
	t = check_now_us() - t;
	if (fd2 >= 0)
		close(fd2);
	close(fd);
	if (vdev_get_state(&c->s.d, &st))
		st = ST_NR;
	if (t > BLOCKED_MAX_US)
		snprintf(why, len, "stop_copy -> %s took %.0f ms: the core walked "
			 "the blocked arc in a loop", fsm_name(to), t / 1000);
	else if (r != -EINVAL)
		snprintf(why, len, "stop_copy -> %s answered %s, not EINVAL",
			 fsm_name(to), r ? errstr(r) : "success");
	else if (st != ST_STOP_COPY)
		snprintf(why, len, "stop_copy -> %s refused, but the device is "
			 "now %s", fsm_name(to), st < ST_NR ? fsm_name(st) : "unknown");
	else
		return 0;
	return 1;
}

void check_blocked_arc(struct check_ctx *c)
{
	char rel[65], why[200];
	int bad;

	if (!(c->s.d.flags & MIG_PRE_COPY)) {
		check_add(c, "fsm.arc.blocked", CK_SKIP, "the device has no "
			  "pre_copy: the core refuses the target as unsupported "
			  "(fsm.arc.refused)");
		return;
	}
	if (check_failed(c, "fsm.arc.refused")) {
		check_add(c, "fsm.arc.blocked", CK_SKIP, "needs the core's "
			  "refusals (fsm.arc.refused)");
		return;
	}
	if (!carries(&blocked_arc, rel, sizeof(rel))) {
		check_add(c, "fsm.arc.blocked", CK_SKIP, "not sent: kernel %s is not "
			  "known to carry \"%s\" (%s), and without it the request "
			  "never returns", rel[0] ? rel : "(unknown)",
			  blocked_arc.title, blocked_arc.where);
		return;
	}
	check_risky(c, "fsm.arc.blocked");
	bad = refuse_one(c, ST_PRE_COPY, why, sizeof(why));
	if (!bad && (c->s.d.flags & MIG_P2P))
		bad = refuse_one(c, ST_PRE_COPY_P2P, why, sizeof(why));
	if (bad < 0)
		check_add(c, "fsm.arc.blocked", CK_SKIP, "no stop_copy session "
			  "(fsm.arc.legal)");
	else if (bad)
		check_add(c, "fsm.arc.blocked", CK_FAIL, "%s (kernel %s)", why, rel);
	else
		check_add(c, "fsm.arc.blocked", CK_PASS, "stop_copy -> pre_copy%s "
			  "refused with EINVAL at once, still stop_copy (kernel %s "
			  "has the fix)", c->s.d.flags & MIG_P2P ? " and pre_copy_p2p" :
			  "", rel);
	check_home(c);
}

void check_unknown_feature(struct check_ctx *c)
{
	const char *rule = "feature.unknown";
	char rel[65];
	bool fixed;
	int r;

	if (c->s.d.path == PATH_HOLDER) {
		check_add(c, rule, CK_SKIP, "held by vfiomig hold: it forwards the "
			  "features it knows");
		return;
	}
	fixed = carries(&enotty, rel, sizeof(rel));
	r = vdev_probe(&c->s.d, UNKNOWN_FEATURE, VFIO_DEVICE_FEATURE_GET);
	if (r == -ENOTTY)
		check_add(c, rule, CK_PASS, "feature %#x: ENOTTY (kernel %s)",
			  UNKNOWN_FEATURE, rel);
	else if (r == -EINVAL && !fixed)
		check_add(c, rule, CK_INFO, "feature %#x: EINVAL: kernel %s predates "
			  "\"%s\" (%s)", UNKNOWN_FEATURE, rel[0] ? rel : "(unknown)",
			  enotty.title, enotty.where);
	else if (fixed)
		check_add(c, rule, CK_FAIL, "feature %#x answered %s, not ENOTTY, on "
			  "kernel %s, which has \"%s\" (%s)", UNKNOWN_FEATURE,
			  r ? errstr(r) : "success", rel, enotty.title, enotty.where);
	else
		check_add(c, rule, CK_FAIL, "feature %#x answered %s, neither ENOTTY "
			  "nor EINVAL", UNKNOWN_FEATURE, r ? errstr(r) : "success");
}
