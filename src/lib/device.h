/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device handle: a VFIO device opened here (iommufd cdev or group)
 * or reached through the process that holds it (vfiomig hold). Which one
 * is chosen at open and lives in the handle's operations table; callers
 * use the vdev_* calls below and never ask how the device is reached.
 *
 * Silent layer: every vdev_* call returns 0 or -errno (or -VM_E_*);
 * vdev_open() hands its reason up (reason.h), details go to the
 * observer. What the user is told is the caller's to say.
 */
#ifndef VFIOMIG_DEVICE_H
#define VFIOMIG_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "reason.h"
#include "sysfs.h"
#include "vm.h"

/* PATH_HOLDER: a vfiomig hold process has it; fd is our socket to it. */
enum open_path { PATH_NONE, PATH_CDEV, PATH_GROUP, PATH_HOLDER };

struct vdev;

/* A backend. Each operation: 0 or -errno, nothing printed. */
struct vdev_ops {
	int (*mig_flags)(struct vdev *d, uint64_t *flags);
	int (*get_state)(struct vdev *d, uint32_t *state);
	/* *data_fd: a new session fd (O_CLOEXEC) or -1. */
	int (*set_state)(struct vdev *d, uint32_t state, int *data_fd);
	int (*reset)(struct vdev *d);
	int (*data_size)(struct vdev *d, uint64_t *bytes);
	/* 0 when the feature and operation are supported (PROBE). */
	int (*probe)(struct vdev *d, uint32_t feature, uint32_t op);
	int (*device_flags)(struct vdev *d, uint32_t *flags);
	/* End holding, after moving to then (HOLD_NO_STATE: stay); *state
	 * is where the device is, -1 if unknown. -ENOTCONN: not held. */
	int (*release)(struct vdev *d, uint32_t then, int *state);
	void (*close)(struct vdev *d);
};

struct vdev {
	struct devinfo info;
	const struct vm_ctx *x;     /* the command's, for notes */
	const struct vdev_ops *ops; /* NULL: not open */
	enum open_path path;
	int fd;           /* device fd, or the socket to the holder */
	int group_fd;     /* group path: the group, kept open */
	int container_fd; /* group path: the container */
	int iommu_fd;     /* cdev path: /dev/iommu */
	uint64_t flags;   /* migration flags, valid when has_mig */
	bool has_mig;
	bool precopy_v2;  /* opted in to PRECOPY_INFOv2 (direct backend) */
	int holder_pid;   /* PATH_HOLDER: the holder, and how it opened it */
	enum open_path held_path;
};

const char *open_path_name(enum open_path p);

/*
 * Open a resolved device: through its holder when one holds it (unless
 * x->no_holder), else by cdev or group as mode says; OPEN_HOLDER opens
 * only through a holder, -ENOTCONN when none holds it. On failure d is
 * not open (vdev_is_open() false) and why says what failed and why.
 */
int vdev_open(const struct vm_ctx *x, const struct devinfo *di, enum open_mode mode,
	      struct vdev *d, struct reason *why);
bool vdev_is_open(const struct vdev *d);
/* Close whatever is open (a device left in resuming is the caller's). */
void vdev_close(struct vdev *d);
/* Read the migration flags into d; true when the device has them. */
bool vdev_probe_mig(struct vdev *d);

static inline int vdev_mig_flags(struct vdev *d, uint64_t *flags)
{
	return d->ops->mig_flags(d, flags);
}

static inline int vdev_get_state(struct vdev *d, uint32_t *state)
{
	return d->ops->get_state(d, state);
}

static inline int vdev_set_state(struct vdev *d, uint32_t state, int *data_fd)
{
	return d->ops->set_state(d, state, data_fd);
}

static inline int vdev_reset(struct vdev *d)
{
	return d->ops->reset(d);
}

static inline int vdev_data_size(struct vdev *d, uint64_t *bytes)
{
	return d->ops->data_size(d, bytes);
}

static inline int vdev_probe(struct vdev *d, uint32_t feature, uint32_t op)
{
	return d->ops->probe(d, feature, op);
}

static inline int vdev_device_flags(struct vdev *d, uint32_t *flags)
{
	return d->ops->device_flags(d, flags);
}

static inline int vdev_release(struct vdev *d, uint32_t then, int *state)
{
	return d->ops->release(d, then, state);
}

#endif
