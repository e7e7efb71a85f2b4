/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * poll() on data fds of a driver with a poll op (mlx5, personality.c).
 *
 * A data fd is a regular file, which poll() always reports ready: that is
 * what the kernel answers for a file without a poll op, so for every
 * other driver poll() passes through. For a pollable one the fake works
 * out readiness itself (data_poll_ready()) and polls the other fds in
 * slices, so a data fd turning ready while poll() sleeps is seen within
 * a slice. ppoll(), select() and epoll are not wrapped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "fake.h"

#define SLICE_MS	5

/*
 * Our readiness for each pollable data fd, in ours[] (-1: not ours);
 * returns how many are ready.
 */
static int fake_revents(struct pollfd *fds, nfds_t n, int *ours, int *saved)
{
	int ready = 0, r;
	nfds_t i;

	for (i = 0; i < n; i++) {
		struct data_sess *ds = fds[i].fd >= 0 ? fdtab_data(fds[i].fd) :
							NULL;

		r = ds ? data_poll_ready(ds) : -1;
		saved[i] = fds[i].fd;
		ours[i] = r < 0 ? -1 : r & (fds[i].events | POLLRDHUP |
					    POLLERR | POLLHUP);
		if (r < 0)
			continue;
		fds[i].fd = -1;	/* the real poll() skips it */
		ready += ours[i] != 0;
	}
	return ready;
}

static int restore(struct pollfd *fds, nfds_t n, const int *ours,
		   const int *saved, int real_n)
{
	int total = real_n > 0 ? real_n : 0;
	nfds_t i;

	for (i = 0; i < n; i++) {
		fds[i].fd = saved[i];
		if (ours[i] < 0)
			continue;
		/* the real poll() zeroed it: a negative fd is skipped */
		fds[i].revents = (short)ours[i];
		total += ours[i] != 0;
	}
	return total;
}

static bool any_ours(struct pollfd *fds, nfds_t n)
{
	nfds_t i;

	for (i = 0; i < n; i++) {
		struct data_sess *ds = fds[i].fd >= 0 ? fdtab_data(fds[i].fd) :
							NULL;

		if (ds && data_poll_ready(ds) >= 0)
			return true;
	}
	return false;
}

FAKE_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	uint64_t deadline;
	int *ours, *saved, ready, r, ms;

	fake_init();
	if (!fake_root || !n || !any_ours(fds, n))
		return real.poll(fds, n, timeout);
	ours = calloc(n, sizeof(*ours));
	saved = calloc(n, sizeof(*saved));
	if (!ours || !saved) {
		free(ours);
		free(saved);
		errno = ENOMEM;
		return -1;
	}
	deadline = now_ns() + (uint64_t)(timeout > 0 ? timeout : 0) * 1000000;
	for (;;) {
		ready = fake_revents(fds, n, ours, saved);
		ms = ready || !timeout ? 0 : SLICE_MS;
		if (ms && timeout > 0 && deadline - now_ns() < SLICE_MS * 1000000ULL)
			ms = (int)((deadline - now_ns()) / 1000000);
		r = real.poll(fds, n, ms);
		r = r < 0 ? r : restore(fds, n, ours, saved, r);
		if (r < 0)
			restore(fds, n, ours, saved, 0);
		if (r != 0 || !timeout || (timeout > 0 && now_ns() >= deadline))
			break;
	}
	free(ours);
	free(saved);
	return r;
}
