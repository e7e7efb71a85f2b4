/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioctl() on fake fds: container (drivers/vfio/container.c), group
 * (group.c), iommufd, device cdev (device_cdev.c) and device
 * (vfio_main.c:vfio_device_fops_unl_ioctl). Anything else passes through.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fake.h"

static int container_ioctl(struct fake_fd *e, unsigned long req,
			   unsigned long arg)
{
	switch (req) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return arg == VFIO_TYPE1_IOMMU || arg == VFIO_TYPE1v2_IOMMU;
	case VFIO_SET_IOMMU:
		/* vfio_ioctl_set_iommu(): no group attached yet is -EINVAL */
		if (!e->groups || e->iommu_set ||
		    (arg != VFIO_TYPE1_IOMMU && arg != VFIO_TYPE1v2_IOMMU))
			return -EINVAL;
		e->iommu_set = true;
		return 0;
	}
	return -EINVAL;	/* vfio_fops_unl_ioctl() without an iommu driver */
}

/* Basename of the sysfs link @dev/@attr of a group member, or "". */
static void member_link(const char *group, const char *dev, const char *attr,
			char *out, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n = -1;

	if (!fake_rootf(path, sizeof(path),
			"sys/kernel/iommu_groups/%s/devices/%s/%s", group, dev,
			attr))
		n = real.readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		n = 0;
	link[n] = '\0';
	snprintf(out, len, "%s", basename(link));
}

static bool vfio_driver(const char *group, const char *dev)
{
	char link[NAME_MAX + 1];

	member_link(group, dev, "subsystem", link, sizeof(link));
	if (!strcmp(link, "mdev"))
		return true;	/* mdevs only ever bind to VFIO drivers */
	member_link(group, dev, "driver", link, sizeof(link));
	if (!link[0])
		return true;	/* an unbound device claims no DMA */
	return strstr(link, "vfio") != NULL;
}

/* A kernel driver bound to a group member claims DMA ownership. */
static bool group_viable(const char *group)
{
	char dir[PATH_MAX];
	struct dirent *d;
	bool viable = true;
	DIR *dp;

	if (fake_rootf(dir, sizeof(dir), "sys/kernel/iommu_groups/%s/devices",
		       group))
		return false;
	dp = real.opendir(dir);
	if (!dp)
		return false;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		if (!vfio_driver(group, d->d_name))
			viable = false;
	}
	closedir(dp);
	return viable;
}

static bool group_has_iommu(struct fake_fd *g)
{
	struct fake_fd *c = fdtab_get(g->container);

	if (!c)
		return false;
	return c->kind == FK_IOMMUFD || (c->kind == FK_CONTAINER && c->iommu_set);
}

static bool in_group(const char *group, const char *name)
{
	char path[PATH_MAX];
	struct fake_cfg cfg;

	if (!name[0] || strchr(name, '/') || cfg_load(name, &cfg) ||
	    strcmp(cfg.group, group))
		return false;
	return !fake_rootf(path, sizeof(path),
			   "sys/kernel/iommu_groups/%s/devices/%s", group,
			   name) && real.access(path, F_OK) == 0;
}

static int group_get_device_fd(struct fake_fd *g, const char *name)
{
	char path[PATH_MAX], n[FAKE_NAME_MAX];
	struct fake_fd *e;
	int fd, lk;

	if (!name)
		return -EFAULT;
	snprintf(n, sizeof(n), "%s", name);
	if (!in_group(g->name, n))
		return -ENODEV;	/* vfio_device_get_from_name() comes first */
	if (!group_has_iommu(g))
		return -EINVAL;
	if (dev_file(path, sizeof(path), n, "device"))
		return -ENAMETOOLONG;
	fd = real.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	e = fdtab_add(fd, FK_DEVICE, n);
	if (!e) {
		real.close(fd);
		return -EMFILE;
	}
	/* the device file pins group->opened_file, so share its lock */
	lk = fcntl(g->lock_fd, F_DUPFD_CLOEXEC, 0);
	e->lock_fd = lk;
	device_opened(n);
	return fd;
}

static int group_ioctl(struct fake_fd *g, unsigned long req, void *arg)
{
	struct vfio_group_status *st = arg;
	struct fake_fd *c;
	int cfd;

	switch (req) {
	case VFIO_GROUP_GET_STATUS:
		if (st->argsz < sizeof(*st))
			return -EINVAL;
		st->flags = 0;
		if (group_has_iommu(g))
			st->flags = VFIO_GROUP_FLAGS_CONTAINER_SET |
				    VFIO_GROUP_FLAGS_VIABLE;
		else if (group_viable(g->name))
			st->flags = VFIO_GROUP_FLAGS_VIABLE;
		return 0;
	case VFIO_GROUP_SET_CONTAINER:
		cfd = *(int *)arg;
		if (fcntl(cfd, F_GETFD) < 0)
			return -EBADF;
		if (g->container >= 0)
			return -EINVAL;
		c = fdtab_get(cfd);
		if (!c || (c->kind != FK_CONTAINER && c->kind != FK_IOMMUFD))
			return -EBADFD;
		if (!group_viable(g->name))
			return -EPERM;	/* iommu_group_claim_dma_owner() */
		g->container = cfd;
		c->groups++;
		return 0;
	case VFIO_GROUP_UNSET_CONTAINER:
		c = fdtab_get(g->container);
		if (!c)
			return -EINVAL;
		c->groups--;
		g->container = -1;
		return 0;
	case VFIO_GROUP_GET_DEVICE_FD:
		return group_get_device_fd(g, arg);
	}
	return -ENOTTY;
}

static int iommufd_ioctl(unsigned long req, void *arg)
{
	static __u32 next_id = 1;
	struct iommu_ioas_alloc *a = arg;

	if (req != IOMMU_IOAS_ALLOC)
		return -ENOTTY;
	if (a->size < sizeof(*a))
		return -EINVAL;
	if (a->flags)
		return -EOPNOTSUPP;
	a->out_ioas_id = next_id++;
	return 0;
}

/* device_cdev.c:vfio_df_ioctl_bind_iommufd(), in the kernel's order. */
static int cdev_bind(struct fake_fd *e, struct vfio_device_bind_iommufd *b)
{
	char lock[FAKE_NAME_MAX + 16];
	struct fake_cfg cfg;
	struct fake_fd *i;
	const char *ebusy = getenv("VFIOMIG_FAKE_EBUSY");
	int glk, dlk;

	if (b->argsz < sizeof(*b) || b->flags || b->iommufd < 0)
		return -EINVAL;
	if (cfg_load(e->name, &cfg))
		return -ENODEV;
	if (ebusy && *ebusy && strcmp(ebusy, "0"))
		return -EBUSY;
	/* vfio_device_block_group(): shared among this group's cdevs */
	snprintf(lock, sizeof(lock), "group.%s.lock", cfg.group);
	glk = fake_trylock(lock, LOCK_SH, true);
	if (glk < 0)
		return glk;
	if (e->bound)
		goto einval;	/* one device cannot be bound twice */
	if (fcntl(b->iommufd, F_GETFD) < 0) {
		real.close(glk);
		return -EBADF;
	}
	i = fdtab_get(b->iommufd);
	if (!i || i->kind != FK_IOMMUFD) {
		real.close(glk);
		return -EBADFD;
	}
	/* vfio_df_open(): the cdev path never shares an open device */
	snprintf(lock, sizeof(lock), "%s/cdev.lock", e->name);
	dlk = fake_trylock(lock, LOCK_EX, true);
	if (dlk < 0)
		goto einval;
	e->lock_fd = glk;
	e->lock_fd2 = dlk;
	e->bound = true;
	b->out_devid = 1;
	device_opened(e->name);
	return 0;
einval:
	real.close(glk);
	return -EINVAL;
}

static int cdev_ioctl(struct fake_fd *e, unsigned long req, void *arg)
{
	struct vfio_device_attach_iommufd_pt *pt = arg;

	if (req == VFIO_DEVICE_BIND_IOMMUFD)
		return cdev_bind(e, arg);
	if (!e->bound)
		return -EINVAL;	/* !df->access_granted */
	if (req == VFIO_DEVICE_ATTACH_IOMMUFD_PT) {
		if (pt->argsz < sizeof(*pt) || pt->flags)
			return -EINVAL;
		return 0;
	}
	return device_ioctl(e, req, arg);
}

static int dispatch(struct fake_fd *e, int fd, unsigned long req, void *arg)
{
	switch (e->kind) {
	case FK_CONTAINER:
		return container_ioctl(e, req, (unsigned long)arg);
	case FK_GROUP:
		return group_ioctl(e, req, arg);
	case FK_IOMMUFD:
		return iommufd_ioctl(req, arg);
	case FK_CDEV:
		return cdev_ioctl(e, req, arg);
	case FK_DEVICE:
		if (req == VFIO_DEVICE_BIND_IOMMUFD)
			return -EINVAL;	/* only allowed on cdev fds */
		return device_ioctl(e, req, arg);
	case FK_SAVE:
	case FK_RESUME:
		return data_ioctl(e, fd, req, arg);
	default:
		return -ENOTTY;
	}
}

/*
 * The kernel serialises a device's migration requests by the device's own
 * state_mutex (dev_lock() here), not by one lock for all devices: these
 * requests run outside the table's lock, so the devices of one process
 * change state at once, as they do in the kernel. The order is dev_lock()
 * first, then the table's (a new data fd is added under it).
 */
static bool per_device(const struct fake_fd *e, unsigned long req)
{
	if (e->kind == FK_DEVICE || (e->kind == FK_CDEV && e->bound))
		return req == VFIO_DEVICE_FEATURE || req == VFIO_DEVICE_RESET;
	return e->kind == FK_SAVE && req == VFIO_MIG_GET_PRECOPY_INFO;
}

/*
 * Called with the table locked; returns with it unlocked. The request
 * works on a copy of the entry, and a data fd's session is held, as the
 * kernel holds the file, should another thread close the fd meanwhile.
 */
static int unlocked(struct fake_fd *e, int fd, unsigned long req, void *arg)
{
	struct fake_fd copy = *e;
	int ret;

	if (copy.ds)
		data_ref(copy.ds);
	fdtab_unlock();
	ret = dispatch(&copy, fd, req, arg);
	if (copy.ds) {
		fdtab_lock();
		data_detach(copy.ds);
		fdtab_unlock();
	}
	return ret;
}

FAKE_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	struct fake_fd *e;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	fake_init();
	fdtab_lock();
	e = fake_root ? fdtab_get(fd) : NULL;
	if (!e) {
		fdtab_unlock();
		return real.ioctl(fd, req, arg);
	}
	if (per_device(e, req)) {
		ret = unlocked(e, fd, req, arg);
	} else {
		ret = dispatch(e, fd, req, arg);
		fdtab_unlock();
	}
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}
