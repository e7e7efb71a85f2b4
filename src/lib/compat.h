/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uAPI definitions newer than the build host's <linux/vfio.h>.
 *
 * Debian 12 ships 6.1-era headers: no PRE_COPY, no precopy info, no
 * MIG_DATA_SIZE, no iommufd cdev ioctls and no <linux/iommufd.h>. Each
 * definition below is an ABI fact (numbers and layouts are frozen uAPI,
 * checked against linux-source-6.12 include/uapi/linux/{vfio,iommufd}.h),
 * guarded so that newer host headers win.
 */
#ifndef VFIOMIG_COMPAT_H
#define VFIOMIG_COMPAT_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/vfio.h>

/* Migration v2 states and flags added in 6.2. */
#ifndef VFIO_MIGRATION_PRE_COPY
#define VFIO_MIGRATION_PRE_COPY (1 << 2)
#define VFIOMIG_STATE_PRE_COPY 6
#define VFIOMIG_STATE_PRE_COPY_P2P 7
#else
#define VFIOMIG_STATE_PRE_COPY VFIO_DEVICE_STATE_PRE_COPY
#define VFIOMIG_STATE_PRE_COPY_P2P VFIO_DEVICE_STATE_PRE_COPY_P2P
#endif

/* 6.2: VFIO_MIG_GET_PRECOPY_INFO, an ioctl on the data_fd. */
#ifndef VFIO_MIG_GET_PRECOPY_INFO
struct vfio_precopy_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};
#define VFIO_MIG_GET_PRECOPY_INFO _IO(VFIO_TYPE, VFIO_BASE + 21)
#endif

/* 6.2: stop-copy size estimate. */
#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
struct vfio_device_feature_mig_data_size {
	__aligned_u64 stop_copy_length;
};
#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9
#endif

/*
 * Precopy info v2 (feature 12): only probed, to report support. Its
 * payload is not used by vfiomig, so only the number is defined here.
 */
#ifndef VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2
#define VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 12
#endif
/* With feature 12 opted in, PRECOPY_INFO may say the initial bytes
 * started over (mlx5 first); the opt-in ends when the device closes. */
#ifndef VFIO_PRECOPY_INFO_REINIT
#define VFIO_PRECOPY_INFO_REINIT (1u << 0)
#endif

/* 6.6: iommufd device cdev. */
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)
#endif

/* <linux/iommufd.h> (6.2) is absent from the host: only what we use. */
#ifndef IOMMUFD_TYPE
#define IOMMUFD_TYPE (';')
#define IOMMUFD_CMD_IOAS_ALLOC 0x81
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)
#endif

/* ---- devlink ------------------------------------------------------- */

/*
 * devlink (<linux/devlink.h>): port function capabilities came in 6.2
 * (DEVLINK_PORT_FN_ATTR_CAPS, a bitfield32, with the RoCE and migratable
 * bits). The host's 6.1 header lacks them; numbers checked against
 * linux-source-6.12 include/uapi/linux/devlink.h. The attribute is an enum
 * member upstream, so the cap macros that came with it are the guards.
 */
#include <linux/devlink.h>

#ifndef DEVLINK_PORT_FN_CAP_ROCE
#define DEVLINK_PORT_FN_ATTR_CAPS 4
#define DEVLINK_PORT_FN_CAP_ROCE (1U << 0)
#define VFIOMIG_DEVLINK_FN_ATTR_MAX DEVLINK_PORT_FN_ATTR_CAPS
#else
#define VFIOMIG_DEVLINK_FN_ATTR_MAX DEVLINK_PORT_FUNCTION_ATTR_MAX
#endif
#ifndef DEVLINK_PORT_FN_CAP_MIGRATABLE
#define DEVLINK_PORT_FN_CAP_MIGRATABLE (1U << 1)
#endif

#endif /* VFIOMIG_COMPAT_H */
