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

/*
 * The digits after the point a limit of @secs prints with in ms ("%.*f
 * ms"): none for whole ms, three below one ms ("0.001 ms", not "0 ms",
 * which would read as no limit), one otherwise.
 */
static inline int ms_digits(double secs)
{
	double ms = secs * 1e3;

	return ms == (double)(uint64_t)ms ? 0 : ms < 1 ? 3 : 1;
}

#endif
