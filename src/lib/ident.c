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

/* "an mdev of type mtty-2 (driver mtty)", "PCI device 15b3:101e (subsystem ...)" */
static void describe(char *buf, size_t len, enum stream_bus bus, const char *type,
		     const char *driver, const unsigned int ids[4], const char *other_bus)
{
	if (bus == BUS_MDEV)
		snprintf(buf, len, "an mdev of type %s (driver %s)", type[0] ? type : "?",
			 driver[0] ? driver : "?");
	else if (bus == BUS_PCI)
		snprintf(buf, len, "PCI device %04x:%04x (subsystem %04x:%04x)", ids[0],
			 ids[1], ids[2], ids[3]);
	else
		snprintf(buf, len, "a device on the %s bus (driver %s)", other_bus,
			 driver[0] ? driver : "?");
}

void ident_mismatch(const char *who, const struct stream_ident *s,
		    const struct devinfo *di, char *buf, size_t len)
{
	const unsigned int sids[4] = { s->vendor, s->device, s->subvendor, s->subdevice };
	const unsigned int dids[4] = { di->vendor, di->device, di->subvendor, di->subdevice };
	enum stream_bus dbus = !strcmp(di->bus, "pci") ? BUS_PCI :
			       !strcmp(di->bus, "mdev") ? BUS_MDEV : BUS_UNKNOWN;
	char from[160], here[160];

	describe(from, sizeof(from), s->bus, s->mdev_type, s->driver, sids, "unknown");
	describe(here, sizeof(here), dbus, di->mdev_type, di->driver, dids,
		 di->bus[0] ? di->bus : "unknown");
	snprintf(buf, len, "%s: stream is from %s, this is %s", who, from, here);
}
