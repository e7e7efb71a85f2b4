// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A device's migration identity (migid.h): read from sysfs, devlink,
 * debugfs and, when the device is free, a short open; compared field by
 * field; carried on the wire. The kernel has no compatibility uAPI, so the
 * fields are those that decide in practice: the IDs or mdev type, the
 * driver and its module, the PF's firmware (PSID, version), the migration
 * flags. Prints nothing; a field it could not read says why.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "compat.h"
#include "device.h"
#include "devlink.h"
#include "fsm.h"
#include "migid.h"
#include "owner.h"

/* Printable, one line: the wire form is lines, a report prints it. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static struct idfield *slot(struct migid *id, const char *key)
{
	struct idfield *f;

	for (unsigned int i = 0; i < id->n; i++)
		if (!strcmp(id->f[i].key, key))
			return &id->f[i];
	if (id->n >= MIGID_FIELDS)
		return NULL;
	f = &id->f[id->n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->key, sizeof(f->key), "%s", key);
	clean(f->key);
	return f;
}

void migid_set(struct migid *id, const char *key, const char *fmt, ...)
{
	struct idfield *f = slot(id, key);
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vsnprintf(f->val, sizeof(f->val), fmt, ap);
	va_end(ap);
	clean(f->val);
	f->known = true;
	f->why[0] = '\0';
}

void migid_unknown(struct migid *id, const char *key, const char *fmt, ...)
{
	struct idfield *f = slot(id, key);
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
	clean(f->why);
	f->known = false;
	f->val[0] = '\0';
}

const struct idfield *migid_get(const struct migid *id, const char *key)
{
	for (unsigned int i = 0; i < id->n; i++)
		if (!strcmp(id->f[i].key, key))
			return &id->f[i];
	return NULL;
}

/* ---- reading ------------------------------------------------------------ */

/* A sysfs attribute of the device as a field; "0x15b3" becomes "15b3". */
static void attr(struct migid *id, const struct devinfo *di, const char *file,
		 const char *key)
{
	char p[PATH_MAX + 64], v[64];
	int r;

	snprintf(p, sizeof(p), "%s/%s", di->path, file);
	r = sysfs_read(p, v, sizeof(v));
	if (r)
		migid_unknown(id, key, "reading %s: %s", file, strerrorname_np(-r));
	else
		/* The kernel's "0x15b3", as the JSON contract spells IDs. */
		migid_set(id, key, strcmp(file, "revision") ? "%04lx" : "%02lx",
			  strtoul(v, NULL, 16));
}

static void read_kind(struct migid *id, const struct devinfo *di)
{
	static const char *const pci[][2] = {
		{ "vendor", "vendor_id" }, { "device", "device_id" },
		{ "subsystem_vendor", "subsystem_vendor_id" },
		{ "subsystem_device", "subsystem_device_id" }, { "revision", "revision" },
	};
	bool is_pci = !strcmp(di->bus, "pci");

	migid_set(id, "bus", "%s", di->bus[0] ? di->bus : "unknown");
	for (size_t i = 0; i < ARRAY_SIZE(pci); i++) {
		if (is_pci)
			attr(id, di, pci[i][0], pci[i][1]);
		else
			migid_unknown(id, pci[i][1], "not a PCI device");
	}
	if (di->mdev_type[0])
		migid_set(id, "mdev_type", "%s", di->mdev_type);
	else
		migid_unknown(id, "mdev_type", "not an mdev");
}

/* The driver, its module (the driver's module link) and the module's
 * version and srcversion (/sys/module/NAME). */
static void read_driver(struct migid *id, const struct devinfo *di)
{
	char p[PATH_MAX], mod[64], v[MIGID_VAL];

	if (!di->driver[0]) {
		migid_unknown(id, "driver", "no driver is bound");
		migid_unknown(id, "module", "no driver is bound");
		migid_unknown(id, "module_version", "no driver is bound");
		migid_unknown(id, "module_srcversion", "no driver is bound");
		return;
	}
	migid_set(id, "driver", "%s", di->driver);
	snprintf(p, sizeof(p), "/sys/bus/%s/drivers/%s/module", di->bus, di->driver);
	if (sysfs_link_name(p, mod, sizeof(mod))) {
		migid_unknown(id, "module", "built into the kernel");
		migid_unknown(id, "module_version", "built into the kernel");
		migid_unknown(id, "module_srcversion", "built into the kernel");
		return;
	}
	migid_set(id, "module", "%s", mod);
	snprintf(p, sizeof(p), "/sys/module/%s/version", mod);
	if (sysfs_read(p, v, sizeof(v)))
		migid_unknown(id, "module_version", "the module declares none");
	else
		migid_set(id, "module_version", "%s", v);
	snprintf(p, sizeof(p), "/sys/module/%s/srcversion", mod);
	if (sysfs_read(p, v, sizeof(v)))
		migid_unknown(id, "module_srcversion", "the module has none");
	else
		migid_set(id, "module_srcversion", "%s", v);
}

/* A VF's PF, by its devlink dev info (the firmware both ends must share). */
static void read_devlink(const struct vm_ctx *x, struct migid *id, const struct devinfo *di)
{
	struct dl_handle h = { .bus = "pci" };
	struct dl_info in;
	char key[MIGID_KEY + 60];
	struct dl dl;
	int vfnum, r;

	if (strcmp(di->bus, "pci") || dl_pci_vf_of(di->path, h.dev, sizeof(h.dev), &vfnum)) {
		migid_unknown(id, "devlink", "not a VF");
		return;
	}
	r = dl_open(&dl, x);
	if (!r) {
		r = dl_info_get(&dl, &h, &in);
		dl_close(&dl);
	}
	if (r) {
		char why[300];

		dl_explain(r, dl.extack, why, sizeof(why));
		migid_unknown(id, "devlink", "pci/%s: %s", h.dev, why);
		return;
	}
	migid_set(id, "devlink", "pci/%s", h.dev);
	if (in.driver[0])
		migid_set(id, "devlink.driver", "%s", in.driver);
	if (in.serial[0])
		migid_set(id, "devlink.serial_number", "%s", in.serial);
	if (in.board_serial[0])
		migid_set(id, "devlink.board_serial_number", "%s", in.board_serial);
	for (unsigned int i = 0; i < in.n; i++) {
		snprintf(key, sizeof(key), "devlink.%s.%s", dl_version_kind_name(in.v[i].kind),
			 in.v[i].name);
		migid_set(id, key, "%s", in.v[i].value);
	}
}

static const struct {
	uint64_t bit;
	const char *name, *debugfs;
} flags[] = {
	{ MIG_STOP_COPY, "stop_copy", "stop-copy" },
	{ MIG_P2P, "p2p", "p2p" },
	{ MIG_PRE_COPY, "pre_copy", "pre-copy" },
};

static void set_flags(struct migid *id, uint64_t bits)
{
	char buf[64] = "";

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (bits & flags[i].bit)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
				 buf[0] ? "," : "", flags[i].name);
	migid_set(id, "migration", "%s", buf);
}

/* debugfs vfio/DEV/migration/features (Linux 6.18): one word a line,
 * readable while a VMM owns the device. */
static bool debugfs_flags(struct migid *id, const struct devinfo *di)
{
	char p[PATH_MAX], buf[256], *line, *save;
	uint64_t bits = 0;

	snprintf(p, sizeof(p), "/sys/kernel/debug/vfio/%s/migration/features", di->name);
	if (sysfs_read(p, buf, sizeof(buf)))
		return false;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
			if (!strcmp(line, flags[i].debugfs))
				bits |= flags[i].bit;
	set_flags(id, bits);
	return true;
}

/* What only the open device tells. */
static void read_open(struct migid *id, struct vdev *d)
{
	uint64_t size;
	int r;

	if (!vdev_probe_mig(d)) {
		migid_set(id, "migration", "%s", "");
		migid_unknown(id, "precopy_info_v2", "no migration support");
		migid_unknown(id, "stop_copy_estimate_bytes", "no migration support");
		return;
	}
	set_flags(id, d->flags);
	r = vdev_probe(d, VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2, VFIO_DEVICE_FEATURE_SET);
	if (!r || r == -EINVAL || r == -ENOTTY || r == -EOPNOTSUPP)
		migid_set(id, "precopy_info_v2", "%s", r ? "false" : "true");
	else
		migid_unknown(id, "precopy_info_v2", "probing it: %s", strerrorname_np(-r));
	r = vdev_data_size(d, &size);
	if (!r)
		migid_set(id, "stop_copy_estimate_bytes", "%llu", (unsigned long long)size);
	else
		migid_unknown(id, "stop_copy_estimate_bytes", "%s", r == -ENOTTY || r == -EINVAL ?
			      "the driver does not estimate it" : strerrorname_np(-r));
}

/* Why the device was not opened, for every field only an open tells. */
static void unopened(struct migid *id, const struct devinfo *di, int r, bool have_flags)
{
	char gnode[64], cnode[64], why[MIGID_WHY];
	const char *nodes[2] = { gnode, cnode };
	struct owner o;

	snprintf(gnode, sizeof(gnode), "/dev/vfio/%d", di->group);
	snprintf(cnode, sizeof(cnode), "/dev/vfio/devices/%s", di->cdev);
	if (!di->vfio)
		snprintf(why, sizeof(why), "not bound to a VFIO driver");
	else if (r == -EBUSY && find_owner(nodes, 2, &o))
		snprintf(why, sizeof(why), "in use by %d (%s)", (int)o.pid, o.comm);
	else if (r == -EBUSY)
		snprintf(why, sizeof(why), "in use by another process");
	else
		snprintf(why, sizeof(why), "opening it: %s", strerrorname_np(-r));
	if (!have_flags)
		migid_unknown(id, "migration", "%s", why);
	migid_unknown(id, "precopy_info_v2", "%s", why);
	migid_unknown(id, "stop_copy_estimate_bytes", "%s", why);
}

void migid_read_static(const struct vm_ctx *x, const struct devinfo *di, struct migid *id)
{
	memset(id, 0, sizeof(*id));
	read_kind(id, di);
	read_driver(id, di);
	read_devlink(x, id, di);
}

void migid_read_open(struct migid *id, struct vdev *d)
{
	struct utsname u;

	read_open(id, d);
	if (uname(&u))
		migid_unknown(id, "kernel_release", "uname: %s", strerrorname_np(errno));
	else
		migid_set(id, "kernel_release", "%s", u.release);
}

void migid_read(const struct vm_ctx *x, const struct devinfo *di, enum open_mode mode,
		struct migid *id)
{
	struct reason why = { 0 };
	struct utsname u;
	struct vdev d;
	bool have_flags;
	int r = -ENODEV;

	migid_read_static(x, di, id);
	/* debugfs first: it answers without opening, even for a busy device. */
	have_flags = debugfs_flags(id, di);
	if (di->vfio)
		r = vdev_open(x, di, mode, &d, &why);
	if (!r) {
		migid_read_open(id, &d);
		vdev_close(&d);
		return;
	}
	unopened(id, di, r, have_flags);
	if (uname(&u))
		migid_unknown(id, "kernel_release", "uname: %s", strerrorname_np(errno));
	else
		migid_set(id, "kernel_release", "%s", u.release);
}
