/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Migration data sessions.
 *
 * A saving data_fd is a read-only fd on .fake/NAME/save. In PRE_COPY the
 * file holds the first `precopy` bytes and grows to `size` on the arc to
 * STOP_COPY, so read() behaves like mtty_save_read(): it returns 0 once
 * the reader has caught up in PRE_COPY, more data after STOP_COPY, and 0
 * again at the end of the stream. A pipe could not do that: it can only
 * block or end for good. A resuming data_fd is a write-only fd on
 * .fake/NAME/resume; RESUMING -> STOP loads it into .fake/NAME/data, so
 * the next save produces the same bytes (save -> restore -> save
 * round-trips). Disabling a session unlinks its file; an fd the user
 * still holds keeps the old inode and is recognised as stale.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"

/* Content of a device never restored into: a counter seeded by name. */
static void pattern(const char *name, uint8_t *buf, size_t len)
{
	uint8_t seed = 0;
	size_t i;

	for (i = 0; name[i]; i++)
		seed = (uint8_t)(seed * 31 + (uint8_t)name[i]);
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i);
}

/* The device's current state image, always exactly cfg->size bytes. */
static uint8_t *image(const char *name, const struct fake_cfg *cfg)
{
	char path[PATH_MAX];
	uint8_t *buf;
	ssize_t n = 0;
	int fd;

	buf = malloc(cfg->size ? cfg->size : 1);
	if (!buf)
		return NULL;
	pattern(name, buf, cfg->size);
	if (dev_file(path, sizeof(path), name, "data"))
		return buf;
	fd = real.open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, cfg->size);
		real.close(fd);
	}
	(void)n;
	return buf;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Append image[from, to) to the save file. */
static int save_append(const char *name, const struct fake_cfg *cfg,
		       uint64_t from, uint64_t to)
{
	char path[PATH_MAX];
	uint8_t *buf;
	int fd, ret;

	if (dev_file(path, sizeof(path), name, "save"))
		return -ENAMETOOLONG;
	buf = image(name, cfg);
	if (!buf)
		return -ENOMEM;
	fd = real.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	ret = write_all(fd, buf + from, to - from);
	real.close(fd);
	free(buf);
	return ret;
}

static int open_session(const char *name, const char *file, int flags)
{
	char path[PATH_MAX];
	struct fake_fd *e;
	int fd;

	if (dev_file(path, sizeof(path), name, file))
		return -ENAMETOOLONG;
	fd = real.open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = fdtab_add(fd, *file == 's' ? FK_SAVE : FK_RESUME, name);
	if (!e) {
		real.close(fd);
		return -EMFILE;
	}
	return fd;
}

int data_save_open(const char *name, const struct fake_cfg *cfg,
		   bool stop_copy)
{
	int ret;

	data_disable(name);
	ret = save_append(name, cfg, 0, stop_copy ? cfg->size : cfg->precopy);
	if (ret)
		return ret;
	return open_session(name, "save", O_RDONLY);
}

bool data_save_exists(const char *name)
{
	char path[PATH_MAX];

	return !dev_file(path, sizeof(path), name, "save") &&
	       real.access(path, F_OK) == 0;
}

/* PRE_COPY(_P2P) -> STOP_COPY: the rest of the image, no new fd. */
int data_save_finish(const char *name, const struct fake_cfg *cfg)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	if (dev_file(path, sizeof(path), name, "save") ||
	    real.stat(path, &st))
		return -EINVAL;
	if ((uint64_t)st.st_size >= cfg->size)
		return -1;
	ret = save_append(name, cfg, (uint64_t)st.st_size, cfg->size);
	return ret ? ret : -1;
}

int data_resume_open(const char *name)
{
	char path[PATH_MAX];
	int fd;

	data_disable(name);
	if (dev_file(path, sizeof(path), name, "resume"))
		return -ENAMETOOLONG;
	fd = real.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	real.close(fd);
	return open_session(name, "resume", O_WRONLY);
}

/* RESUMING -> STOP: like mtty_load_state(), short data is -EINVAL. */
int data_resume_load(const char *name, const struct fake_cfg *cfg)
{
	char src[PATH_MAX], dst[PATH_MAX], tmp[PATH_MAX];
	uint8_t *buf;
	int in, out, ret = -EIO;
	ssize_t n;

	if (dev_file(src, sizeof(src), name, "resume") ||
	    dev_file(dst, sizeof(dst), name, "data") ||
	    dev_file(tmp, sizeof(tmp), name, "data.new"))
		return -ENAMETOOLONG;
	buf = malloc(cfg->size ? cfg->size : 1);
	if (!buf)
		return -ENOMEM;
	in = real.open(src, O_RDONLY | O_CLOEXEC);
	n = in >= 0 ? read(in, buf, cfg->size) : -1;
	if (in >= 0)
		real.close(in);
	if (n < 0 || (uint64_t)n < cfg->size) {
		free(buf);
		return -EINVAL;
	}
	/*
	 * Copy rather than rename: the writer still holds the resume fd,
	 * and a late write() must not reach the device image.
	 */
	out = real.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out >= 0) {
		ret = write_all(out, buf, cfg->size);
		real.close(out);
		if (!ret && rename(tmp, dst))
			ret = -errno;
	}
	free(buf);
	if (ret)
		return ret;
	data_disable(name);
	return -1;
}

void data_disable(const char *name)
{
	char path[PATH_MAX];

	if (!dev_file(path, sizeof(path), name, "save"))
		unlink(path);
	if (!dev_file(path, sizeof(path), name, "resume"))
		unlink(path);
}

/* Is @fd still the live session file, or one disabled since? */
static bool stale(int fd, const char *name, const char *file)
{
	char path[PATH_MAX];
	struct stat a, b;

	if (dev_file(path, sizeof(path), name, file) || fstat(fd, &a) ||
	    real.stat(path, &b))
		return true;
	return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

/* mtty_precopy_ioctl(); the resume fd has no ioctl op at all. */
int data_ioctl(struct fake_fd *e, int fd, unsigned long req, void *arg)
{
	size_t minsz = offsetof(struct vfio_precopy_info, dirty_bytes) +
		       sizeof(__u64);
	struct vfio_precopy_info *info = arg;
	struct stat st;
	off_t pos;
	int state, lk, ret = 0;

	if (e->kind != FK_SAVE || req != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (!info)
		return -EFAULT;
	if (info->argsz < minsz)
		return -EINVAL;
	lk = dev_lock(e->name);
	state = state_get(e->name);
	if (state != VFIOMIG_STATE_PRE_COPY &&
	    state != VFIOMIG_STATE_PRE_COPY_P2P) {
		ret = -EINVAL;
	} else if (stale(fd, e->name, "save")) {
		ret = -ENODEV;
	} else {
		pos = lseek(fd, 0, SEEK_CUR);
		if (fstat(fd, &st) || pos < 0 || pos > st.st_size) {
			ret = -EINVAL;
		} else {
			info->dirty_bytes = 0;
			info->initial_bytes = (__u64)(st.st_size - pos);
		}
	}
	dev_unlock(lk);
	return ret;
}
