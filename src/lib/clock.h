/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one clock for durations, rates and deadlines. */
#ifndef VFIOMIG_CLOCK_H
#define VFIOMIG_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC: immune to changes of the wall clock. */
static inline double monotonic_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Seconds as whole microseconds, rounded (0 for none): the unit of every
 * *_usecs, on the wire and in the reports alike, so that a figure sent
 * and printed on the other side prints as it was sent.
 */
static inline uint64_t usecs_of(double secs)
{
	return secs > 0 ? (uint64_t)(secs * 1e6 + 0.5) : 0;
}

#endif
