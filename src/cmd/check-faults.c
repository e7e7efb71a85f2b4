// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel.faults (check --inject-faults): the kernel's allocations failed
 * one at a time inside SET, DMA logging and data fd I/O, the error paths
 * that no ordinary run reaches (the unwinds of mlx5's save and resume,
 * pds's bitmap and dirty tracking, xe's file allocation were all broken
 * there). Owns the fault-injection setup and the sweep.
 *
 * The setup: failslab and fail_page_alloc in debugfs made to consider
 * every allocation of the kernel's own (GFP_KERNEL included, order 0
 * included, never a user page: our own page faults must not fail), and
 * silent; each attribute changed is put back at the end, times too (each
 * injected failure counts it down). The sweep: for
 * one operation, /proc/thread-self/fail-nth = N fails the Nth allocation
 * this thread makes, N = 1, 2, ... until the operation makes no Nth one.
 * fail-nth is exact and touches no other thread, where make-it-fail with
 * a probability could only fail the first allocation or random ones.
 * Between arming and disarming this thread calls nothing but the
 * operation, on buffers already touched.
 *
 * After each failure: the operation failed with an errno or did its work
 * in full, the device answers a GET and is where the uAPI allows, the
 * kernel logged no bug report, a reset gives running, and the same
 * operation then works again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "compat.h"
#include "device.h"
#include "log.h"
#include "sig.h"
#include "vfio.h"

#define FAIL_NTH "/proc/thread-self/fail-nth"
#define FAULTS_MAX 64	/* allocations failed per operation, at most */

/* want NULL: left as it is, but put back (a failure counts times down). */
static const struct { const char *file, *want; } attrs[] = {
	{ "failslab/times", NULL },
	{ "fail_page_alloc/times", NULL },
	{ "failslab/ignore-gfp-wait", "N" },
	{ "failslab/cache-filter", "N" },
	{ "failslab/verbose", "0" },
	{ "fail_page_alloc/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-highmem", "Y" },
	{ "fail_page_alloc/min-order", "0" },
	{ "fail_page_alloc/verbose", "0" },
};
#define NATTRS (sizeof(attrs) / sizeof(attrs[0]))

enum site { SITE_SET, SITE_DMA, SITE_READ, SITE_WRITE, SITE_NR };

struct inject {
	int nth;			/* fail-nth, or -1 */
	char old[NATTRS][24];		/* the attributes as they were */
	size_t nset;			/* how many were changed */
	unsigned int failed[SITE_NR];	/* allocations failed */
	unsigned int ops[SITE_NR];	/* operations that allocate */
	unsigned int absorbed;		/* the operation succeeded all the same */
	struct { int e; unsigned int n; } errs[4];
	bool capped;			/* an operation had more than FAULTS_MAX */
	char fail[200];			/* the first problem, "" none */
};

static bool failf(struct inject *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool failf(struct inject *in, const char *fmt, ...)
{
	va_list ap;

	if (in->fail[0])
		return false;
	va_start(ap, fmt);
	vsnprintf(in->fail, sizeof(in->fail), fmt, ap);
	va_end(ap);
	return false;
}

/* ---- the kernel's fault injection ------------------------------------ */

/*
 * Read a debugfs attribute's value (to its newline) and/or write one.
 * Each with its own open: the fault attributes are not seekable.
 */
static int attr_io(const char *file, char *old, size_t len, const char *val)
{
	char path[128], line[24];
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s", file);
	if (old) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, old, len - 1);
			close(fd);
		}
		if (fd < 0 || n < 0)
			return -errno;
		old[n] = '\0';
		old[strcspn(old, "\n")] = '\0';
	}
	if (!val)
		return 0;
	snprintf(line, sizeof(line), "%s\n", val);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = write(fd, line, strlen(line));
		close(fd);
	}
	return fd < 0 || n < 0 ? -errno : 0;
}

static void inject_teardown(struct inject *in)
{
	while (in->nset > 0) {
		size_t i = --in->nset;
		int r = attr_io(attrs[i].file, NULL, 0, in->old[i]);

		if (r)
			warn("check: putting back /sys/kernel/debug/%s = %s: %s",
			     attrs[i].file, in->old[i], errstr(r));
	}
	if (in->nth >= 0)
		close(in->nth);
	in->nth = -1;
}

/* Someone else's failures would land in our sweep, and ours in theirs. */
static int others_injecting(char *why, size_t len)
{
	static const char *const prob[] = { "failslab/probability",
					    "fail_page_alloc/probability" };
	char v[24];

	for (size_t i = 0; i < 2; i++) {
		int r = attr_io(prob[i], v, sizeof(v), NULL);

		if (r) {
			snprintf(why, len, "/sys/kernel/debug/%s: %s (a kernel without "
				 "CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and "
				 "CONFIG_FAULT_INJECTION_DEBUG_FS, or debugfs not mounted)",
				 prob[i], check_errname(r));
			return -1;
		}
		if (strcmp(v, "0")) {
			snprintf(why, len, "/sys/kernel/debug/%s is %s: another fault "
				 "injection is under way", prob[i], v);
			return -1;
		}
	}
	return 0;
}

static int inject_setup(struct inject *in, char *why, size_t len)
{
	in->nth = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (in->nth < 0) {
		snprintf(why, len, "%s: %s (a kernel without CONFIG_FAULT_INJECTION)",
			 FAIL_NTH, check_errname(errno));
		return -1;
	}
	if (others_injecting(why, len))
		return -1;
	for (; in->nset < NATTRS; in->nset++) {
		size_t i = in->nset;
		int r = attr_io(attrs[i].file, in->old[i], sizeof(in->old[i]),
				attrs[i].want);

		if (r) {
			snprintf(why, len, "/sys/kernel/debug/%s: %s", attrs[i].file,
				 check_errname(r));
			return -1;
		}
	}
	return 0;
}

static int arm(struct inject *in, unsigned int n)
{
	char v[16];
	int len = snprintf(v, sizeof(v), "%u\n", n);

	return pwrite(in->nth, v, (size_t)len, 0) == len ? 0 : -1;
}

/* Off again; true when the Nth allocation was made (and failed). */
static bool disarm(struct inject *in)
{
	char v[16] = "";
	ssize_t n = pread(in->nth, v, sizeof(v) - 1, 0);

	if (pwrite(in->nth, "0\n", 2, 0) != 2)
		warn("check: writing 0 to %s: %s", FAIL_NTH, errstr(errno));
	return n > 0 && strtoul(v, NULL, 10) == 0;
}

/* ---- after each failure ---------------------------------------------- */

static void count_errno(struct inject *in, int r)
{
	size_t i;

	if (!r) {
		in->absorbed++;
		return;
	}
	for (i = 0; i < 4 && in->errs[i].e && in->errs[i].e != -r; i++)
		;
	if (i < 4) {
		in->errs[i].e = -r;
		in->errs[i].n++;
	}
}

/*
 * The Nth allocation of @what failed and the operation answered r (0 or
 * -errno): the log, a reset, then @again (the operation without a
 * failure) must work. false when a problem was found (in->fail).
 */
static bool recovered(struct check_ctx *c, struct inject *in, const char *what,
		      unsigned int n, int r, int (*again)(struct check_ctx *, void *),
		      void *arg)
{
	const char *how = r ? check_errname(r) : "no error";
	char line[160];
	uint32_t st;

	count_errno(in, r);
	if (check_kmsg_scan(c, "kernel.faults", line, sizeof(line)) == 1)
		return failf(in, "allocation %u of %s failed (%s), and the kernel "
			     "logged: %s", n, what, how, line);
	if (vdev_reset(&c->s.d) || vdev_get_state(&c->s.d, &st) || st != ST_RUNNING)
		return failf(in, "allocation %u of %s failed (%s), and a reset did "
			     "not give running", n, what, how);
	r = again(c, arg);
	if (r)
		return failf(in, "allocation %u of %s failed, then after a reset %s "
			     "failed without one: %s", n, what, what, check_errname(r));
	check_home(c);
	return true;
}

/*
 * Fail allocation 1, 2, ... of one operation: @try arms, runs and
 * disarms, answering 1 when the Nth allocation failed (its result in
 * *r), 0 when the operation made fewer. false once a problem was found.
 */
static bool sweep(struct check_ctx *c, struct inject *in, enum site site,
		  const char *what, int (*try)(struct check_ctx *, struct inject *,
					       void *, unsigned int, int *),
		  int (*again)(struct check_ctx *, void *), void *arg)
{
	unsigned int n;
	int r = 0;

	for (n = 1; n <= FAULTS_MAX && !sig_caught(); n++) {
		int hit = try(c, in, arg, n, &r);

		if (hit < 0)
			return false;
		if (!hit)
			break;
		in->failed[site]++;
		dbg("check: kernel.faults: allocation %u of %s failed: %s", n, what,
		    r ? check_errname(r) : "no error");
		if (!recovered(c, in, what, n, r, again, arg))
			return false;
	}
	if (n > 1)
		in->ops[site]++;
	if (n > FAULTS_MAX)
		in->capped = true;
	check_home(c);
	return true;
}

/* ---- SET: every arc the driver implements ----------------------------- */

struct arc {
	uint32_t from, to;
	char what[48];
};

/* The device in a->from; resuming with the whole state written. */
static int arc_from(struct check_ctx *c, const struct arc *a)
{
	int fd, r;

	if (check_home(c))
		return -EIO;
	if (a->from != ST_RESUMING)
		return check_goto(c, a->from) ? -EIO : 0;
	fd = check_session(c, ST_STOP, ST_RESUMING);
	if (fd < 0)
		return -EIO;
	r = check_write(fd, c->saved, c->saved_bytes, 0);
	close(fd);
	return r;
}

/* Where a SET that answered r (data fd fd) left the device: allowed? */
static bool arc_landed(struct check_ctx *c, struct inject *in, const struct arc *a,
		       unsigned int n, int r, int fd)
{
	int want = check_expect_fd(a->from, a->to);
	uint32_t st;

	if (vdev_get_state(&c->s.d, &st))
		return failf(in, "allocation %u of %s failed, and GET failed after "
			     "it", n, a->what);
	if (!r && (st != a->to || (want == 1 && fd < 0) || (want == 0 && fd >= 0)))
		return failf(in, "allocation %u of %s failed, yet it succeeded with "
			     "the device in %s, %s a data fd", n, a->what, fsm_name(st),
			     fd >= 0 ? "with" : "without");
	if (r && st != a->from && st != a->to && st != ST_ERROR)
		return failf(in, "allocation %u of %s failed (%s) and left the "
			     "device in %s", n, a->what, check_errname(r), fsm_name(st));
	return true;
}

static int arc_try(struct check_ctx *c, struct inject *in, void *arg,
		   unsigned int n, int *r)
{
	struct arc *a = arg;
	bool hit, ok = true;
	int fd = -1;

	if (arc_from(c, a)) {
		failf(in, "the device could not be brought to %s for %s",
		      fsm_name(a->from), a->what);
		return -1;
	}
	if (arm(in, n)) {
		failf(in, "writing %s: %s", FAIL_NTH, check_errname(errno));
		return -1;
	}
	*r = vdev_set_state(&c->s.d, a->to, &fd);
	hit = disarm(in);
	if (!hit && *r)
		ok = failf(in, "%s failed without an injected failure: %s", a->what,
			   check_errname(*r));
	else if (hit)
		ok = arc_landed(c, in, a, n, *r, fd);
	if (fd >= 0)
		close(fd);
	return ok ? hit : -1;
}

static int arc_again(struct check_ctx *c, void *arg)
{
	struct arc *a = arg;
	uint32_t st;
	int fd = -1, r = arc_from(c, a);

	if (!r)
		r = vdev_set_state(&c->s.d, a->to, &fd);
	if (fd >= 0)
		close(fd);
	if (!r && (vdev_get_state(&c->s.d, &st) || st != a->to))
		r = -EIO;
	return r;
}

/* The driver's own arcs: the single hops between the states it has. */
static bool sweep_arcs(struct check_ctx *c, struct inject *in)
{
	uint32_t path[FSM_MAX_PATH];
	struct arc a;
	uint64_t flags;
	int hops;

	if (vdev_mig_flags(&c->s.d, &flags))
		return failf(in, "VFIO_DEVICE_FEATURE_MIGRATION failed");
	for (a.from = ST_STOP; a.from < ST_NR; a.from++) {
		for (a.to = ST_STOP; a.to < ST_NR; a.to++) {
			if (a.from == a.to || !fsm_supported(a.from, flags) ||
			    !fsm_supported(a.to, flags) ||
			    fsm_plan(a.from, a.to, flags, path, &hops) != PLAN_OK ||
			    hops != 1 || (a.from == ST_RESUMING && !c->saved))
				continue;
			snprintf(a.what, sizeof(a.what), "SET %s -> %s",
				 fsm_name(a.from), fsm_name(a.to));
			if (!sweep(c, in, SITE_SET, a.what, arc_try, arc_again, &a))
				return false;
		}
	}
	return true;
}

/* ---- DMA logging: START, REPORT, STOP of one 1 MiB range --------------- */

enum dma_op { DMA_START, DMA_REPORT, DMA_STOP };

struct dma {
	enum dma_op op;
	int report;		/* what REPORT answers without a failure */
	uint64_t bitmap[4];	/* 256 pages of 4 KiB */
};

static const char *const dma_name[] = {
	"DMA_LOGGING_START", "DMA_LOGGING_REPORT", "DMA_LOGGING_STOP",
};

static int dma_call(struct check_ctx *c, struct dma *d, enum dma_op op)
{
	uint64_t page = 4096;

	if (op == DMA_START)
		return vfio_dma_log_start(c->s.d.fd, 0, 1u << 20, &page);
	if (op == DMA_REPORT)
		return vfio_dma_log_report(c->s.d.fd, 0, 1u << 20, 4096, d->bitmap);
	return vfio_dma_log_stop(c->s.d.fd);
}

/* Tracking stopped (whatever it was), then a whole cycle that works. */
static int dma_again(struct check_ctx *c, void *arg)
{
	struct dma *d = arg;
	int r;

	dma_call(c, d, DMA_STOP);
	r = dma_call(c, d, DMA_START);
	if (r)
		return r;
	if (dma_call(c, d, DMA_REPORT) != d->report) {
		dma_call(c, d, DMA_STOP);
		return -EIO;
	}
	return dma_call(c, d, DMA_STOP);
}

static int dma_try(struct check_ctx *c, struct inject *in, void *arg,
		   unsigned int n, int *r)
{
	struct dma *d = arg;
	bool hit;

	if (check_home(c) || (d->op != DMA_START && dma_call(c, d, DMA_START))) {
		failf(in, "DMA_LOGGING_START failed before %s", dma_name[d->op]);
		return -1;
	}
	memset(d->bitmap, 0, sizeof(d->bitmap));
	if (arm(in, n)) {
		failf(in, "writing %s: %s", FAIL_NTH, check_errname(errno));
		return -1;
	}
	*r = dma_call(c, d, d->op);
	hit = disarm(in);
	if (d->op != DMA_STOP)
		dma_call(c, d, DMA_STOP);
	if (!hit && *r != (d->op == DMA_REPORT ? d->report : 0)) {
		failf(in, "%s without an injected failure: %s", dma_name[d->op],
		      check_errname(*r));
		return -1;
	}
	return hit;
}

static bool sweep_dma(struct check_ctx *c, struct inject *in)
{
	struct dma d = { .op = DMA_START };

	if (vdev_probe(&c->s.d, VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
		       VFIO_DEVICE_FEATURE_SET))
		return true;	/* no DMA logging: nothing to fail */
	/* Without a working cycle, dma.logging says why; nothing to sweep. */
	check_home(c);
	if (dma_call(c, &d, DMA_START))
		return true;
	d.report = dma_call(c, &d, DMA_REPORT);
	if (dma_call(c, &d, DMA_STOP))
		return true;
	for (d.op = DMA_START; d.op <= DMA_STOP; d.op++)
		if (!sweep(c, in, SITE_DMA, dma_name[d.op], dma_try, dma_again, &d))
			return false;
	return true;
}

/* ---- data fd I/O: a whole stop_copy read, a whole resuming write ------- */

struct data {
	uint8_t *ref;		/* a save without failures */
	size_t len;
	uint8_t *buf;		/* len + 4096: a read sees the end */
};

static int read_again(struct check_ctx *c, void *arg)
{
	struct data *d = arg;
	uint8_t *b = NULL;
	size_t cap = 0;
	ssize_t n = check_save(c, &b, &cap, 0);
	int r = n < 0 ? (int)n : (size_t)n != d->len || memcmp(b, d->ref, d->len) ?
		-EIO : 0;

	free(b);
	return r;
}

static int read_try(struct check_ctx *c, struct inject *in, void *arg,
		    unsigned int n, int *r)
{
	struct data *d = arg;
	size_t got = 0;
	ssize_t k;
	bool hit;
	int fd = check_home(c) ? -1 : check_session(c, ST_STOP, ST_STOP_COPY);

	if (fd < 0) {
		failf(in, "no stop_copy session to read");
		return -1;
	}
	memset(d->buf, 0, d->len + 4096);
	if (arm(in, n)) {
		close(fd);
		failf(in, "writing %s: %s", FAIL_NTH, check_errname(errno));
		return -1;
	}
	while ((k = read(fd, d->buf + got, d->len + 4096 - got)) > 0)
		got += (size_t)k;
	*r = k < 0 ? -errno : 0;
	hit = disarm(in);
	close(fd);
	if (!*r && (got != d->len || memcmp(d->buf, d->ref, d->len))) {
		failf(in, "%s: a stop_copy read gave %zu bytes unlike the save, and no "
		      "error", hit ? "with an allocation failed" : "without a failure", got);
		return -1;
	}
	if (!hit && *r) {
		failf(in, "a stop_copy read failed without an injected failure: %s",
		      check_errname(*r));
		return -1;
	}
	return hit;
}

static int write_again(struct check_ctx *c, void *arg)
{
	struct data *d = arg;

	return check_load(c, d->ref, d->len, 0);
}

static int write_try(struct check_ctx *c, struct inject *in, void *arg,
		     unsigned int n, int *r)
{
	struct data *d = arg;
	int fd = check_home(c) ? -1 : check_session(c, ST_STOP, ST_RESUMING);
	int fd2 = -1, r2 = 0;
	bool hit;

	if (fd < 0) {
		failf(in, "no resuming session to write");
		return -1;
	}
	if (arm(in, n)) {
		close(fd);
		failf(in, "writing %s: %s", FAIL_NTH, check_errname(errno));
		return -1;
	}
	*r = check_write(fd, d->ref, d->len, 0);
	hit = disarm(in);
	close(fd);
	/* A write that said nothing must have stored everything. */
	if (!*r) {
		r2 = vdev_set_state(&c->s.d, ST_STOP, &fd2);
		if (fd2 >= 0)
			close(fd2);
	}
	if (r2 || (!hit && *r)) {
		failf(in, "%s, a resuming write %s, then resuming -> stop %s",
		      hit ? "with an allocation failed" : "without a failure",
		      *r ? check_errname(*r) : "said nothing",
		      r2 ? check_errname(r2) : "was not tried");
		return -1;
	}
	return hit;
}

static bool sweep_data(struct check_ctx *c, struct inject *in)
{
	struct data d = { 0 };
	size_t cap = 0;
	ssize_t n = check_save(c, &d.ref, &cap, 0);
	bool ok = false;

	if (n < 0) {
		free(d.ref);
		return failf(in, "a save without failures failed: %s",
			     check_errname((int)n));
	}
	d.len = (size_t)n;
	d.buf = malloc(d.len + 4096);
	if (d.buf)
		ok = sweep(c, in, SITE_READ, "a stop_copy read", read_try,
			   read_again, &d) &&
		     sweep(c, in, SITE_WRITE, "a resuming write", write_try,
			   write_again, &d);
	free(d.buf);
	free(d.ref);
	return ok;
}

/* ---- the rule --------------------------------------------------------- */

static void verdict(struct check_ctx *c, const struct inject *in)
{
	const char *rule = "kernel.faults";
	unsigned int total = 0;
	char errs[64] = "";
	size_t len = 0;

	for (int s = 0; s < SITE_NR; s++)
		total += in->failed[s];
	for (int i = 0; i < 4 && in->errs[i].e && len < sizeof(errs); i++)
		len += (size_t)snprintf(errs + len, sizeof(errs) - len, "%s%s %u",
					i ? ", " : "", check_errname(in->errs[i].e),
					in->errs[i].n);
	if (in->fail[0])
		check_add(c, rule, CK_FAIL, "%s", in->fail);
	else if (!total)
		check_add(c, rule, CK_INFO, "no allocation to fail in SET, DMA logging "
			  "or data fd I/O");
	else
		check_add(c, rule, CK_PASS, "%u allocations failed one by one: SET %u "
			  "(%u arcs), DMA logging %u, reads %u, writes %u; %s%s%u "
			  "absorbed; a reset recovered each%s", total,
			  in->failed[SITE_SET], in->ops[SITE_SET], in->failed[SITE_DMA],
			  in->failed[SITE_READ], in->failed[SITE_WRITE], errs,
			  errs[0] ? ", " : "", in->absorbed,
			  check_kmsg_scan(c, "kernel.faults", NULL, 0) < 0 ?
			  " (kernel log not readable)" : in->capped ?
			  ", log clean (capped at 64 per operation)" : ", log clean");
}

void check_faults(struct check_ctx *c)
{
	struct inject in = { .nth = -1 };
	char why[200];

	if (!c->inject_faults) {
		check_add(c, "kernel.faults", CK_SKIP, "not asked for (--inject-faults)");
		return;
	}
	if (c->s.d.path == PATH_HOLDER) {
		check_add(c, "kernel.faults", CK_SKIP, "held by vfiomig hold: the "
			  "kernel's allocations are the holder's");
		return;
	}
	if (inject_setup(&in, why, sizeof(why))) {
		inject_teardown(&in);
		check_add(c, "kernel.faults", CK_SKIP, "not checkable: %s", why);
		return;
	}
	if (sweep_arcs(c, &in) && sweep_dma(c, &in))
		sweep_data(c, &in);
	inject_teardown(&in);
	check_home(c);
	verdict(c, &in);
}
