/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one clock for durations, rates and deadlines. */
#ifndef VFIOMIG_CLOCK_H
#define VFIOMIG_CLOCK_H

#include <time.h>

/* Seconds on CLOCK_MONOTONIC: immune to changes of the wall clock. */
static inline double monotonic_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
