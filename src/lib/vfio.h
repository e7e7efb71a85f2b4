/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Typed wrappers for every VFIO and iommufd ioctl vfiomig uses. Nothing
 * else in the program touches ioctl numbers. Each returns 0 or -errno and
 * prints nothing: callers know what they were doing and say so.
 */
#ifndef VFIOMIG_VFIO_H
#define VFIOMIG_VFIO_H

#include <stdint.h>

#include "compat.h"

/* Container and group (legacy path). */
int vfio_api_version(int container);
int vfio_set_iommu(int container, unsigned long type);
int vfio_group_status(int group, uint32_t *flags);
int vfio_group_set_container(int group, int container);
int vfio_group_device_fd(int group, const char *name);

/* iommufd cdev path. */
int vfio_bind_iommufd(int dev, int iommufd);

/* Device. */
int vfio_device_info(int dev, struct vfio_device_info *info);
int vfio_reset(int dev);

/* VFIO_DEVICE_FEATURE: migration. */
int vfio_mig_flags(int dev, uint64_t *flags);
int vfio_get_state(int dev, uint32_t *state);
/* *data_fd is a new fd (O_CLOEXEC) when the arc opened a session, else -1. */
int vfio_set_state(int dev, uint32_t state, int *data_fd);
int vfio_data_size(int dev, uint64_t *bytes);
/* 0 if the feature and operation are supported (PROBE). */
int vfio_feature_probe(int dev, uint32_t feature, uint32_t op);

/* DMA logging (6.2+): one IOVA range; bitmap has a bit per page. */
int vfio_dma_log_start(int dev, uint64_t iova, uint64_t len, uint64_t *page_size);
/* The same over n (1 to 8) ranges of {iova, length}. */
int vfio_dma_log_start_ranges(int dev, const uint64_t (*ranges)[2], int n,
			      uint64_t *page_size);
int vfio_dma_log_stop(int dev);
int vfio_dma_log_report(int dev, uint64_t iova, uint64_t len,
			uint64_t page_size, uint64_t *bitmap);


/* Opt in to PRECOPY_INFOv2 (feature 12, Linux 7.1) until the device is
 * closed: PRECOPY_INFO may then set VFIO_PRECOPY_INFO_REINIT. */
int vfio_precopy_v2(int dev);

/* On a data_fd in a PRE_COPY state; flags as the kernel returned them. */
int vfio_precopy_info(int data_fd, uint64_t *initial, uint64_t *dirty);
int vfio_precopy_info_flags(int data_fd, uint64_t *initial, uint64_t *dirty,
			    uint32_t *flags);

/* Human names for error messages. */
#define IOCTL_NAME_MIG_STATE "VFIO_DEVICE_FEATURE(MIG_DEVICE_STATE)"

#endif
