/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening a VFIO device by either path, and the state operations commands
 * share. Functions here print their own one-line errors and return 0 or a
 * negative code (errno or VM_E_*), ready for main() to map.
 */
#ifndef VFIOMIG_DEVICE_H
#define VFIOMIG_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "sysfs.h"
#include "vfiomig.h"

/* PATH_HOLDER: a vfiomig hold process has it; fd is our socket to it. */
enum open_path { PATH_NONE, PATH_CDEV, PATH_GROUP, PATH_HOLDER };

struct vdev {
	struct devinfo info;
	enum open_path path;
	int fd;           /* device fd */
	int group_fd;     /* group path: the group, kept open */
	int container_fd; /* group path: the container */
	int iommu_fd;     /* cdev path: /dev/iommu */
	uint64_t flags;   /* migration flags, valid when has_mig */
	bool has_mig;
	int holder_pid;   /* PATH_HOLDER: the holder, and how it opened it */
	enum open_path held_path;
};

const char *open_path_name(enum open_path p);

/* Resolve a user's name and open it as opts.open says. */
int dev_open(const char *arg, struct vdev *d);
/* Open an already resolved device; quiet=true prints nothing. */
int dev_open_info(const struct devinfo *di, enum open_mode mode, bool quiet,
		  struct vdev *d);
/*
 * Close everything. A device found in RESUMING is reset first: the uAPI
 * aborts RESUMING only by reset, and closing in RESUMING is driver-defined
 * (the 6.12 mtty sample crashes on the next use). Returns the reset errno.
 */
int dev_close(struct vdev *d);

/* Read migration flags into d; "no migration support" is an error here. */
int dev_need_mig(struct vdev *d);
/* Read migration flags into d without complaint; true when supported. */
bool dev_probe_mig(struct vdev *d);
/* GET the state; prints the error. */
int dev_get_state(struct vdev *d, uint32_t *state);
/* Reset and read back the state (ST_* or -1 if unreadable). */
int dev_reset(struct vdev *d, int *state_after);

/* Map a handler's return to an exit code. */
int exit_code(int ret);

#endif
