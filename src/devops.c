// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>

#include "devops.h"
#include "holder.h"
#include "vfio.h"

static bool held(const struct vdev *d)
{
	return d->path == PATH_HOLDER;
}

int dv_mig_flags(struct vdev *d, uint64_t *flags)
{
	struct hold_resp r;
	int e;

	if (!held(d))
		return vfio_mig_flags(d->fd, flags);
	e = holder_call(d, HOP_MIG_FLAGS, 0, 0, &r, NULL);
	*flags = e ? 0 : r.u64;
	return e;
}

int dv_get_state(struct vdev *d, uint32_t *state)
{
	struct hold_resp r;
	int e;

	if (!held(d))
		return vfio_get_state(d->fd, state);
	e = holder_call(d, HOP_GET_STATE, 0, 0, &r, NULL);
	if (!e)
		*state = r.u32;
	return e;
}

int dv_set_state(struct vdev *d, uint32_t state, int *data_fd)
{
	struct hold_resp r;

	if (!held(d))
		return vfio_set_state(d->fd, state, data_fd);
	return holder_call(d, HOP_SET_STATE, state, 0, &r, data_fd);
}

int dv_reset(struct vdev *d)
{
	struct hold_resp r;

	if (!held(d))
		return vfio_reset(d->fd);
	return holder_call(d, HOP_RESET, 0, 0, &r, NULL);
}

int dv_data_size(struct vdev *d, uint64_t *bytes)
{
	struct hold_resp r;
	int e;

	if (!held(d))
		return vfio_data_size(d->fd, bytes);
	e = holder_call(d, HOP_DATA_SIZE, 0, 0, &r, NULL);
	*bytes = e ? 0 : r.u64;
	return e;
}

int dv_feature_probe(struct vdev *d, uint32_t feature, uint32_t op)
{
	struct hold_resp r;

	if (!held(d))
		return vfio_feature_probe(d->fd, feature, op);
	return holder_call(d, HOP_PROBE, feature, op, &r, NULL);
}

int dv_device_flags(struct vdev *d, uint32_t *flags)
{
	struct vfio_device_info vi;
	struct hold_resp r;
	int e;

	if (!held(d)) {
		e = vfio_device_info(d->fd, &vi);
		*flags = e ? 0 : vi.flags;
		return e;
	}
	e = holder_call(d, HOP_DEVICE_INFO, 0, 0, &r, NULL);
	*flags = e ? 0 : r.u32;
	return e;
}
