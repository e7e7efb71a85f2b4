/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A device's identity in a stream header, and whether a stream fits. */
#ifndef VFIOMIG_IDENT_H
#define VFIOMIG_IDENT_H

#include <stdbool.h>
#include <stddef.h>

#include "device.h"
#include "stream.h"

/* The stream header's description of the device. */
void ident_fill(struct vdev *d, struct stream_ident *id);
/* Is the stream from the same kind of device? */
bool ident_same(const struct stream_ident *s, const struct devinfo *di);
/* "WHO: stream is from an mdev of type T (driver D), this is PCI device
 * V:D (subsystem V:D)": each side as what it is. */
void ident_mismatch(const char *who, const struct stream_ident *s,
		    const struct devinfo *di, char *buf, size_t len);

#endif
