/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Output pieces several commands print the same way. */
#ifndef VFIOMIG_REPORT_H
#define VFIOMIG_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "session.h"

/* device, bus, driver, iommu_group, cdev and the identity fields. */
void report_identity(const struct devinfo *di, bool labels);
/* "flags": [names], "states": [reachable states]. */
void report_flags(uint64_t flags);
/* "state": name, or null when unknown (st < 0). */
void report_state(const char *key, const char *label, int st);
/* "arcs": [{from, to, usecs}], and "arc A -> B: T ms" lines with -v. */
void report_arcs(const struct arc_log *log);
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
