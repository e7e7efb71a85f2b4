// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Checks beside the state machine and the data stream: a GET of the
 * state from a second thread while the first reads the data fd (it must
 * neither block nor change what is read), and DMA logging
 * start / report / stop where the device offers it.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "device.h"
#include "log.h"
#include "vfio.h"

/* A GET slower than this blocked behind the read. */
#define GET_MAX_US 1e6

struct getter {
	struct vdev *d;
	atomic_int stop;
	atomic_int gets;
	int err;
	uint32_t wrong;     /* a state other than stop_copy, else ST_NR */
	double max_us;
};

static void *get_loop(void *arg)
{
	struct getter *g = arg;

	while (!atomic_load(&g->stop)) {
		double t = check_now_us();
		uint32_t st;
		int r = vdev_get_state(g->d, &st);

		t = check_now_us() - t;
		if (t > g->max_us)
			g->max_us = t;
		if (r) {
			g->err = r;
			break;
		}
		if (st != ST_STOP_COPY && g->wrong == ST_NR)
			g->wrong = st;
		atomic_fetch_add(&g->gets, 1);
	}
	return NULL;
}

/* Wait (bounded) until the other thread completed one more GET. */
static void await_get(struct getter *g, int seen)
{
	double end = check_now_us() + GET_MAX_US;

	while (atomic_load(&g->gets) == seen && !g->err && check_now_us() < end)
		sched_yield();
}

/*
 * Read the session while g GETs: the first INTERLEAVE bytes one at a
 * time with a GET between each two reads, so the GETs really fall
 * inside the read; the rest in large reads. Bytes or -errno.
 */
#define INTERLEAVE 64
static ssize_t read_beside(int fd, uint8_t *buf, size_t cap, struct getter *g)
{
	size_t got = 0;

	await_get(g, 0);
	while (got < cap) {
		size_t want = got < INTERLEAVE ? 1 : cap - got;
		ssize_t n = read(fd, buf + got, want);

		/* ENOMSG in stop_copy is data.save.eof's to judge */
		if (n == 0 || (n < 0 && errno == ENOMSG))
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		got += (size_t)n;
		if (got <= INTERLEAVE)
			await_get(g, atomic_load(&g->gets));
	}
	return got;
}

static void judge(struct check_ctx *c, const struct getter *g, ssize_t n,
		  const uint8_t *buf)
{
	const char *rule = "data.get-concurrent";

	if (g->err)
		check_add(c, rule, CK_FAIL, "a GET during the read: %s", errstr(g->err));
	else if (g->wrong != ST_NR)
		check_add(c, rule, CK_FAIL, "a GET during a stop_copy read reported %s",
			  fsm_name(g->wrong));
	else if (g->max_us > GET_MAX_US)
		check_add(c, rule, CK_FAIL, "a GET took %.0f us during the read",
			  g->max_us);
	else if (n < 0)
		check_add(c, rule, CK_FAIL, "reading beside the GETs: %s",
			  errstr((int)n));
	else if ((uint64_t)n != c->saved_bytes || memcmp(buf, c->saved, (size_t)n))
		check_add(c, rule, CK_FAIL, "the stream read beside the GETs differs "
			  "from the reference save (%zd bytes)", n);
	else
		check_add(c, rule, CK_PASS, "%d GETs (max %.0f us) during a %zd-byte "
			  "read, between 1-byte reads, stream unchanged",
			  atomic_load(&g->gets), g->max_us, n);
}

void check_concurrent_get(struct check_ctx *c)
{
	struct getter g = { .d = &c->s.d, .wrong = ST_NR };
	pthread_t t;
	uint8_t *buf;
	ssize_t n;
	int fd;

	if (c->s.d.path == PATH_HOLDER) {
		check_add(c, "data.get-concurrent", CK_SKIP, "held by vfiomig hold: "
			  "one request at a time");
		return;
	}
	if (!c->saved) {
		check_add(c, "data.get-concurrent", CK_SKIP, "no reference save");
		return;
	}
	if (check_failed(c, "data.save.read-size")) {
		check_add(c, "data.get-concurrent", CK_SKIP, "needs reads that give "
			  "the same stream alone (data.save.read-size)");
		return;
	}
	buf = malloc(c->saved_bytes + 1);
	fd = check_session(c, ST_STOP, ST_STOP_COPY);
	if (!buf || fd < 0) {
		check_add(c, "data.get-concurrent", CK_SKIP, "no data session");
	} else if (pthread_create(&t, NULL, get_loop, &g)) {
		check_add(c, "data.get-concurrent", CK_SKIP, "no second thread");
	} else {
		n = read_beside(fd, buf, c->saved_bytes + 1, &g);
		atomic_store(&g.stop, 1);
		pthread_join(t, NULL);
		judge(c, &g, n, buf);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	check_home(c);
}

void check_dma_logging(struct check_ctx *c)
{
	uint64_t page = 4096, bitmap[4] = { 0 };
	int r, rep;

	if (c->s.d.path == PATH_HOLDER) {
		check_add(c, "dma.logging", CK_SKIP, "held by vfiomig hold");
		return;
	}
	if (vdev_probe(&c->s.d, VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
		       VFIO_DEVICE_FEATURE_SET)) {
		check_add(c, "dma.logging", CK_SKIP, "no DMA logging (PROBE)");
		return;
	}
	r = vfio_dma_log_start(c->s.d.fd, 0, 1u << 20, &page);
	if (r) {
		check_add(c, "dma.logging", CK_FAIL, "DMA_LOGGING_START of 1 MiB: %s",
			  errstr(r));
		return;
	}
	rep = vfio_dma_log_report(c->s.d.fd, 0, 1u << 20, 4096, bitmap);
	r = vfio_dma_log_stop(c->s.d.fd);
	/*
	 * A VMM that started logging cannot migrate without REPORT. Its one
	 * excused failure: EOPNOTSUPP from a kernel built without IOVA
	 * bitmaps (include/linux/iova_bitmap.h without CONFIG_IOMMUFD_DRIVER).
	 */
	if (rep && rep != -EOPNOTSUPP)
		check_add(c, "dma.logging", CK_FAIL, "DMA_LOGGING_REPORT of 1 MiB: %s",
			  errstr(rep));
	else if (r)
		check_add(c, "dma.logging", CK_FAIL, "DMA_LOGGING_STOP: %s", errstr(r));
	else
		check_add(c, "dma.logging", CK_PASS, "start (page size %llu), report "
			  "%s, stop", (unsigned long long)page, rep ? "EOPNOTSUPP (a "
			  "kernel without IOVA bitmaps)" : "ok");
}
