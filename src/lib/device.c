// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The direct backend: a device opened here, by its iommufd cdev or by
 * its group and a type1 container, reached with the VFIO ioctls; and the
 * generic open that picks the holder backend first (holder-client.c).
 * Must not print or decide anything: reasons go up (reason.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "holder.h"
#include "owner.h"
#include "vfio.h"
#include "vm.h"

#define CONTAINER_NODE "/dev/vfio/vfio"
#define IOMMU_NODE "/dev/iommu"

const char *open_path_name(enum open_path p)
{
	return p == PATH_CDEV ? "cdev" : p == PATH_GROUP ? "group" :
	       p == PATH_HOLDER ? "holder" : "none";
}

static void node_paths(const struct devinfo *di, char *group, char *cdev,
		       size_t len)
{
	snprintf(group, len, "/dev/vfio/%d", di->group);
	if (di->cdev[0])
		snprintf(cdev, len, "/dev/vfio/devices/%s", di->cdev);
	else
		cdev[0] = '\0';
}

/* An open or bind failed: turn the errno into the user's answer. */
static int open_failed(const struct devinfo *di, const char *what, int e,
		       struct reason *why)
{
	char gnode[64], cnode[64];
	const char *nodes[2] = { gnode, cnode };
	struct owner o;

	node_paths(di, gnode, cnode, sizeof(gnode));
	/* cdev BIND answers EINVAL when another process has the device. */
	if ((e == EBUSY || e == EINVAL) && find_owner(nodes, 2, &o)) {
		why_set(why, "%s %s: device busy: owned by pid %d (%s)", what,
			    di->name, (int)o.pid, o.comm);
		return -EBUSY;
	}
	if (e == EBUSY)
		why_set(why, "%s %s: device busy: %s (owner not visible in /proc)",
			what, di->name, errstr(e));
	else
		why_set(why, "%s %s: %s", what, di->name, errstr(e));
	return e == ENOENT ? -ENODEV : -e;
}

static int open_node(const char *node, const struct devinfo *di, struct reason *why)
{
	char what[96];
	int fd = open(node, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	snprintf(what, sizeof(what), "opening %s for", node);
	return open_failed(di, what, errno, why);
}

static int open_cdev(const struct devinfo *di, struct reason *why, struct vdev *d)
{
	char gnode[64], cnode[64];
	int r;

	node_paths(di, gnode, cnode, sizeof(gnode));
	if (access(IOMMU_NODE, F_OK)) {
		why_set(why, "opening %s: no %s: this kernel lacks IOMMUFD "
			    "(Linux 6.6 with CONFIG_IOMMUFD is needed for the cdev)",
			    di->name, IOMMU_NODE);
		return -VM_E_OLDKERNEL;
	}
	d->iommu_fd = open_node(IOMMU_NODE, di, why);
	if (d->iommu_fd < 0)
		return d->iommu_fd;
	d->fd = open_node(cnode, di, why);
	if (d->fd < 0)
		return d->fd;
	r = vfio_bind_iommufd(d->fd, d->iommu_fd);
	if (r)
		return open_failed(di, "VFIO_DEVICE_BIND_IOMMUFD on", -r, why);
	d->path = PATH_CDEV;
	return 0;
}

static int group_viable(const struct devinfo *di, struct reason *why, int gfd)
{
	char others[512];
	uint32_t flags;
	int r = vfio_group_status(gfd, &flags);

	if (r) {
		why_set(why, "VFIO_GROUP_GET_STATUS on group %d: %s", di->group, errstr(r));
		return r;
	}
	if (flags & VFIO_GROUP_FLAGS_VIABLE)
		return 0;
	group_blockers(di->group, di->name, others, sizeof(others));
	why_set(why, "opening %s: IOMMU group %d is not viable: %s", di->name,
		    di->group,
		    others[0] ? others : "other devices are bound to non-VFIO drivers");
	return -VM_E_NOTVIABLE;
}

/* Legacy path: container with the type1 IOMMU, then the device by name. */
static int open_group(const struct devinfo *di, struct reason *why, struct vdev *d)
{
	char gnode[64], cnode[64];
	int r;

	node_paths(di, gnode, cnode, sizeof(gnode));
	if (access(CONTAINER_NODE, F_OK)) {
		why_set(why, "opening %s: no %s: this kernel lacks the VFIO "
			    "container (CONFIG_VFIO_CONTAINER)", di->name, CONTAINER_NODE);
		reason_hint(why, HINT_OPEN_CDEV);
		return -VM_E_OLDKERNEL;
	}
	d->group_fd = open_node(gnode, di, why);
	if (d->group_fd < 0)
		return d->group_fd;
	r = group_viable(di, why, d->group_fd);
	if (r)
		return r;
	d->container_fd = open_node(CONTAINER_NODE, di, why);
	if (d->container_fd < 0)
		return d->container_fd;
	if (vfio_api_version(d->container_fd) != VFIO_API_VERSION) {
		why_set(why, "opening %s: unexpected VFIO API version", di->name);
		return -VM_E_OLDKERNEL;
	}
	r = vfio_group_set_container(d->group_fd, d->container_fd);
	if (r) {
		why_set(why, "VFIO_GROUP_SET_CONTAINER for %s: %s", di->name, errstr(r));
		return r;
	}
	r = vfio_set_iommu(d->container_fd, VFIO_TYPE1v2_IOMMU);
	if (r)
		r = vfio_set_iommu(d->container_fd, VFIO_TYPE1_IOMMU);
	if (r) {
		why_set(why, "VFIO_SET_IOMMU for %s: %s", di->name, errstr(r));
		return r;
	}
	d->fd = vfio_group_device_fd(d->group_fd, di->name);
	if (d->fd < 0)
		return open_failed(di, "VFIO_GROUP_GET_DEVICE_FD for", -d->fd, why);
	d->path = PATH_GROUP;
	return 0;
}

/* The direct backend: the ioctls on our own fd. */
static int direct_mig_flags(struct vdev *d, uint64_t *flags)
{
	return vfio_mig_flags(d->fd, flags);
}

static int direct_get_state(struct vdev *d, uint32_t *state)
{
	return vfio_get_state(d->fd, state);
}

static int direct_set_state(struct vdev *d, uint32_t state, int *data_fd)
{
	return vfio_set_state(d->fd, state, data_fd);
}

static int direct_reset(struct vdev *d)
{
	return vfio_reset(d->fd);
}

static int direct_data_size(struct vdev *d, uint64_t *bytes)
{
	return vfio_data_size(d->fd, bytes);
}

static int direct_probe(struct vdev *d, uint32_t feature, uint32_t op)
{
	return vfio_feature_probe(d->fd, feature, op);
}

static int direct_device_flags(struct vdev *d, uint32_t *flags)
{
	struct vfio_device_info vi;
	int e = vfio_device_info(d->fd, &vi);

	*flags = e ? 0 : vi.flags;
	return e;
}

static int direct_release(struct vdev *d, uint32_t then, int *state)
{
	*state = -1;
	return -ENOTCONN;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void direct_close(struct vdev *d)
{
	close_fd(&d->fd);
	close_fd(&d->group_fd);
	close_fd(&d->container_fd);
	close_fd(&d->iommu_fd);
}

static const struct vdev_ops direct_ops = {
	.mig_flags = direct_mig_flags,
	.get_state = direct_get_state,
	.set_state = direct_set_state,
	.reset = direct_reset,
	.data_size = direct_data_size,
	.probe = direct_probe,
	.device_flags = direct_device_flags,
	.release = direct_release,
	.close = direct_close,
};

static void vdev_init(struct vdev *d, const struct devinfo *di)
{
	memset(d, 0, sizeof(*d));
	d->info = *di;
	d->fd = d->group_fd = d->container_fd = d->iommu_fd = -1;
}

static int open_direct(const struct devinfo *di, enum open_mode mode,
		       struct vdev *d, struct reason *why)
{
	if (mode == OPEN_CDEV && !di->cdev[0]) {
		why_set(why, "opening %s: no VFIO cdev (Linux 6.6 with "
			"CONFIG_VFIO_DEVICE_CDEV is needed for the cdev)", di->name);
		return -VM_E_OLDKERNEL;
	}
	if (mode == OPEN_GROUP && di->group < 0) {
		why_set(why, "opening %s: device has no IOMMU group", di->name);
		return -ENODEV;
	}
	if (mode == OPEN_CDEV ||
	    (mode == OPEN_AUTO && di->cdev[0] && !access(IOMMU_NODE, F_OK)))
		return open_cdev(di, why, d);
	return open_group(di, why, d);
}

int vdev_open(const struct vm_ctx *x, const struct devinfo *di, enum open_mode mode,
	      struct vdev *d, struct reason *why)
{
	int r;

	vdev_init(d, di);
	d->x = x;
	if (!di->vfio) {
		why_set(why, "opening %s: not bound to a VFIO driver (%s%s)",
			di->name, di->driver[0] ? "bound to " : "no driver bound",
			di->driver);
		return -VM_E_NOTVFIO;
	}
	/* A device that vfiomig hold holds is used through the holder. */
	r = x->no_holder && mode != OPEN_HOLDER ? 0 : holder_open(x, di, d, why);
	if (r > 0)
		return 0;
	if (!r && mode == OPEN_HOLDER) {
		why_set(why, "%s: not held by vfiomig hold", di->name);
		r = -ENOTCONN;
	} else if (!r) {
		d->ops = &direct_ops;
		r = open_direct(di, mode, d, why);
	}
	if (r) {
		vdev_close(d);
		return r;
	}
	note_dbg(x, "opened %s through the %s path", di->name, open_path_name(d->path));
	/*
	 * Where feature 12 exists, every open opts in, so a driver can say
	 * its initial bytes started over (REINIT); a holder opted in when it
	 * opened. Older kernels answer EINVAL or ENOTTY: nothing changes.
	 */
	if (d->path != PATH_HOLDER)
		d->precopy_v2 = !vfio_precopy_v2(d->fd);
	return 0;
}

bool vdev_is_open(const struct vdev *d)
{
	return d->ops != NULL;
}

void vdev_close(struct vdev *d)
{
	if (d->ops)
		d->ops->close(d);
	d->ops = NULL;
	d->path = PATH_NONE;
}

bool vdev_probe_mig(struct vdev *d)
{
	d->has_mig = !vdev_mig_flags(d, &d->flags);
	return d->has_mig;
}
