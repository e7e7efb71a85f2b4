// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Typed wrappers for every VFIO and iommufd ioctl (vfio.h): 0 or
 * -errno, nothing printed, no policy.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vfio.h"

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do {
		r = ioctl(fd, req, arg);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

int vfio_api_version(int container)
{
	return xioctl(container, VFIO_GET_API_VERSION, NULL);
}

int vfio_set_iommu(int container, unsigned long type)
{
	int r = ioctl(container, VFIO_SET_IOMMU, type);

	return r < 0 ? -errno : 0;
}

int vfio_group_status(int group, uint32_t *flags)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int r = xioctl(group, VFIO_GROUP_GET_STATUS, &st);

	*flags = st.flags;
	return r;
}

int vfio_group_set_container(int group, int container)
{
	return xioctl(group, VFIO_GROUP_SET_CONTAINER, &container);
}

/* Returns the new device fd or -errno. The name is the sysfs name. */
int vfio_group_device_fd(int group, const char *name)
{
	return xioctl(group, VFIO_GROUP_GET_DEVICE_FD, (void *)name);
}

int vfio_bind_iommufd(int dev, int iommufd)
{
	struct vfio_device_bind_iommufd b = {
		.argsz = sizeof(b),
		.iommufd = iommufd,
	};

	return xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b);
}

int vfio_device_info(int dev, struct vfio_device_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return xioctl(dev, VFIO_DEVICE_GET_INFO, info);
}

int vfio_reset(int dev)
{
	return xioctl(dev, VFIO_DEVICE_RESET, NULL);
}

/*
 * VFIO_DEVICE_FEATURE with a payload of at most 64 bytes, copied in and,
 * for GET and SET, back out (the kernel writes the payload on success).
 */
static int feature(int dev, uint32_t flags, void *data, size_t len)
{
	/* The header and up to 64 bytes of payload, 8-byte aligned. */
	union {
		struct vfio_device_feature hdr;
		uint64_t align[(sizeof(struct vfio_device_feature) + 64) / 8]; // cppcheck-suppress unusedStructMember
	} buf;
	int r;

	if (len > 64)
		return -EINVAL;
	memset(&buf, 0, sizeof(buf));
	buf.hdr.argsz = sizeof(buf.hdr) + len;
	buf.hdr.flags = flags;
	if (len)
		memcpy(buf.hdr.data, data, len);
	r = xioctl(dev, VFIO_DEVICE_FEATURE, &buf);
	if (len)
		memcpy(data, buf.hdr.data, len);
	return r;
}

int vfio_mig_flags(int dev, uint64_t *flags)
{
	struct vfio_device_feature_migration m = { 0 };
	int r = feature(dev, VFIO_DEVICE_FEATURE_GET |
				     VFIO_DEVICE_FEATURE_MIGRATION,
			&m, sizeof(m));

	*flags = m.flags;
	return r;
}

int vfio_get_state(int dev, uint32_t *state)
{
	struct vfio_device_feature_mig_state m = { .data_fd = -1 };
	int r = feature(dev, VFIO_DEVICE_FEATURE_GET |
				     VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
			&m, sizeof(m));

	if (!r)
		*state = m.device_state;
	return r;
}

int vfio_set_state(int dev, uint32_t state, int *data_fd)
{
	struct vfio_device_feature_mig_state m = {
		.device_state = state,
		.data_fd = -1,
	};
	int r = feature(dev, VFIO_DEVICE_FEATURE_SET |
				     VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
			&m, sizeof(m));

	/* A failed SET writes nothing back that can be trusted. */
	*data_fd = r ? -1 : m.data_fd;
	return r;
}

int vfio_data_size(int dev, uint64_t *bytes)
{
	struct vfio_device_feature_mig_data_size s = { 0 };
	int r = feature(dev, VFIO_DEVICE_FEATURE_GET |
				     VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
			&s, sizeof(s));

	*bytes = s.stop_copy_length;
	return r;
}

int vfio_feature_probe(int dev, uint32_t feat, uint32_t op)
{
	return feature(dev, VFIO_DEVICE_FEATURE_PROBE | op | feat, NULL, 0);
}

int vfio_precopy_v2(int dev)
{
	return feature(dev, VFIO_DEVICE_FEATURE_SET |
			    VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2, NULL, 0);
}

int vfio_precopy_info_flags(int data_fd, uint64_t *initial, uint64_t *dirty,
			    uint32_t *flags)
{
	struct vfio_precopy_info pi = { .argsz = sizeof(pi) };
	int r = xioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, &pi);

	*initial = pi.initial_bytes;
	*dirty = pi.dirty_bytes;
	*flags = r ? 0 : pi.flags;
	return r;
}

int vfio_precopy_info(int data_fd, uint64_t *initial, uint64_t *dirty)
{
	uint32_t flags;

	return vfio_precopy_info_flags(data_fd, initial, dirty, &flags);
}

/* DMA logging of one IOVA range; *page_size is the hint in, the driver's
 * choice out. */
int vfio_dma_log_start(int dev, uint64_t iova, uint64_t len, uint64_t *page_size)
{
	struct vfio_device_feature_dma_logging_range range = {
		.iova = iova,
		.length = len,
	};
	struct vfio_device_feature_dma_logging_control ctl = {
		.page_size = *page_size,
		.num_ranges = 1,
		.ranges = (uintptr_t)&range,
	};
	int r = feature(dev, VFIO_DEVICE_FEATURE_SET |
				     VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
			&ctl, sizeof(ctl));

	if (!r)
		*page_size = ctl.page_size;
	return r;
}

int vfio_dma_log_start_ranges(int dev, const uint64_t (*ranges)[2], int n,
			      uint64_t *page_size)
{
	struct vfio_device_feature_dma_logging_range r[8];
	struct vfio_device_feature_dma_logging_control ctl = {
		.page_size = *page_size,
		.num_ranges = (uint32_t)n,
		.ranges = (uintptr_t)r,
	};
	int ret;

	if (n < 1 || n > 8)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		r[i].iova = ranges[i][0];
		r[i].length = ranges[i][1];
	}
	ret = feature(dev, VFIO_DEVICE_FEATURE_SET |
			   VFIO_DEVICE_FEATURE_DMA_LOGGING_START, &ctl, sizeof(ctl));
	if (!ret)
		*page_size = ctl.page_size;
	return ret;
}

int vfio_dma_log_stop(int dev)
{
	return feature(dev, VFIO_DEVICE_FEATURE_SET |
				    VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, NULL, 0);
}

int vfio_dma_log_report(int dev, uint64_t iova, uint64_t len,
			uint64_t page_size, uint64_t *bitmap)
{
	struct vfio_device_feature_dma_logging_report rep = {
		.iova = iova,
		.length = len,
		.page_size = page_size,
		.bitmap = (uintptr_t)bitmap,
	};

	return feature(dev, VFIO_DEVICE_FEATURE_GET |
				    VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT,
		       &rep, sizeof(rep));
}
