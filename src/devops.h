/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operations on an open device, wherever it is open: here (cdev or
 * group) or in a holder process (vfiomig hold), reached over its socket.
 * Same contract as the vfio_* wrappers: 0 or -errno, nothing printed.
 */
#ifndef VFIOMIG_DEVOPS_H
#define VFIOMIG_DEVOPS_H

#include <stdint.h>

#include "compat.h"
#include "device.h"

int dv_mig_flags(struct vdev *d, uint64_t *flags);
int dv_get_state(struct vdev *d, uint32_t *state);
int dv_set_state(struct vdev *d, uint32_t state, int *data_fd);
int dv_reset(struct vdev *d);
int dv_data_size(struct vdev *d, uint64_t *bytes);
int dv_feature_probe(struct vdev *d, uint32_t feature, uint32_t op);
int dv_device_flags(struct vdev *d, uint32_t *flags);

#endif
