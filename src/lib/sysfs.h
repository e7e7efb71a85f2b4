/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resolving a user's device name to sysfs facts. Only open(), readlink(),
 * realpath(), opendir(), stat() and access() touch /sys and /dev here and
 * in device.c: the test fake traps exactly these.
 */
#ifndef VFIOMIG_SYSFS_H
#define VFIOMIG_SYSFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "reason.h"

struct devinfo {
	char name[64];        /* sysfs name: PCI address or mdev UUID */
	char path[PATH_MAX];  /* canonical /sys/devices/... directory */
	char bus[16];         /* "pci" or "mdev" */
	char driver[64];      /* "" when no driver is bound */
	int group;            /* IOMMU group number, -1 if none */
	char cdev[32];        /* "vfio3", "" without a VFIO cdev */
	bool vfio;            /* bound to a VFIO driver */
	/* identity */
	unsigned int vendor, device, subvendor, subdevice;
	char mdev_type[64];
};

/* Returns 0, -ENODEV or -VM_E_USAGE for an unparsable name, with why set. */
int devinfo_resolve(const char *arg, struct devinfo *di, struct reason *why);
/* Fill from a canonical sysfs device directory. */
int devinfo_from_path(const char *path, struct devinfo *di);

/* Small sysfs readers: 0 or -errno. */
int sysfs_read(const char *path, char *buf, size_t len);
/* One attribute written whole (bind, unbind, driver_override): 0 or -errno. */
int sysfs_write(const char *path, const char *val);
int sysfs_link_name(const char *path, char *buf, size_t len);

/* Other devices of a group that are not bound to VFIO, comma-separated. */
void group_blockers(int group, const char *self, char *buf, size_t len);

bool is_pci_addr(const char *s);
bool is_uuid(const char *s);

#endif
