// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pump.h"
#include "vfiomig.h"

volatile sig_atomic_t vm_signal;

static void on_signal(int sig)
{
	vm_signal = sig;
}

void catch_signals(void)
{
	/* No SA_RESTART: a blocking read or write returns EINTR at once. */
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed output is an error we report, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress_print(struct progress *p, double t)
{
	double secs = t - p->start;
	double rate = secs > 0 ? p->done / secs : 0;

	fprintf(stderr, "\r%.1f MiB  %.1f MiB/s", p->done / 1048576.0,
		rate / 1048576.0);
	if (p->expected)
		fprintf(stderr, "  %.0f%%", 100.0 * p->done / p->expected);
	fputs("   ", stderr);
}

void progress_init(struct progress *p, bool on, uint64_t expected)
{
	memset(p, 0, sizeof(*p));
	p->on = on;
	p->expected = expected;
	p->start = p->last = now();
}

void progress_add(struct progress *p, uint64_t n)
{
	double t;

	p->done += n;
	if (!p->on)
		return;
	t = now();
	if (t - p->last >= 0.2) {
		p->last = t;
		progress_print(p, t);
	}
}

void progress_end(struct progress *p)
{
	if (!p->on)
		return;
	progress_print(p, now());
	fputc('\n', stderr);
}

const char *pump_end_name(enum pump_end e)
{
	return e == END_ENOMSG ? "ENOMSG" : e == END_EAGAIN ? "EAGAIN" : "eof";
}

/*
 * Fill buf from data_fd. Returns bytes read (0 at an end, with *end set)
 * or -errno. Stops early at an end so that pre-copy data is not held
 * back waiting for more.
 */
static ssize_t fill(int fd, uint8_t *buf, size_t cap, bool precopy,
		    enum pump_end *end)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n > 0) {
			got += n;
			continue;
		}
		if (n == 0) {
			*end = END_EOF;
			break;
		}
		if (errno == EINTR && !vm_signal)
			continue;
		if (precopy && (errno == ENOMSG || errno == EAGAIN)) {
			*end = errno == ENOMSG ? END_ENOMSG : END_EAGAIN;
			break;
		}
		return -errno;
	}
	return got;
}

/*
 * Saving runs on two threads so that reading the device overlaps with
 * hashing and writing: the calling thread reads the data_fd (and takes
 * SIGINT/SIGTERM), a writer thread turns filled buffers into records.
 * The buffers go round a small ring; only the ring's state is shared.
 */
#define RING 4

struct slot {
	uint8_t *buf;
	size_t len;
};

struct ring {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct slot slot[RING];
	unsigned int head, tail;   /* filled slots are [tail, head) */
	bool done;                 /* the reader has no more */
	int werr;                  /* the writer's failure, -errno */
	struct stream_writer *w;
	uint32_t phase;
};

static void *writer_main(void *arg)
{
	struct ring *q = arg;
	sigset_t all;

	/* Signals belong to the reading thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		struct slot s;
		int r;

		pthread_mutex_lock(&q->lock);
		while (q->tail == q->head && !q->done)
			pthread_cond_wait(&q->cond, &q->lock);
		if (q->tail == q->head) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		s = q->slot[q->tail % RING];
		pthread_mutex_unlock(&q->lock);

		r = sw_record(q->w, q->phase, s.buf, s.len);

		pthread_mutex_lock(&q->lock);
		q->tail++;
		if (r)
			q->werr = r;
		pthread_cond_broadcast(&q->cond);
		pthread_mutex_unlock(&q->lock);
		if (r)
			return NULL;
	}
}

/* Wait for a free slot; returns it, or NULL when the writer failed. */
static struct slot *next_free(struct ring *q)
{
	struct slot *s = NULL;

	pthread_mutex_lock(&q->lock);
	while (!q->werr && q->head - q->tail == RING)
		pthread_cond_wait(&q->cond, &q->lock);
	if (!q->werr)
		s = &q->slot[q->head % RING];
	pthread_mutex_unlock(&q->lock);
	return s;
}

static void publish(struct ring *q)
{
	pthread_mutex_lock(&q->lock);
	q->head++;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/* Read until an end, filling slots; 0 or -errno of the read. */
static int read_loop(struct ring *q, int fd, bool precopy, size_t cap,
		     struct progress *p, enum pump_end *end)
{
	for (;;) {
		struct slot *s = next_free(q);
		ssize_t n;

		if (!s)
			return 0; /* the writer's error is reported instead */
		*end = (enum pump_end)-1;
		if (vm_signal)
			return -EINTR;
		n = fill(fd, s->buf, cap, precopy, end);
		if (n < 0)
			return (int)n;
		if (n > 0) {
			s->len = n;
			publish(q);
			progress_add(p, n);
		}
		if (*end != (enum pump_end)-1)
			return 0;
	}
}

int pump_save(int data_fd, struct stream_writer *w, uint32_t phase, bool precopy,
	      uint8_t *buf, size_t cap, struct progress *p, enum pump_end *end,
	      const char **where)
{
	struct ring q = { .w = w, .phase = phase };
	size_t part = cap / RING;
	pthread_t writer;
	int rerr;

	pthread_mutex_init(&q.lock, NULL);
	pthread_cond_init(&q.cond, NULL);
	for (int i = 0; i < RING; i++)
		q.slot[i].buf = buf + i * part;
	if (pthread_create(&writer, NULL, writer_main, &q)) {
		*where = "write";
		return -EAGAIN;
	}
	rerr = read_loop(&q, data_fd, precopy, part, p, end);

	pthread_mutex_lock(&q.lock);
	q.done = true;
	pthread_cond_broadcast(&q.cond);
	pthread_mutex_unlock(&q.lock);
	/* A writer stuck on a stalled output must not hold up a failure. */
	if (rerr)
		pthread_cancel(writer);
	pthread_join(writer, NULL);
	pthread_cond_destroy(&q.cond);
	pthread_mutex_destroy(&q.lock);

	if (rerr) {
		*where = "read";
		return rerr;
	}
	if (q.werr) {
		*where = "write";
		return q.werr;
	}
	return 0;
}
