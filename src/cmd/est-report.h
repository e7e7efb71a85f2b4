/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The downtime promise in a migration's report (est-report.c). */
#ifndef VFIOMIG_EST_REPORT_H
#define VFIOMIG_EST_REPORT_H

#include <stdbool.h>

#include "ctx.h"
#include "mig-report.h"

/* The real downtime was measured and is over a limit. */
bool est_exceeded(const struct mig_summary *s);
/* The run's fields: the estimate (with dry_tx, the dry run's sentence
 * from its bytes on), dry_run, the limit, the expected downtime, whether
 * the real one exceeded the limit. */
void est_fields(const struct mig_summary *s, bool dry_tx);
/* After the text's downtime: the expected one and the limit. */
void est_downtime_text(const struct mig_summary *s);
/* A warning when the real downtime was over the limit. */
void est_warn_exceeded(const struct mig_summary *s, const char *cmd);
/* One device's estimate object (NULL: null); tx, a dry run's line. */
void est_device(const struct dev_estimate *d, bool tx);

#endif
