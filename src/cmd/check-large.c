// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Large states (data.large): the other data checks hold a save in memory,
 * up to 256 MiB; a larger state goes through an unnamed temporary file
 * (O_TMPFILE in $TMPDIR, else /var/tmp) instead: saved to it, restored
 * from it, and the restore must be taken. Made for mlx5 before 6.3,
 * which refused to load an image above 512 MiB (MAX_MIGRATION_SIZE, still
 * in 6.1.192): the save works, only the restore shows it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "check.h"
#include "device.h"
#include "log.h"
#include "sig.h"

#define LARGE (256ull << 20)
#define CHUNK (1u << 20)

static int tmpfile_for(uint64_t bytes, char *why, size_t len)
{
	const char *dir = getenv("TMPDIR");
	struct statvfs vfs;
	int fd;

	if (!dir || !*dir)
		dir = "/var/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(why, len, "no temporary file in %s: %s", dir,
			 check_errname(errno));
		return -1;
	}
	if (!fstatvfs(fd, &vfs) && (uint64_t)vfs.f_bavail * vfs.f_frsize < bytes) {
		snprintf(why, len, "no room for %llu MiB in %s",
			 (unsigned long long)(bytes >> 20), dir);
		close(fd);
		return -1;
	}
	return fd;
}

/* Copy from to to until from ends (read() 0); *done counts. 0 or -errno. */
static int pump(int from, int to, uint8_t *buf, ssize_t *done)
{
	ssize_t w;

	for (*done = 0;;) {
		ssize_t n = read(from, buf, CHUNK);

		if (n < 0 && errno == EINTR && !sig_caught())
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		for (ssize_t off = 0; off < n; off += w) {
			w = write(to, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR && !sig_caught())
				w = 0;
			else if (w <= 0)
				return w < 0 ? -errno : -EIO;
			*done += w;
		}
	}
}

/* Save into fd, rewind, restore from it: 0, or -errno with why set. */
static int round_trip(struct check_ctx *c, int fd, uint8_t *buf, ssize_t *n,
		      char *why, size_t len)
{
	int dfd = check_session(c, ST_STOP, ST_STOP_COPY), fd2 = -1, r;
	ssize_t done;

	if (dfd < 0) {
		snprintf(why, len, "no stop_copy session");
		return -EIO;
	}
	r = pump(dfd, fd, buf, n);
	close(dfd);
	if (r) {
		snprintf(why, len, "saving, after %zd bytes: %s", *n, errstr(r));
		return r;
	}
	dfd = lseek(fd, 0, SEEK_SET) ? -1 : check_session(c, ST_STOP, ST_RESUMING);
	if (dfd < 0) {
		snprintf(why, len, "no resuming session for the restore");
		return -EIO;
	}
	r = pump(fd, dfd, buf, &done);
	if (r)
		snprintf(why, len, "restoring the %zd bytes saved: a write at byte "
			 "%zd: %s", *n, done, errstr(r));
	else if ((r = vdev_set_state(&c->s.d, ST_STOP, &fd2)))
		snprintf(why, len, "restoring the %zd bytes saved: resuming -> "
			 "stop: %s", *n, errstr(r));
	if (fd2 >= 0)
		close(fd2);
	if (r)
		check_reset_running(c);	/* out of resuming before the close */
	close(dfd);
	return r;
}

void check_large(struct check_ctx *c)
{
	const char *rule = "data.large";
	uint64_t est = 0;
	char why[200] = "";
	uint8_t *buf;
	double t;
	ssize_t n = 0;
	int fd, r;

	if (vdev_data_size(&c->s.d, &est))
		est = 0;
	if (!c->large && est <= LARGE) {
		if (c->saved)
			check_add(c, rule, CK_SKIP, "a state of %llu bytes: not above "
				  "256 MiB, round-tripped in memory by the other "
				  "checks", (unsigned long long)c->saved_bytes);
		else
			check_add(c, rule, CK_SKIP, "no reference save (see "
				  "data.save.eof)");
		return;
	}
	fd = tmpfile_for(est ? est : LARGE, why, sizeof(why));
	buf = malloc(CHUNK);
	if (fd < 0 || !buf) {
		check_add(c, rule, CK_SKIP, "%s", fd < 0 ? why : "no memory");
		if (fd >= 0)
			close(fd);
		free(buf);
		return;
	}
	t = check_now_us();
	r = round_trip(c, fd, buf, &n, why, sizeof(why));
	t = (check_now_us() - t) / 1e6;
	close(fd);
	free(buf);
	check_home(c);
	if (r)
		check_add(c, rule, CK_FAIL, "%s", why);
	else if ((uint64_t)n <= LARGE)
		check_add(c, rule, CK_SKIP, "the save gave %zd bytes: not above 256 "
			  "MiB (estimate %llu)", n, (unsigned long long)est);
	else
		check_add(c, rule, CK_PASS, "%zd bytes saved to a temporary file and "
			  "restored from it in %.1f s", n, t);
}
