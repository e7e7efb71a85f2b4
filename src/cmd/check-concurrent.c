// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Two threads on one data fd. data.concurrent: two writes started at
 * once at the end of a resuming session must not both be taken (qat's
 * f_pos race, CVE-2026-74306: the size check read f_pos before the
 * session's lock, and the second write went past the buffer), and two
 * threads reading one saving fd get every byte once. data.session.wake:
 * a read() blocked on a saving fd (data still in flight) returns within
 * a second when another thread ends the session (mlx5 before 6.7 left
 * it blocked for ever). Every racing write is one byte, so a driver with
 * the race writes one byte past its state at most; the session is reset
 * before its fd is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "device.h"
#include "log.h"
#include "sig.h"

/* Two 1-byte writes at once, this many times (fewer for large states). */
#define WRITE_TRIALS 128
#define READ_TRIALS 8
/* A read blocked for longer than this after its session ended hangs. */
#define WAKE_MAX_MS 1000

struct racer {
	int fd;
	uint8_t *buf;
	size_t len;        /* bytes per call */
	bool write;
	atomic_int *ready; /* the start line: both threads spin on it */
	ssize_t took;      /* bytes moved in all */
	uint32_t counts[256]; /* reads: how often each byte value came */
	int err;
};

/* Both threads leave the start line together, then go until 0 or error. */
static void *race(void *arg)
{
	struct racer *r = arg;

	atomic_fetch_add(r->ready, 1);
	while (atomic_load(r->ready) < 2)
		;
	for (;;) {
		ssize_t n = r->write ? write(r->fd, r->buf, r->len) :
				       read(r->fd, r->buf, r->len);

		if (n <= 0) {
			r->err = n < 0 ? errno : 0;
			break;
		}
		r->took += n;
		for (ssize_t i = 0; !r->write && i < n; i++)
			r->counts[r->buf[i]]++;
		if (r->write)
			break;	/* one write each: the race is at the end */
	}
	return NULL;
}

/* Run a and b at once; false if a thread could not be started. */
static bool run_pair(struct racer *a, struct racer *b)
{
	pthread_t ta, tb;
	atomic_int ready = 0;

	a->ready = b->ready = &ready;
	if (pthread_create(&ta, NULL, race, a))
		return false;
	if (pthread_create(&tb, NULL, race, b)) {
		atomic_fetch_add(&ready, 1);	/* let a go alone */
		pthread_join(ta, NULL);
		return false;
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	return true;
}

/*
 * Pages not touched yet, for the first racing write's byte: our own
 * executable file mapped, taken towards its end (debug information
 * nothing reads), each page once, from a place that depends on the pid
 * so that the next run finds its pages out of the cache too; the warm
 * byte when that fails. The driver's copy_from_user() then faults, from
 * the file system where the page is not cached, while the driver holds
 * its lock: a second writer's check made before the lock falls into that
 * window far more often.
 */
struct cold {
	uint8_t *map;
	size_t len, used;
};

static void cold_open(struct cold *k)
{
	struct stat st;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	k->map = MAP_FAILED;
	k->used = 0;
	if (fd >= 0 && !fstat(fd, &st) && st.st_size >= 4096) {
		k->len = (size_t)st.st_size & ~(size_t)4095;
		k->map = mmap(NULL, k->len, PROT_READ, MAP_PRIVATE, fd, 0);
		/* runs of WRITE_TRIALS pages, the pid choosing one */
		if (k->len / 4096 >= 2 * WRITE_TRIALS)
			k->used = (size_t)getpid() % (k->len / 4096 / WRITE_TRIALS) *
				  WRITE_TRIALS * 4096;
	}
	if (fd >= 0)
		close(fd);
}

static const uint8_t *cold_page(struct cold *k, const uint8_t *warm)
{
	if (k->map == MAP_FAILED || k->used + 4096 > k->len)
		return warm;
	k->used += 4096;
	return k->map + k->len - k->used;
}

static void cold_close(struct cold *k)
{
	if (k->map != MAP_FAILED)
		munmap(k->map, k->len);
}

/*
 * One write trial: the state but its last byte, then a last byte from two
 * threads at once, the first one's from a cold page (its value does not
 * matter: the session is reset, never loaded). Bytes taken in all; -1
 * without a session, -2 when the state but its last byte was refused.
 */
static ssize_t write_trial(struct check_ctx *c, struct cold *k)
{
	size_t n = c->saved_bytes;
	uint8_t last = c->saved[n - 1];
	struct racer a = { .buf = (uint8_t *)cold_page(k, &last), .len = 1,
			   .write = true };
	struct racer b = { .buf = &last, .len = 1, .write = true };
	int fd = check_session(c, ST_STOP, ST_RESUMING);
	ssize_t took = -1;

	if (fd < 0)
		return -1;
	a.fd = b.fd = fd;
	if (check_write(fd, c->saved, n - 1, 0))
		took = -2;
	else if (run_pair(&a, &b))
		took = (ssize_t)(n - 1) + a.took + b.took;
	/* never leave resuming by a load of what the race made: reset */
	check_reset_running(c);
	close(fd);
	return took;
}

/* Two threads read a whole save: 0, 1 when bytes came twice or never. */
static int read_trial(struct check_ctx *c, char *why, size_t len)
{
	size_t chunk = c->saved_bytes / 64 ? c->saved_bytes / 64 : 1;
	struct racer *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	uint32_t want[256] = { 0 };
	int fd = check_session(c, ST_STOP, ST_STOP_COPY), bad = -1;

	if (!a || !b || fd < 0)
		goto out;
	a->buf = malloc(chunk);
	b->buf = malloc(chunk);
	a->fd = b->fd = fd;
	a->len = b->len = chunk;
	if (!a->buf || !b->buf || !run_pair(a, b))
		goto out;
	for (size_t i = 0; i < c->saved_bytes; i++)
		want[c->saved[i]]++;
	bad = 0;
	if ((uint64_t)(a->took + b->took) != c->saved_bytes) {
		snprintf(why, len, "two threads reading %zu byte%s at a time got "
			 "%zd bytes of a %llu-byte state (%s)", chunk,
			 chunk == 1 ? "" : "s", a->took + b->took,
			 (unsigned long long)c->saved_bytes,
			 (uint64_t)(a->took + b->took) > c->saved_bytes ?
			 "bytes read twice" : "bytes lost");
		bad = 1;
	}
	for (int v = 0; v < 256 && !bad; v++) {
		if (a->counts[v] + b->counts[v] == want[v])
			continue;
		snprintf(why, len, "two threads reading %zu byte%s at a time got "
			 "byte value %d %u times, the state has it %u times", chunk,
			 chunk == 1 ? "" : "s", v, a->counts[v] + b->counts[v],
			 want[v]);
		bad = 1;
	}
out:
	if (fd >= 0)
		close(fd);
	if (a)
		free(a->buf);
	if (b)
		free(b->buf);
	free(a);
	free(b);
	return bad;
}

static const char *why_not_run(const struct check_ctx *c)
{
	if (c->s.d.path == PATH_HOLDER)
		return "held by vfiomig hold: one request at a time";
	if (!c->saved || c->saved_bytes < 2)
		return "no reference save of 2 bytes or more";
	if (check_failed(c, "data.save.read-size") ||
	    check_failed(c, "data.resume.chunking"))
		return "needs reads and writes that work from one thread "
		       "(data.save.read-size, data.resume.chunking)";
	if (check_failed(c, "data.resume.hostile"))
		return "the driver takes writes past the state from one thread "
		       "already (data.resume.hostile)";
	return NULL;
}

/* Up to READ_TRIALS read trials: the one that failed, 0, or -1 (no run). */
static int reads(struct check_ctx *c, char *why, size_t len)
{
	for (int t = 1; t <= READ_TRIALS && !sig_caught(); t++) {
		int r = read_trial(c, why, len);

		if (r)
			return r < 0 ? -1 : t;
	}
	return 0;
}

/* Up to trials write trials; the last one's bytes taken, *t its number. */
static ssize_t writes(struct check_ctx *c, int trials, int *t)
{
	struct cold cold;
	ssize_t took = 0;

	cold_open(&cold);
	for (*t = 1; *t <= trials && !sig_caught(); ++*t) {
		took = write_trial(c, &cold);
		if (took < 0 || (uint64_t)took > c->saved_bytes)
			break;
	}
	cold_close(&cold);
	return took;
}

/*
 * Reads first: a driver that leaks what a resuming session left in its
 * buffer into later saves (data.history's) would otherwise show here.
 */
void check_concurrent_io(struct check_ctx *c)
{
	const char *rule = "data.concurrent", *skip = why_not_run(c);
	int trials = c->saved_bytes <= 65536 ? WRITE_TRIALS : 8, t, bad;
	char why[200];
	ssize_t took;

	if (skip) {
		check_add(c, rule, CK_SKIP, "%s", skip);
		return;
	}
	check_risky(c, rule);
	bad = reads(c, why, sizeof(why));
	took = bad ? 0 : writes(c, trials, &t);
	if (bad > 0)
		check_add(c, rule, CK_FAIL, "read trial %d: %s", bad, why);
	else if (bad < 0 || took < 0)
		check_add(c, rule, CK_SKIP, "%s", bad < 0 ? "no saving session for "
			  "two readers" : took == -2 ? "the state but its last byte "
			  "was refused" : "no resuming session, or no second thread");
	else if ((uint64_t)took > c->saved_bytes)
		check_add(c, rule, CK_FAIL, "write trial %d of %d: two 1-byte "
			  "writes of the last byte, at once, were both taken: %zd "
			  "bytes for a %llu-byte state, %llu past its end", t, trials,
			  took, (unsigned long long)c->saved_bytes,
			  (unsigned long long)(took - c->saved_bytes));
	else if (!sig_caught())
		check_add(c, rule, CK_PASS, "%d trials of two threads reading: "
			  "every byte once; %d of two 1-byte writes at once at the "
			  "end: one taken each time", READ_TRIALS, trials);
	check_home(c);
}

/* ---- data.session.wake ---------------------------------------------- */

struct reader {
	int fd;
	int efd;             /* written once the thread is done */
	atomic_int tid;
	atomic_int in_read;
	atomic_llong got;
	int err;
};

static void *read_on(void *arg)
{
	struct reader *r = arg;
	static _Thread_local uint8_t buf[65536];
	uint64_t one = 1;

	atomic_store(&r->tid, gettid());
	for (;;) {
		ssize_t n;

		atomic_store(&r->in_read, 1);
		n = read(r->fd, buf, sizeof(buf));
		atomic_store(&r->in_read, 0);
		if (n > 0) {
			atomic_fetch_add(&r->got, n);
			continue;
		}
		r->err = n < 0 ? errno : 0;
		if (n < 0 && errno == EINTR && !sig_cancel()->hit() && !sig_caught())
			continue;
		break;
	}
	(void)!write(r->efd, &one, sizeof(one));
	return NULL;
}

/* Is the thread asleep in the kernel (state S or D in its stat)? */
static bool asleep(int tid)
{
	char path[64], line[512], *p;
	bool s = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')))
		s = p[1] == ' ' && (p[2] == 'S' || p[2] == 'D');
	fclose(f);
	return s;
}

static bool done_within(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* Wait (at most 200 ms) until r blocks in read(), or is done: blocked? */
static bool blocks(struct reader *r)
{
	for (int i = 0; i < 200; i++) {
		if (done_within(r->efd, 1))
			return false;
		if (atomic_load(&r->in_read) && atomic_load(&r->tid) &&
		    asleep(atomic_load(&r->tid)))
			return true;
	}
	return false;
}

static int to_stop(struct check_ctx *c)
{
	int fd, r = vdev_set_state(&c->s.d, ST_STOP, &fd);

	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * A reader blocked in a new stop_copy session, then end(): 0 when it
 * came back in time (how it came back in how, after ms), 1 when it had
 * to be interrupted, -1 when no read blocked.
 */
static int wake_one(struct check_ctx *c, int (*end)(struct check_ctx *),
		    char *how, size_t len, double *ms)
{
	struct reader r = { .efd = eventfd(0, EFD_CLOEXEC) };
	pthread_t t;
	int ret = -1, tries = 0;
	long long before = 0;
	double t0;

	r.fd = check_session(c, ST_STOP, ST_STOP_COPY);
	if (r.fd < 0 || r.efd < 0 || pthread_create(&t, NULL, read_on, &r)) {
		snprintf(how, len, "no data session");
		goto out;
	}
	if (blocks(&r)) {
		before = atomic_load(&r.got);
		t0 = check_now_us();
		end(c);
		ret = !done_within(r.efd, WAKE_MAX_MS);
		*ms = (check_now_us() - t0) / 1000;
	}
	/* a read that never came back: cancel it until the thread is gone */
	while (!done_within(r.efd, 0) && tries++ < 50) {
		sig_cancel()->interrupt(t);
		done_within(r.efd, 100);
	}
	pthread_join(t, NULL);
	if (!ret && atomic_load(&r.got) > before)
		snprintf(how, len, "%lld bytes", atomic_load(&r.got) - before);
	else if (!ret)
		snprintf(how, len, "%s", r.err ? check_errname(r.err) : "EOF");
out:
	if (r.fd >= 0)
		close(r.fd);
	if (r.efd >= 0)
		close(r.efd);
	check_home(c);
	return ret;
}

void check_wake(struct check_ctx *c)
{
	const char *rule = "data.session.wake";
	char h[2][64] = { "", "" }, said[160] = "";
	const char *what[2] = { "stop_copy -> stop", "a reset" };
	int (*end[2])(struct check_ctx *) = { to_stop, check_reset_running };
	double ms[2] = { 0, 0 };
	int r[2] = { -1, -1 };
	size_t used = 0;

	if (c->s.d.path == PATH_HOLDER) {
		check_add(c, rule, CK_SKIP, "held by vfiomig hold: one request at "
			  "a time");
		return;
	}
	for (int i = 0; i < 2; i++) {
		r[i] = wake_one(c, end[i], h[i], sizeof(h[i]), &ms[i]);
		if (r[i] > 0) {
			check_add(c, rule, CK_FAIL, "a read() blocked on the stop_copy "
				  "fd was still blocked %d ms after %s (a signal ended "
				  "it)", WAKE_MAX_MS, what[i]);
			return;
		}
		if (!r[i] && strstr(h[i], "bytes")) {
			check_add(c, rule, CK_FAIL, "a read() blocked on the stop_copy "
				  "fd gave %s after %s ended the session", h[i], what[i]);
			return;
		}
		if (!r[i])
			used += snprintf(said + used, sizeof(said) - used, "%s%s %.0f ms "
					 "after %s", used ? ", " : "", h[i], ms[i],
					 what[i]);
	}
	if (!used)
		check_add(c, rule, CK_SKIP, "no read() blocked: the driver had the "
			  "data ready (nothing in flight to wait for)");
	else
		check_add(c, rule, CK_PASS, "a read() blocked on the stop_copy fd "
			  "returned %s", said);
}
