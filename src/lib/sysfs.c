// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Device names and sysfs facts: resolving what the user typed to a
 * device, its driver, group, cdev and identity. Reads sysfs only;
 * prints nothing (reasons are handed up).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reason.h"
#include "sysfs.h"
#include "vm.h"

int sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

int sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		n = -errno;
	close(fd);
	/* sysfs takes an attribute in one write, or refuses it. */
	return n < 0 ? (int)n : (size_t)n == len ? 0 : -EIO;
}

/* The last component of a symlink's target: a driver or group name. */
int sysfs_link_name(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *base;

	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(buf, len, "%s", base ? base + 1 : target);
	return 0;
}

static bool hexrun(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* 0000:3b:00.1 or 3b:00.1 */
bool is_pci_addr(const char *s)
{
	size_t len = strlen(s);

	if (len == 12)
		return hexrun(s, 4) && s[4] == ':' && is_pci_addr(s + 5);
	return len == 7 && hexrun(s, 2) && s[2] == ':' && hexrun(s + 3, 2) &&
	       s[5] == '.' && s[6] >= '0' && s[6] <= '7';
}

bool is_uuid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };

	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		if (!hexrun(s, groups[g]))
			return false;
		s += groups[g];
		if (g < ARRAY_SIZE(groups) - 1 && *s++ != '-')
			return false;
	}
	return *s == '\0';
}

static unsigned int read_hex(const char *dir, const char *file)
{
	char p[PATH_MAX], buf[32];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	if (sysfs_read(p, buf, sizeof(buf)))
		return 0;
	return (unsigned int)strtoul(buf, NULL, 16);
}

/*
 * The device's vfio-dev/vfioN entry: the VFIO core registered the device
 * (Linux 6.1 and later). The entry is a character device, and
 * /dev/vfio/devices/vfioN exists, only when it has a "dev" attribute:
 * vfio_init_device_cdev() sets its devt on 6.6+ kernels with
 * CONFIG_VFIO_DEVICE_CDEV, while 6.1 (and later kernels without the cdev)
 * add the same entry without one. Returns whether the entry exists; the
 * name goes to buf only when the cdev does.
 */
static bool find_vfio_dev(const char *dir, char *buf, size_t len)
{
	char p[PATH_MAX];
	struct dirent *e;
	bool found = false;
	DIR *d;

	buf[0] = '\0';
	snprintf(p, sizeof(p), "%s/vfio-dev", dir);
	d = opendir(p);
	if (!d)
		return false;
	while ((e = readdir(d))) {
		if (!strncmp(e->d_name, "vfio", 4) && isdigit((unsigned char)e->d_name[4])) {
			found = true;
			snprintf(p, sizeof(p), "%s/vfio-dev/%s/dev", dir, e->d_name);
			if (!access(p, F_OK))
				snprintf(buf, len, "%s", e->d_name);
			break;
		}
	}
	closedir(d);
	return found;
}

/*
 * A device is VFIO-bound when the VFIO core registered it: it then has a
 * vfio-dev/ entry (6.1+ kernels) or, on older kernels, its group has a
 * /dev/vfio/N node and its driver is a vfio one.
 */
static bool vfio_bound(const struct devinfo *di, bool registered)
{
	char node[64];

	if (registered)
		return true;
	if (di->group < 0 || !di->driver[0])
		return false;
	snprintf(node, sizeof(node), "/dev/vfio/%d", di->group);
	if (access(node, F_OK))
		return false;
	return strstr(di->driver, "vfio") || !strcmp(di->bus, "mdev");
}

int devinfo_from_path(const char *path, struct devinfo *di)
{
	char p[PATH_MAX], buf[64];
	const char *base = strrchr(path, '/');
	bool registered;

	memset(di, 0, sizeof(*di));
	snprintf(di->path, sizeof(di->path), "%s", path);
	snprintf(di->name, sizeof(di->name), "%s", base ? base + 1 : path);

	snprintf(p, sizeof(p), "%s/subsystem", path);
	sysfs_link_name(p, di->bus, sizeof(di->bus));
	snprintf(p, sizeof(p), "%s/driver", path);
	sysfs_link_name(p, di->driver, sizeof(di->driver));
	snprintf(p, sizeof(p), "%s/iommu_group", path);
	di->group = sysfs_link_name(p, buf, sizeof(buf)) ? -1 : atoi(buf);
	registered = find_vfio_dev(path, di->cdev, sizeof(di->cdev));

	if (!strcmp(di->bus, "pci")) {
		di->vendor = read_hex(path, "vendor");
		di->device = read_hex(path, "device");
		di->subvendor = read_hex(path, "subsystem_vendor");
		di->subdevice = read_hex(path, "subsystem_device");
	} else if (!strcmp(di->bus, "mdev")) {
		snprintf(p, sizeof(p), "%s/mdev_type", path);
		sysfs_link_name(p, di->mdev_type, sizeof(di->mdev_type));
	}
	di->vfio = vfio_bound(di, registered);
	return 0;
}

/* sysfs spells PCI addresses and UUIDs in lower case. */
static void lower(char *s)
{
	for (; *s; s++)
		*s = tolower((unsigned char)*s);
}

/* Map a user's name to a sysfs path that should exist. */
static int candidate_path(const char *arg, char *out, size_t len)
{
	const char *base;

	if (!strncmp(arg, "/sys/", 5)) {
		snprintf(out, len, "%s", arg);
	} else if (!strncmp(arg, "/dev/vfio/devices/", 18)) {
		base = arg + 18;
		snprintf(out, len, "/sys/class/vfio-dev/%s/device", base);
	} else if (is_uuid(arg)) {
		snprintf(out, len, "/sys/bus/mdev/devices/%s", arg);
		lower(out);
	} else if (is_pci_addr(arg)) {
		snprintf(out, len, "/sys/bus/pci/devices/%s%s",
			 strlen(arg) == 7 ? "0000:" : "", arg);
		lower(out);
	} else {
		return -VM_E_USAGE;
	}
	return 0;
}

int devinfo_resolve(const char *arg, struct devinfo *di, struct reason *why)
{
	char cand[PATH_MAX], real[PATH_MAX];
	int ret = candidate_path(arg, cand, sizeof(cand));

	if (ret) {
		why_set(why, "%s: not a device name (use a PCI address, an mdev "
			"UUID, a /sys device path or /dev/vfio/devices/vfioN)", arg);
		return ret;
	}
	if (!realpath(cand, real)) {
		why_set(why, "%s: no such device: %s", arg, errstr(errno));
		return -ENODEV;
	}
	ret = devinfo_from_path(real, di);
	if (ret)
		why_set(why, "%s: reading %s: %s", arg, real, errstr(ret));
	return ret;
}

static bool driver_is_vfio(const char *devdir)
{
	char p[PATH_MAX], drv[64];

	snprintf(p, sizeof(p), "%s/driver", devdir);
	if (sysfs_link_name(p, drv, sizeof(drv)))
		return true; /* unbound devices do not break viability */
	return strstr(drv, "vfio") || !strcmp(drv, "pcieport") ||
	       !strcmp(drv, "pci-stub") || !strcmp(drv, "mtty") ||
	       !strcmp(drv, "mdpy") || !strcmp(drv, "mbochs");
}

void group_blockers(int group, const char *self, char *buf, size_t len)
{
	char dir[PATH_MAX], dev[PATH_MAX + 300];
	struct dirent *e;
	size_t used = 0;
	DIR *d;

	buf[0] = '\0';
	snprintf(dir, sizeof(dir), "/sys/kernel/iommu_groups/%d/devices", group);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, self))
			continue;
		snprintf(dev, sizeof(dev), "%s/%s", dir, e->d_name);
		if (driver_is_vfio(dev))
			continue;
		char drv[64] = "";
		char link[PATH_MAX + 310];

		snprintf(link, sizeof(link), "%s/driver", dev);
		sysfs_link_name(link, drv, sizeof(drv));
		used += snprintf(buf + used, used < len ? len - used : 0,
				 "%s%s (%s)", used ? ", " : "", e->d_name, drv);
	}
	closedir(d);
}
