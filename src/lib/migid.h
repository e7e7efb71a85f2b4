/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A device's migration identity: what decides whether its state can move
 * to another device (vfiomig identity, compat, and the migration's
 * handshake). An identity is a list of fields, each a key and a value, or
 * unknown with why it could not be read. Keys are the JSON keys of
 * `vfiomig -j identity` (devlink's versions "devlink.KIND.NAME"), so one
 * list serves the report, the comparison and the wire.
 */
#ifndef VFIOMIG_MIGID_H
#define VFIOMIG_MIGID_H

#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"
#include "sysfs.h"
#include "vm.h"

#define MIGID_FIELDS 48
#define MIGID_KEY 40
#define MIGID_VAL 96
#define MIGID_WHY 80
/* The most one identity takes on the wire (IDENTITY frame's text). */
#define MIGID_WIRE_MAX 4096

struct idfield {
	char key[MIGID_KEY];
	bool known;
	char val[MIGID_VAL];   /* when known */
	char why[MIGID_WHY];   /* when not: why it could not be read */
};

struct migid {
	struct idfield f[MIGID_FIELDS];
	unsigned int n;
};

/*
 * Read the identity of a resolved device: sysfs, the PF's devlink dev info
 * for a VF, debugfs' migration/features, and, when the device is free (or
 * held by vfiomig hold), its flags, PRECOPY_INFOv2 and stop-copy estimate
 * through a short open. A busy device is not opened: its fields say who
 * holds it. Never fails: what could not be read is unknown, with why.
 */
void migid_read(const struct vm_ctx *x, const struct devinfo *di, enum open_mode mode,
		struct migid *id);
/* The same in two steps, for a device a session has open already: what
 * sysfs and devlink say, then what the open device d says. */
struct vdev;
void migid_read_static(const struct vm_ctx *x, const struct devinfo *di, struct migid *id);
void migid_read_open(struct migid *id, struct vdev *d);

/* Setting fields (also for a decoder of another form, the tool's JSON). */
void migid_set(struct migid *id, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void migid_unknown(struct migid *id, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const struct idfield *migid_get(const struct migid *id, const char *key);

/* How a difference in a field counts. */
enum id_class {
	IDC_BLOCKS,     /* refused; --force may not override it */
	IDC_FORCEABLE,  /* refused unless the destination's user forces it */
	IDC_INFORMS,    /* only worth knowing */
};
enum id_verdict { IDV_SAME, IDV_BLOCKS, IDV_INFORMS, IDV_UNKNOWN };

struct iddiff {
	const char *key;
	const struct idfield *here, *there;  /* NULL: that side lacks the field */
	enum id_class cls;
	enum id_verdict v;
};

enum id_class migid_class(const char *key);
const char *migid_verdict_name(enum id_verdict v);
/*
 * Field by field, every key of either side (here's order, then there's
 * own): out has room for 2 * MIGID_FIELDS. Returns how many.
 */
unsigned int migid_compare(const struct migid *here, const struct migid *there,
			   struct iddiff *out);
/* The blocking differences (forceable ones counted in *forceable). */
unsigned int migid_blocking(const struct iddiff *d, unsigned int n, unsigned int *forceable);
/* "driver: mtty here, mdpy there; mdev_type: ..." for the blocking ones. */
void migid_blocking_text(const struct iddiff *d, unsigned int n, const char *here,
			 const char *there, char *buf, size_t len);

/* The wire form: "key=value" or "key?why" lines. 0, or -EPROTO with why. */
size_t migid_encode(const struct migid *id, char *buf, size_t len);
int migid_decode(const char *buf, size_t len, struct migid *id, char *why, size_t wlen);

#endif
