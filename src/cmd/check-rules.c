// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rules of the VFIO migration protocol v2, numbered: every normative
 * sentence of include/uapi/linux/vfio.h (VFIO_DEVICE_FEATURE_MIGRATION,
 * MIG_DEVICE_STATE and its FSM comment, the data_fd rules,
 * VFIO_MIG_GET_PRECOPY_INFO, MIG_DATA_SIZE, DMA logging) as an id that
 * never changes, the order of vfiomig(8) CHECK RULES. A rule with why_not is
 * not checkable from userspace; every other rule has a check that gives
 * its result. A few rules were made for driver bugs that shipped
 * (tests/bats/check-corpus.tsv lists the fixes and the rule for each);
 * those that can crash or hang a kernel with the bug say so. Also the
 * one place results are recorded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "log.h"

const struct rule check_rules[] = {
	{ "mig.flags", "MIGRATION GET succeeds, STOP_COPY is set, only defined "
	  "flags and combinations", NULL },
	{ "feature.unknown", "an unknown feature is ENOTTY where the kernel has "
	  "the change (6.18, 6.12.58, 6.1.159); informative before", NULL },
	{ "fsm.arc.legal", "every legal arc, single or combination, is complete "
	  "when SET returns: GET reports the target", NULL },
	{ "fsm.arc.data-fd", "a data fd exactly on the arcs that begin a saving "
	  "or resuming session", NULL },
	{ "fsm.arc.refused", "ERROR, unsupported and unknown states are refused "
	  "with EINVAL, the state unchanged", NULL },
	{ "fsm.arc.blocked", "stop_copy -> pre_copy and pre_copy_p2p are refused "
	  "at once, state unchanged; sent only where the kernel has the fix "
	  "(7.2, 6.12.96)", NULL },
	{ "fsm.arc.failure", "a failed SET leaves the device at some state of "
	  "the path, or ERROR", "a driver cannot be made to fail an arc from "
	  "userspace" },
	{ "fsm.async", "no state change but by SET or reset", "absence over "
	  "time cannot be proven; the soak samples it at every step" },
	{ "fsm.stop.quiet", "in STOP and STOP_COPY no DMA, interrupts or "
	  "external change", "needs the device's DMA and interrupts observed" },
	{ "fsm.p2p.quiet", "RUNNING_P2P and PRE_COPY_P2P start no P2P DMA",
	  "needs a peer device and its DMA observed" },
	{ "fsm.reset.running", "VFIO_DEVICE_RESET from every state gives RUNNING "
	  "(and aborts RESUMING)", NULL },
	{ "fsm.error.reset", "ERROR is left by VFIO_DEVICE_RESET to RUNNING",
	  "ERROR cannot be reached on purpose from userspace" },
	{ "data.save.read-size", "a stopped device saves the same bytes "
	  "whatever the read sizes", NULL },
	{ "data.save.eof", "stop_copy ends with read() 0, again and again, "
	  "never ENOMSG", NULL },
	{ "data.save.poll", "poll() on the data fd (informative: not required)",
	  NULL },
	{ "data.nonblock", "O_NONBLOCK reads give the same stream, EAGAIN at "
	  "most", NULL },
	{ "data.session.leave", "leaving the saving group ends its fd: EOF or "
	  "ENODEV, never data, also after a new session", NULL },
	{ "data.session.resume", "leaving RESUMING ends its fd: no more writes",
	  NULL },
	{ "data.session.reset", "a reset with a session open gives RUNNING and "
	  "ends the fd", NULL },
	{ "data.session.wake", "a read() blocked on a saving fd returns within a "
	  "second when the session ends (leaving it, a reset)", NULL },
	{ "data.close-early", "the data fd closed before its end, the state is "
	  "left as usual", NULL },
	{ "data.precopy.info", "PRECOPY_INFO in pre-copy: initial_bytes falls "
	  "as data is read, dirty_bytes starts at zero", NULL },
	{ "data.precopy.state", "PRECOPY_INFO outside pre-copy is EINVAL", NULL },
	{ "data.precopy.end", "the temporary end of pre-copy comes after "
	  "initial_bytes (ENOMSG, or 0 or EAGAIN)", NULL },
	{ "data.precopy.dirty", "past initial_bytes, no more is read before the "
	  "next end of data than dirty_bytes said; initial + dirty within the "
	  "stop-copy estimate", NULL },
	{ "data.resume.chunking", "a restore does not depend on write "
	  "chunking", NULL },
	{ "data.resume.truncated", "an incomplete state is refused at "
	  "resuming -> stop, the device still resuming", NULL },
	{ "data.resume.hostile", "too much data is refused; after garbage a "
	  "reset recovers the device", NULL },
	{ "data.resume.compatible", "a stream from another compatible device "
	  "loads", "needs a second device of the same kind" },
	{ "data.fidelity", "restore, save again: the same bytes "
	  "(informative)", NULL },
	{ "data.history", "nothing of one session shows in the next: no bytes "
	  "of a resuming session in a later save, a corrupt stream refused "
	  "alike before and after a good restore and a reopen", NULL },
	{ "data.size", "MIG_DATA_SIZE in every state, near what saves give",
	  NULL },
	{ "data.large", "a state above 256 MiB saves to a file and restores "
	  "from it", NULL },
	{ "data.get-concurrent", "a GET from a second thread during a read "
	  "neither blocks nor corrupts", NULL },
	{ "data.concurrent", "two threads writing one resuming fd never get "
	  "more than the state taken; two reading one saving fd get every "
	  "byte once", NULL },
	{ "dma.logging", "DMA logging start, report, stop where supported",
	  NULL },
	{ "dma.logging.edges", "REPORT over several ranges, sub-ranges, the "
	  "last page and unaligned bitmaps: no bit set on an idle device, no "
	  "byte beside the bitmap written", NULL },
	{ "dma.logging.dirty", "REPORT sets a bit for every page the device "
	  "wrote", "needs device DMA to known pages" },
	/* The kernel's own view, clearest on a debug kernel (check-kmsg.c,
	 * check-faults.c). */
	{ "kernel.log.clean", "no WARN, BUG, Oops, UBSAN, KASAN, lockdep, "
	  "sleeping-in-atomic or IOMMU fault message while a check ran", NULL },
	{ "kernel.faults", "with --inject-faults: each allocation failed in SET, "
	  "DMA logging and data fd I/O is an errno, a reset recovers the device, "
	  "the kernel log stays clean", NULL },
};

const size_t check_nrules = sizeof(check_rules) / sizeof(check_rules[0]);

/* The rules whose check can crash or hang a kernel with a known bug. */
static const struct {
	const char *rule, *kernels;
} crashes[] = {
	{ "fsm.arc.blocked", "6.2 to 7.1 without the fix spin for ever" },
	{ "data.session.reset", "pds before 6.9 oopses on the old fd" },
	{ "data.concurrent", "qat before 7.2 and 6.12.97, mtty and hisi_acc "
	  "in 6.12.118 write past the state" },
	{ "dma.logging.edges", "the iova_bitmap before 6.8 wrote out of "
	  "bounds" },
};

const char *check_crash(const char *rule)
{
	for (size_t i = 0; i < sizeof(crashes) / sizeof(crashes[0]); i++)
		if (!strcmp(crashes[i].rule, rule))
			return crashes[i].kernels;
	return NULL;
}

const char *check_word(enum check_result r)
{
	static const char *const word[] = { "pass", "fail", "skip", "info" };

	return word[r];
}

void check_risky(const struct check_ctx *c, const char *rule)
{
	const char *k = check_crash(rule);

	if (k)
		info("check %s: %s next, which can crash a buggy kernel (%s)",
		     c->s.d.info.name, rule, k);
}

bool check_failed(const struct check_ctx *c, const char *rule)
{
	const struct check *k = check_find(c, rule);

	return k && k->result == CK_FAIL;
}

void check_add(struct check_ctx *c, const char *rule, enum check_result r,
	       const char *fmt, ...)
{
	const char *crash = check_crash(rule);
	struct check *k;
	size_t n;
	va_list ap;

	/* One result per rule: the first failure, else the first word. */
	k = (struct check *)check_find(c, rule);
	if (k && (k->result == CK_FAIL || r != CK_FAIL))
		return;
	if (!k) {
		if (c->nchecks == MAX_CHECKS)
			return;
		k = &c->checks[c->nchecks++];
	}
	k->rule = rule;
	k->result = r;
	va_start(ap, fmt);
	vsnprintf(k->detail, sizeof(k->detail), fmt, ap);
	va_end(ap);
	/* every report format carries the warning with the result */
	n = strlen(k->detail);
	if (crash)
		snprintf(k->detail + n, sizeof(k->detail) - n, " [can crash a "
			 "buggy kernel: %s]", crash);
	dbg("check %s: %s: %s", rule, check_word(r), k->detail);
}

const struct check *check_find(const struct check_ctx *c, const char *rule)
{
	for (int i = 0; i < c->nchecks; i++)
		if (!strcmp(c->checks[i].rule, rule))
			return &c->checks[i];
	return NULL;
}
