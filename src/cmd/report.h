/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Output pieces several commands print the same way. */
#ifndef VFIOMIG_REPORT_H
#define VFIOMIG_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "session.h"

/*
 * What a session's calls failed with (its reason, said and cleared),
 * then r: "return say_sess(r, &s)" after a sess_* call failed.
 */
int say_sess(int r, struct sess *s);
/* One line on stderr: where the device was left (s->where), also noted
 * for the JSON error object. */
void say_where(const struct sess *s);
/*
 * A group after sess_unwind_all(): where each open device was left, or,
 * when none had been touched (any false) and none_touched is set, one
 * line "<none_touched>: no device was touched".
 */
void say_where_all(struct sess *const *v, unsigned int n, bool any,
		   const char *none_touched);

/* device, bus, driver, iommu_group, cdev and the identity fields. */
void report_identity(const struct devinfo *di, bool labels);
/* vendor_id, device_id, subsystem_vendor_id, subsystem_device_id as
 * lspci says them ("15b3"); all null for a device that is no PCI one. */
void report_pci_ids(unsigned int vendor, unsigned int device, unsigned int subvendor,
		    unsigned int subdevice);
void report_pci_ids_null(void);
/* "flags": [names], "states": [reachable states]. */
void report_flags(uint64_t flags);
/* "state": name, or null when unknown (st < 0). */
void report_state(const char *key, const char *label, int st);
/* "arcs": [{from, to, usecs}], and "arc A -> B: T ms" lines with -v. */
void report_arcs(const struct arc_log *log, const char *const *names, unsigned int n);
/*
 * ", 12.3 MiB/s" (B/s, KiB/s, MiB/s or GiB/s, whichever fits) for a text
 * report's line, or "" when a rate would say nothing: under
 * RATE_MIN_BYTES moved in under RATE_MIN_SECS, the time is mostly the
 * fixed cost of the arcs and the connection, not of moving bytes.
 */
#define RATE_MIN_BYTES (1ULL << 20)
#define RATE_MIN_SECS 1.0
const char *rate_text(uint64_t bytes, double secs, char *buf, size_t len);
/* "stop_copy,p2p" for messages. */
const char *flag_names(uint64_t flags, char *buf, size_t len);

#endif
