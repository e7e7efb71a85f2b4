/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening the fake device nodes.
 *
 * The returned fd is a real fd on the node file in the fake root, so an
 * owner's /proc/PID/fd entry matches the node by st_dev/st_ino, which is
 * how vfiomig finds who holds a group or device. Exclusivity uses flock()
 * on lock files held by an fd that lives exactly as long as the owning
 * open file description, so ownership ends with the process, as it does
 * for the kernel's group->opened_file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fake.h"

static bool env_on(const char *var)
{
	const char *v = getenv(var);

	return v && *v && strcmp(v, "0") != 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* flock(@how | LOCK_NB) on $ROOT/.fake/@file; the fd or -errno. */
int fake_trylock(const char *file, int how, bool cloexec)
{
	char path[PATH_MAX];
	int fd;

	if (fake_rootf(path, sizeof(path), ".fake/%s", file))
		return -ENAMETOOLONG;
	fd = real.open(path, O_RDWR | O_CREAT | (cloexec ? O_CLOEXEC : 0),
		       0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, how | LOCK_NB)) {
		real.close(fd);
		return -EBUSY;
	}
	return fd;
}

/* vfioN -> device name, through the sysfs class link like udev would. */
static int cdev_device(const char *cdev, char *name, size_t len)
{
	char path[PATH_MAX], *r;

	if (fake_rootf(path, sizeof(path), "sys/class/vfio-dev/%s/device",
		       cdev))
		return -1;
	r = real.realpath(path, NULL);
	if (!r)
		return -1;
	snprintf(name, len, "%s", basename(r));
	free(r);
	return 0;
}

static int open_group(int fd, const char *group, int flags)
{
	char lock[64];
	struct fake_fd *e;
	int lk;

	if (env_on("VFIOMIG_FAKE_EBUSY"))
		return -EBUSY;
	/* EX here against other group opens and SH of bound cdevs */
	snprintf(lock, sizeof(lock), "group.%s.lock", group);
	lk = fake_trylock(lock, LOCK_EX, flags & O_CLOEXEC);
	if (lk < 0)
		return lk;
	e = fdtab_add(fd, FK_GROUP, group);
	if (!e) {
		real.close(lk);
		return -EMFILE;
	}
	e->lock_fd = lk;
	return 0;
}

static int register_node(int fd, const char *path, int flags)
{
	const char *rest;
	char name[FAKE_NAME_MAX];

	if (!strcmp(path, "/dev/vfio/vfio"))
		return fdtab_add(fd, FK_CONTAINER, "") ? 0 : -EMFILE;
	if (!strcmp(path, "/dev/iommu"))
		return fdtab_add(fd, FK_IOMMUFD, "") ? 0 : -EMFILE;
	rest = path + strlen("/dev/vfio/");
	if (all_digits(rest))
		return open_group(fd, rest, flags);
	if (!strncmp(rest, "devices/vfio", 12) && all_digits(rest + 12)) {
		if (cdev_device(rest + 8, name, sizeof(name)))
			return -ENODEV;
		return fdtab_add(fd, FK_CDEV, name) ? 0 : -EMFILE;
	}
	return 0;	/* e.g. the /dev/vfio directory itself */
}

static bool is_vfio_node(const char *path)
{
	return !strncmp(path, "/dev/vfio/", 10) && strcmp(path, "/dev/vfio/") &&
	       strcmp(path, "/dev/vfio/devices") &&
	       strcmp(path, "/dev/vfio/devices/");
}

int fake_open_node(const char *path, const char *real_path, int flags,
		   mode_t mode)
{
	int fd, ret;

	if (is_vfio_node(path) && env_on("VFIOMIG_FAKE_EPERM")) {
		errno = EACCES;
		return -1;
	}
	fd = real.open(real_path, flags, mode);
	if (fd < 0)
		return fd;
	fdtab_lock();
	ret = register_node(fd, path, flags);
	fdtab_unlock();
	if (ret) {
		real.close(fd);
		errno = -ret;
		return -1;
	}
	return fd;
}
