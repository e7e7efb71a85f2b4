/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device fd ioctls and the open/close hooks of the driver.
 *
 * close=keep is mtty: mtty_close() only disables the data files and the
 * state survives. close=reset is mlx5-like: mlx5vf_pci_open_device() and
 * mlx5vf_cmd_close_migratable() bring the device back to RUNNING, so a
 * process that died without closing is still covered by the reset on the
 * next open. open=running is every variant driver's open_device(): the
 * state becomes RUNNING whatever it was at the last close (no session
 * survives a close anyway), while mtty's stays.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "fake.h"

static void reset_if(const char *name, bool on_close)
{
	struct fake_cfg cfg;
	int lk;

	if (cfg_load(name, &cfg) || !cfg.migration)
		return;
	lk = dev_lock(name);
	if (on_close)
		v2_clear(name);	/* the PRECOPY_INFOv2 opt-in ends with it */
	if (cfg.close_reset || (!on_close && cfg.open_running))
		fsm_reset(name);
	else if (on_close)
		data_disable(name);
	dev_unlock(lk);
}

void device_opened(const char *name)
{
	reset_if(name, false);
}

void device_closed(const char *name)
{
	reset_if(name, true);
}

static int get_info(const char *name, struct vfio_device_info *info)
{
	size_t minsz = offsetof(struct vfio_device_info, num_irqs) +
		       sizeof(info->num_irqs);
	struct fake_cfg cfg;

	if (!info)
		return -EFAULT;
	if (info->argsz < minsz)
		return -EINVAL;
	if (cfg_load(name, &cfg))
		return -ENODEV;
	/* mtty_get_device_info() claims PCI too, but offers no RESET flag */
	info->flags = VFIO_DEVICE_FLAGS_PCI;
	if (!cfg.mdev)
		info->flags |= VFIO_DEVICE_FLAGS_RESET;
	info->num_regions = VFIO_PCI_NUM_REGIONS;
	info->num_irqs = VFIO_PCI_NUM_IRQS;
	return 0;
}

int device_ioctl(struct fake_fd *e, unsigned long req, void *arg)
{
	int lk;

	switch (req) {
	case VFIO_DEVICE_GET_INFO:
		return get_info(e->name, arg);
	case VFIO_DEVICE_RESET:
		/* the bug: the PCI reset is done, migration never told */
		if (bug_on("reset_keeps_state"))
			return 0;
		/* the bug: pds's reset took a mutex under a spinlock */
		if (bug_is("splat", "reset"))
			fake_kmsg_splat("atomic", "kernel/locking/mutex.c:585");
		/* mtty_reset(): RUNNING and no files, even out of ERROR */
		lk = dev_lock(e->name);
		fsm_reset(e->name);
		dev_unlock(lk);
		return 0;
	case VFIO_DEVICE_FEATURE:
		return device_feature(e->name, arg);
	}
	return -ENOTTY;	/* vfio_pci_core_ioctl() default */
}
