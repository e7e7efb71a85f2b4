// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checksums on a second core (hasher.h): one job at a time, given
 * by the reading thread and digested by a thread of its own, unless the
 * reader gets back to it first. Owns its thread and the job; knows
 * nothing of devices or streams beyond stream_hash().
 *
 * Why a job may be taken back: the hasher may not get the other core
 * (another process runs there), and a reader that waited for it then
 * ran at half speed or worse (a ring of buffers did, bench/save-vs-cat.sh);
 * taking back a job not yet begun costs the reader what hashing inline
 * costs, and a job being digested takes microseconds to finish. The
 * hasher sleeps between jobs: one that watched for the next job for up
 * to 1 ms instead was slower (0.80x cat against 0.99x) once other
 * processes ran on both cores.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "hasher.h"
#include "stream.h"

enum { JOB_NONE, JOB_GIVEN, JOB_BUSY, JOB_DONE, JOB_STOP };

struct hasher {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_int state;       /* JOB_*; JOB_GIVEN -> JOB_BUSY only by a CAS */
	const void *buf;
	size_t len;
	uint64_t digest;
};

static void *hash_thread(void *arg)
{
	struct hasher *h = arg;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		int given = JOB_GIVEN;

		while (atomic_load(&h->state) != JOB_GIVEN &&
		       atomic_load(&h->state) != JOB_STOP)
			pthread_cond_wait(&h->cond, &h->lock);
		if (atomic_load(&h->state) == JOB_STOP)
			break;
		/* The reader may have taken it back meanwhile. */
		if (!atomic_compare_exchange_strong(&h->state, &given, JOB_BUSY))
			continue;
		pthread_mutex_unlock(&h->lock);
		h->digest = stream_hash(h->buf, h->len);
		pthread_mutex_lock(&h->lock);
		atomic_store(&h->state, JOB_DONE);
		pthread_cond_broadcast(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

struct hasher *hasher_start(void)
{
	struct hasher *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	atomic_init(&h->state, JOB_NONE);
	if (pthread_create(&h->thread, NULL, hash_thread, h)) {
		pthread_cond_destroy(&h->cond);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return NULL;
	}
	return h;
}

void hasher_stop(struct hasher *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	/* A job being digested finishes first: its buffer may be freed next. */
	while (atomic_load(&h->state) == JOB_BUSY)
		pthread_cond_wait(&h->cond, &h->lock);
	atomic_store(&h->state, JOB_STOP);
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void hasher_give(struct hasher *h, const void *buf, size_t len)
{
	pthread_mutex_lock(&h->lock);
	h->buf = buf;
	h->len = len;
	atomic_store(&h->state, JOB_GIVEN);
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

uint64_t hasher_take(struct hasher *h, bool *stolen)
{
	int given = JOB_GIVEN;
	uint64_t d;

	/* Not begun: ours. The lock is not needed to claim it. */
	*stolen = atomic_compare_exchange_strong(&h->state, &given, JOB_NONE);
	if (*stolen)
		return stream_hash(h->buf, h->len);
	pthread_mutex_lock(&h->lock);
	while (atomic_load(&h->state) == JOB_BUSY)
		pthread_cond_wait(&h->cond, &h->lock);
	d = h->digest;
	atomic_store(&h->state, JOB_NONE);
	pthread_mutex_unlock(&h->lock);
	return d;
}
