// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the checks and the soak share: moving the device between checks
 * (raw vdev_* calls: check tests the driver, not our planner), data fd
 * reads and writes of a chosen chunking, a whole save and load, and the
 * one random generator (seeded, so a soak can be replayed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "device.h"
#include "sig.h"

/* Device state larger than this is not held in memory. */
#define CHECK_MAX_STATE (256u << 20)

static uint64_t rng = 0x9e3779b97f4a7c15ull;

void check_srand(uint64_t seed)
{
	rng = seed ? seed : 0x9e3779b97f4a7c15ull;
}

/* splitmix64: small, and the same sequence on every host. */
uint64_t check_rand(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double check_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int check_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

const char *check_errname(int e)
{
	const char *n = strerrorname_np(e < 0 ? -e : e);

	return n ? n : "E?";
}

int check_expect_fd(uint32_t from, uint32_t to)
{
	if (to == ST_RESUMING)
		return 1;
	if (fsm_is_saving(to))
		return fsm_is_saving(from) ? -1 : 1;
	return 0;
}

int check_goto(struct check_ctx *c, uint32_t target)
{
	uint32_t cur;
	int fd, r;

	if (vdev_get_state(&c->s.d, &cur))
		return -1;
	if (cur == target)
		return 0;
	/* Resuming and error are left only by reset. */
	if (cur == ST_RESUMING || cur == ST_ERROR) {
		if (vdev_reset(&c->s.d) || vdev_get_state(&c->s.d, &cur))
			return -1;
		if (cur == target)
			return 0;
	}
	/* Leave the saving group so that entering it opens a new session. */
	if (fsm_is_saving(cur)) {
		uint32_t out = cur == ST_STOP_COPY ? ST_STOP :
			       cur == ST_PRE_COPY ? ST_RUNNING : ST_RUNNING_P2P;

		if (vdev_set_state(&c->s.d, out, &fd))
			return -1;
		if (fd >= 0)
			close(fd);
		if (out == target)
			return 0;
	}
	r = vdev_set_state(&c->s.d, target, &fd);
	if (fd >= 0)
		close(fd);
	return r ? -1 : 0;
}

int check_home(struct check_ctx *c)
{
	uint32_t st;

	if (!vdev_reset(&c->s.d) && !vdev_get_state(&c->s.d, &st) && st == ST_RUNNING)
		return 0;
	return check_goto(c, ST_RUNNING);
}

int check_reset_running(struct check_ctx *c)
{
	uint32_t st;

	return vdev_reset(&c->s.d) || vdev_get_state(&c->s.d, &st) ||
	       st != ST_RUNNING;
}

int check_session(struct check_ctx *c, uint32_t from, uint32_t to)
{
	int fd = -1;

	if (check_goto(c, from) || vdev_set_state(&c->s.d, to, &fd))
		return -1;
	return fd;
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 65536;
	uint8_t *nb;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if (ncap > CHECK_MAX_STATE)
		return -EFBIG;
	nb = realloc(*buf, ncap);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = ncap;
	return 0;
}

ssize_t check_drain(int fd, uint8_t **buf, size_t *cap, size_t chunk,
		    const char **end)
{
	size_t got = 0, want = chunk ? chunk : 65536;

	for (;;) {
		ssize_t n;
		int r = grow(buf, cap, got + want);

		if (r)
			return r;
		n = read(fd, *buf + got, chunk ? chunk : *cap - got);
		if (n > 0) {
			got += n;
			continue;
		}
		if (n == 0) {
			*end = "eof";
			return got;
		}
		if (errno == EINTR && !sig_caught())
			continue;
		/* The temporary end of pre-copy; the caller judges where. */
		if (errno == ENOMSG || errno == EAGAIN) {
			*end = errno == ENOMSG ? "ENOMSG" : "EAGAIN";
			return got;
		}
		return -errno;
	}
}

ssize_t check_save(struct check_ctx *c, uint8_t **buf, size_t *cap, size_t chunk)
{
	const char *end = NULL;
	ssize_t n;
	int fd = check_session(c, ST_STOP, ST_STOP_COPY);

	if (fd < 0)
		return -EIO;
	n = check_drain(fd, buf, cap, chunk, &end);
	close(fd);
	if (n >= 0)
		c->stop_copy_end = end;
	return n;
}

int check_write(int fd, const uint8_t *buf, size_t len, size_t chunk)
{
	size_t done = 0;

	while (done < len) {
		size_t n = len - done;
		ssize_t w;

		size_t want = chunk == SIZE_MAX ? 1 + check_rand() % 4099 : chunk;

		if (want && want < n)
			n = want;
		w = write(fd, buf + done, n);
		if (w < 0 && errno == EINTR && !sig_caught())
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		done += (size_t)w;
	}
	return 0;
}

int check_load(struct check_ctx *c, const uint8_t *buf, size_t len, size_t chunk)
{
	int fd = check_session(c, ST_STOP, ST_RESUMING);
	int r, fd2;

	if (fd < 0)
		return -EIO;
	r = check_write(fd, buf, len, chunk);
	close(fd);
	if (r)
		return r;
	r = vdev_set_state(&c->s.d, ST_STOP, &fd2);
	if (fd2 >= 0)
		close(fd2);
	return r;
}
