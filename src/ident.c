// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A device's identity as a stream header carries it (vfiomig-stream(5)),
 * and the comparison restore and receive make before they touch a
 * device. Knows sysfs facts and the stream's ident; prints nothing.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ident.h"

void ident_fill(struct vdev *d, struct stream_ident *id)
{
	const struct devinfo *di = &d->info;

	memset(id, 0, sizeof(*id));
	id->bus = !strcmp(di->bus, "pci") ? BUS_PCI :
		  !strcmp(di->bus, "mdev") ? BUS_MDEV : BUS_UNKNOWN;
	id->vendor = di->vendor;
	id->device = di->device;
	id->subvendor = di->subvendor;
	id->subdevice = di->subdevice;
	id->mig_flags = d->flags;
	id->created = (uint64_t)time(NULL);
	snprintf(id->driver, sizeof(id->driver), "%s", di->driver);
	snprintf(id->mdev_type, sizeof(id->mdev_type), "%s", di->mdev_type);
	snprintf(id->tool, sizeof(id->tool), "vfiomig %s", VFIOMIG_VERSION);
	if (vdev_data_size(d, &id->size_estimate))
		id->size_estimate = 0;
}

bool ident_same(const struct stream_ident *s, const struct devinfo *di)
{
	if (s->bus == BUS_MDEV)
		return !strcmp(di->bus, "mdev") && !strcmp(s->mdev_type, di->mdev_type) &&
		       !strcmp(s->driver, di->driver);
	return s->bus == BUS_PCI && !strcmp(di->bus, "pci") &&
	       s->vendor == di->vendor && s->device == di->device &&
	       s->subvendor == di->subvendor && s->subdevice == di->subdevice;
}

void ident_mismatch(const char *who, const struct stream_ident *s,
		    const struct devinfo *di, char *buf, size_t len)
{
	if (s->bus == BUS_MDEV)
		snprintf(buf, len, "%s: stream is from a %s/%s device, this is %s/%s; "
			 "--force to try anyway", who, s->driver, s->mdev_type,
			 di->driver[0] ? di->driver : "-",
			 di->mdev_type[0] ? di->mdev_type : di->bus);
	else
		snprintf(buf, len, "%s: stream is from PCI device %04x:%04x (%04x:%04x), "
			 "this is %04x:%04x (%04x:%04x); --force to try anyway", who,
			 s->vendor, s->device, s->subvendor, s->subdevice, di->vendor,
			 di->device, di->subvendor, di->subdevice);
}
