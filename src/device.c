// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "device.h"
#include "devops.h"
#include "fsm.h"
#include "holder.h"
#include "log.h"
#include "owner.h"
#include "vfio.h"
#include "vfiomig.h"

#define CONTAINER_NODE "/dev/vfio/vfio"
#define IOMMU_NODE "/dev/iommu"

const char *open_path_name(enum open_path p)
{
	return p == PATH_CDEV ? "cdev" : p == PATH_GROUP ? "group" :
	       p == PATH_HOLDER ? "holder" : "none";
}

static bool kernel_older(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma < major || (ma == major && mi < minor);
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
		       bool quiet)
{
	char gnode[64], cnode[64];
	const char *nodes[2] = { gnode, cnode };
	struct owner o;

	node_paths(di, gnode, cnode, sizeof(gnode));
	/* cdev BIND answers EINVAL when another process has the device. */
	if ((e == EBUSY || e == EINVAL) && find_owner(nodes, 2, &o)) {
		if (!quiet)
			err("%s %s: device busy: owned by pid %d (%s)", what,
			    di->name, (int)o.pid, o.comm);
		return -EBUSY;
	}
	if (quiet)
		return -e;
	if (e == EBUSY)
		err("%s %s: device busy: %s (owner not visible in /proc)",
		    what, di->name, errstr(e));
	else if (e == EACCES || e == EPERM)
		err("%s %s: permission denied: %s", what, di->name, errstr(e));
	else
		err("%s %s: %s", what, di->name, errstr(e));
	return e == ENOENT ? -ENODEV : -e;
}

static int open_node(const char *node, const struct devinfo *di, bool quiet)
{
	char what[96];
	int fd = open(node, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	snprintf(what, sizeof(what), "opening %s for", node);
	return open_failed(di, what, errno, quiet);
}

static int open_cdev(const struct devinfo *di, bool quiet, struct vdev *d)
{
	char gnode[64], cnode[64];
	int r;

	node_paths(di, gnode, cnode, sizeof(gnode));
	if (access(IOMMU_NODE, F_OK)) {
		if (!quiet)
			err("opening %s: no %s: this kernel lacks IOMMUFD "
			    "(Linux 6.6 with CONFIG_IOMMUFD is needed for --open=cdev)",
			    di->name, IOMMU_NODE);
		return -VM_E_OLDKERNEL;
	}
	d->iommu_fd = open_node(IOMMU_NODE, di, quiet);
	if (d->iommu_fd < 0)
		return d->iommu_fd;
	d->fd = open_node(cnode, di, quiet);
	if (d->fd < 0)
		return d->fd;
	r = vfio_bind_iommufd(d->fd, d->iommu_fd);
	if (r)
		return open_failed(di, "VFIO_DEVICE_BIND_IOMMUFD on", -r, quiet);
	d->path = PATH_CDEV;
	return 0;
}

static int group_viable(const struct devinfo *di, bool quiet, int gfd)
{
	char others[512];
	uint32_t flags;
	int r = vfio_group_status(gfd, &flags);

	if (r) {
		if (!quiet)
			err("VFIO_GROUP_GET_STATUS on group %d: %s", di->group, errstr(r));
		return r;
	}
	if (flags & VFIO_GROUP_FLAGS_VIABLE)
		return 0;
	group_blockers(di->group, di->name, others, sizeof(others));
	if (!quiet)
		err("opening %s: IOMMU group %d is not viable: %s", di->name,
		    di->group,
		    others[0] ? others : "other devices are bound to non-VFIO drivers");
	return -VM_E_NOTVIABLE;
}

/* Legacy path: container with the type1 IOMMU, then the device by name. */
static int open_group(const struct devinfo *di, bool quiet, struct vdev *d)
{
	char gnode[64], cnode[64];
	int r;

	node_paths(di, gnode, cnode, sizeof(gnode));
	if (access(CONTAINER_NODE, F_OK)) {
		if (!quiet)
			err("opening %s: no %s: this kernel lacks the VFIO "
			    "container (CONFIG_VFIO_CONTAINER); try --open=cdev",
			    di->name, CONTAINER_NODE);
		return -VM_E_OLDKERNEL;
	}
	d->group_fd = open_node(gnode, di, quiet);
	if (d->group_fd < 0)
		return d->group_fd;
	r = group_viable(di, quiet, d->group_fd);
	if (r)
		return r;
	d->container_fd = open_node(CONTAINER_NODE, di, quiet);
	if (d->container_fd < 0)
		return d->container_fd;
	if (vfio_api_version(d->container_fd) != VFIO_API_VERSION) {
		if (!quiet)
			err("opening %s: unexpected VFIO API version", di->name);
		return -VM_E_OLDKERNEL;
	}
	r = vfio_group_set_container(d->group_fd, d->container_fd);
	if (r) {
		if (!quiet)
			err("VFIO_GROUP_SET_CONTAINER for %s: %s", di->name, errstr(r));
		return r;
	}
	r = vfio_set_iommu(d->container_fd, VFIO_TYPE1v2_IOMMU);
	if (r)
		r = vfio_set_iommu(d->container_fd, VFIO_TYPE1_IOMMU);
	if (r) {
		if (!quiet)
			err("VFIO_SET_IOMMU for %s: %s", di->name, errstr(r));
		return r;
	}
	d->fd = vfio_group_device_fd(d->group_fd, di->name);
	if (d->fd < 0)
		return open_failed(di, "VFIO_GROUP_GET_DEVICE_FD for", -d->fd, quiet);
	d->path = PATH_GROUP;
	return 0;
}

static void vdev_init(struct vdev *d)
{
	memset(d, 0, sizeof(*d));
	d->fd = d->group_fd = d->container_fd = d->iommu_fd = -1;
}

int dev_open_info(const struct devinfo *di, enum open_mode mode, bool quiet,
		  struct vdev *d)
{
	int r;

	vdev_init(d);
	d->info = *di;
	if (!di->vfio) {
		if (!quiet)
			err("opening %s: not bound to a VFIO driver (%s%s)", di->name,
			    di->driver[0] ? "bound to " : "no driver bound",
			    di->driver);
		return -VM_E_NOTVFIO;
	}
	/* A device that vfiomig hold holds is used through the holder. */
	if (!opts.no_holder) {
		r = holder_connect(di, quiet, d);
		if (r < 0)
			dev_close(d);
		if (r)
			return r < 0 ? r : 0;
	}
	if (mode == OPEN_CDEV && !di->cdev[0]) {
		if (!quiet)
			err("opening %s: no VFIO cdev (Linux 6.6 with "
			    "CONFIG_VFIO_DEVICE_CDEV is needed for --open=cdev)",
			    di->name);
		return -VM_E_OLDKERNEL;
	}
	if (mode == OPEN_GROUP && di->group < 0) {
		if (!quiet)
			err("opening %s: device has no IOMMU group", di->name);
		return -ENODEV;
	}
	if (mode == OPEN_CDEV ||
	    (mode == OPEN_AUTO && di->cdev[0] && !access(IOMMU_NODE, F_OK)))
		r = open_cdev(di, quiet, d);
	else
		r = open_group(di, quiet, d);
	if (r)
		dev_close(d);
	return r;
}

int dev_open(const char *arg, struct vdev *d)
{
	struct devinfo di;
	int r = devinfo_resolve(arg, &di);

	if (r)
		return r;
	r = dev_open_info(&di, opts.open, false, d);
	if (!r)
		dbg("opened %s through the %s path", di.name, open_path_name(d->path));
	return r;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int dev_close(struct vdev *d)
{
	uint32_t st;
	int r = 0;

	if (d->fd >= 0 && d->has_mig && !dv_get_state(d, &st) &&
	    st == ST_RESUMING) {
		r = dv_reset(d);
		warn("%s was left in resuming: reset to abort it (%s)",
		     d->info.name, r ? errstr(r) : "now running");
	}
	close_fd(&d->fd);
	close_fd(&d->group_fd);
	close_fd(&d->container_fd);
	close_fd(&d->iommu_fd);
	return r;
}

bool dev_probe_mig(struct vdev *d)
{
	d->has_mig = !dv_mig_flags(d, &d->flags);
	return d->has_mig;
}

int dev_need_mig(struct vdev *d)
{
	int r = dv_mig_flags(d, &d->flags);

	if (!r) {
		d->has_mig = true;
		return 0;
	}
	if ((r == -ENOTTY || r == -EINVAL) && kernel_older(5, 18)) {
		err("VFIO_DEVICE_FEATURE(MIGRATION) on %s: %s: this kernel "
		    "predates VFIO migration v2 (Linux 5.18)", d->info.name,
		    errstr(r));
		return -VM_E_OLDKERNEL;
	}
	if (r == -ENOTTY || r == -EINVAL || r == -EOPNOTSUPP) {
		err("VFIO_DEVICE_FEATURE(MIGRATION) on %s: no migration support "
		    "(driver %s): %s", d->info.name, d->info.driver, errstr(r));
		return -VM_E_NOMIG;
	}
	err("VFIO_DEVICE_FEATURE(MIGRATION) on %s: %s", d->info.name, errstr(r));
	return r;
}

int dev_get_state(struct vdev *d, uint32_t *state)
{
	int r = dv_get_state(d, state);

	if (r)
		err("%s GET on %s: %s", IOCTL_NAME_MIG_STATE, d->info.name,
		    errstr(r));
	return r;
}

int dev_reset(struct vdev *d, int *state_after)
{
	uint32_t st;
	int r = dv_reset(d);

	*state_after = -1;
	if (d->has_mig && !dv_get_state(d, &st))
		*state_after = (int)st;
	return r;
}

int exit_code(int ret)
{
	switch (ret) {
	case 0:
		return EXIT_OK;
	case -VM_E_USAGE:
		return EXIT_USAGE;
	case -VM_E_STATE:
		return EXIT_STATE;
	case -VM_E_NOMIG:
	case -EOPNOTSUPP:
		return EXIT_NOMIG;
	case -VM_E_NOTVFIO:
		return EXIT_NOTVFIO;
	case -VM_E_NOTVIABLE:
		return EXIT_NOTVIABLE;
	case -VM_E_OLDKERNEL:
		return EXIT_OLDKERNEL;
	case -VM_E_REFUSED:
		return EXIT_REFUSED;
	case -VM_E_DATA:
		return EXIT_DATAERR;
	case -VM_E_CHECK:
		return EXIT_FAIL;
	case -VM_E_INTERRUPTED:
	case -EINTR:
		return EXIT_INTERRUPTED;
	case -VM_E_PEER:
		return EXIT_PEER;
	case -VM_E_AUTH:
		return EXIT_AUTH;
	case -VM_E_UNCONFIRMED:
		return EXIT_UNCONFIRMED;
	case -ENODEV:
	case -ENOENT:
	case -ENXIO:
		return EXIT_NODEV;
	case -EBUSY:
		return EXIT_BUSY;
	case -EACCES:
	case -EPERM:
		return EXIT_NOPERM;
	case -EIO:
	case -EPIPE:
	case -ECONNREFUSED:
	case -ECONNRESET:
	case -ETIMEDOUT:
	case -EHOSTUNREACH:
	case -ENETUNREACH:
	case -EBADMSG:
		return EXIT_IOERR;
	default:
		return EXIT_FAIL;
	}
}
