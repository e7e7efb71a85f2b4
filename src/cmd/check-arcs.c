// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state machine checks: the migration flags; every arc the flags
 * make legal, timed and confirmed by a GET (fsm.arc.legal), with a data
 * session exactly where the uAPI says (fsm.arc.data-fd); and illegal
 * requests refused with EINVAL, state unchanged (fsm.arc.refused).
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "sig.h"
#include "check.h"
#include "device.h"
#include "log.h"
#include "pump.h"
#include "vfio.h"

/*
 * One timed arc from a set-up start state: 0, or 1 when the arc failed
 * (fsm.arc.legal), 2 when its data fd was wrong (fsm.arc.data-fd), with
 * why filled.
 */
static int one_arc(struct check_ctx *c, uint32_t a, uint32_t b,
		   char *why, size_t len)
{
	struct arc_samples *s = &c->arcs[a][b];
	int fd, r, want = check_expect_fd(a, b);
	uint32_t st;
	double t;

	if (check_goto(c, a)) {
		snprintf(why, len, "cannot set up %s", fsm_name(a));
		return 1;
	}
	t = check_now_us();
	r = vdev_set_state(&c->s.d, b, &fd);
	t = check_now_us() - t;
	if (fd >= 0)
		close(fd);
	if (r) {
		snprintf(why, len, "%s -> %s: %s", fsm_name(a), fsm_name(b), errstr(r));
		return 1;
	}
	if (s->n < MAX_ROUNDS)
		s->usecs[s->n++] = (uint32_t)t;
	s->data_fd = fd >= 0;
	if (want == -1)
		c->in_group_fd = fd >= 0 ? "new_fd" : "no_fd";
	if (vdev_get_state(&c->s.d, &st) || st != b) {
		snprintf(why, len, "%s -> %s succeeded but the device reports %s",
			 fsm_name(a), fsm_name(b), fsm_name(st));
		return 1;
	}
	if (want >= 0 && want != (fd >= 0)) {
		snprintf(why, len, "%s -> %s %s a data session", fsm_name(a),
			 fsm_name(b), want ? "did not open" : "opened");
		return 2;
	}
	return 0;
}

static bool blocked(uint32_t a, uint32_t b)
{
	return a == ST_STOP_COPY && (b == ST_PRE_COPY || b == ST_PRE_COPY_P2P);
}

struct arc_tally {
	int fails;
	char first[160];
};

static void tally(struct arc_tally *t, const char *why)
{
	if (!t->fails++)
		snprintf(t->first, sizeof(t->first), "%s", why);
}

void check_arcs(struct check_ctx *c)
{
	struct arc_tally t[2] = { 0 };
	char why[160];
	int n = 0, nfd = 0;

	for (int round = 0; round < c->rounds && !sig_caught(); round++) {
		for (uint32_t a = ST_STOP; a < ST_NR; a++) {
			for (uint32_t b = ST_STOP; b < ST_NR && !sig_caught(); b++) {
				int k;

				if (a == ST_RESUMING || blocked(a, b) ||
				    !fsm_supported(a, c->s.d.flags) ||
				    !fsm_supported(b, c->s.d.flags))
					continue;
				n++;
				k = one_arc(c, a, b, why, sizeof(why));
				nfd += k != 1 && check_expect_fd(a, b) >= 0;
				if (k)
					tally(&t[k - 1], why);
			}
		}
		check_home(c);
	}
	if (t[0].fails)
		check_add(c, "fsm.arc.legal", CK_FAIL, "%d of %d arcs failed; first: %s",
			  t[0].fails, n, t[0].first);
	else
		check_add(c, "fsm.arc.legal", CK_PASS, "%d arcs over %d round%s, each "
			  "confirmed by GET", n / c->rounds, c->rounds,
			  c->rounds == 1 ? "" : "s");
	if (t[1].fails)
		check_add(c, "fsm.arc.data-fd", CK_FAIL, "%d of %d arcs wrong; first: %s",
			  t[1].fails, nfd, t[1].first);
	else
		check_add(c, "fsm.arc.data-fd", CK_PASS, "%d arcs with a data fd exactly "
			  "where the uAPI says (saving-group arcs: %s)", nfd / c->rounds,
			  c->in_group_fd ? c->in_group_fd : "n/a");
}

/* A request the kernel must refuse with EINVAL, leaving the state. */
static const char *refused(struct check_ctx *c, uint32_t req, char *why, size_t len)
{
	uint32_t before, after;
	int fd, r;

	if (vdev_get_state(&c->s.d, &before))
		return "cannot read the state";
	r = vdev_set_state(&c->s.d, req, &fd);
	if (fd >= 0)
		close(fd);
	if (vdev_get_state(&c->s.d, &after))
		return "cannot read the state";
	if (r != -EINVAL)
		snprintf(why, len, "request %u answered %s, not EINVAL", req,
			 r ? errstr(r) : "success");
	else if (after != before)
		snprintf(why, len, "request %u moved the device to %s", req,
			 fsm_name(after));
	else
		return NULL;
	return why;
}

void check_illegal(struct check_ctx *c)
{
	char why[160];
	const char *bad = NULL;
	int n = 0;

	if (check_home(c)) {
		check_add(c, "fsm.arc.refused", CK_FAIL, "cannot return to running");
		return;
	}
	/* error, a number past the last state, and states the flags exclude */
	for (uint32_t s = 0; s <= ST_NR && !bad; s++) {
		if (s < ST_NR && s != ST_ERROR && fsm_supported(s, c->s.d.flags))
			continue;
		n++;
		bad = refused(c, s, why, sizeof(why));
	}
	if (bad)
		check_add(c, "fsm.arc.refused", CK_FAIL, "%s", bad);
	else
		check_add(c, "fsm.arc.refused", CK_PASS, "%d refused with EINVAL "
			  "(error, unsupported and unknown states), state unchanged", n);
}

/* The flags the uAPI defines: STOP_COPY, alone or with P2P and PRE_COPY. */
void check_flags(struct check_ctx *c)
{
	uint64_t f;
	int r = vdev_mig_flags(&c->s.d, &f);

	if (r)
		check_add(c, "mig.flags", CK_FAIL, "VFIO_DEVICE_FEATURE_MIGRATION: %s",
			  errstr(r));
	else if (!(f & MIG_STOP_COPY))
		check_add(c, "mig.flags", CK_FAIL, "flags %#llx without STOP_COPY",
			  (unsigned long long)f);
	else if (f & ~(uint64_t)(MIG_STOP_COPY | MIG_P2P | MIG_PRE_COPY))
		check_add(c, "mig.flags", CK_FAIL, "flags %#llx: undefined bits %#llx",
			  (unsigned long long)f, (unsigned long long)(f & ~7ull));
	else
		check_add(c, "mig.flags", CK_PASS, "flags %#llx", (unsigned long long)f);
}
