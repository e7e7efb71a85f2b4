/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A migration identity (migid.h) as `vfiomig identity` reports it, for text
 * and JSON through output.c, and read back from that JSON (another host's
 * `vfiomig -j identity`, for compat and for Ansible's facts).
 */
#ifndef VFIOMIG_IDJSON_H
#define VFIOMIG_IDJSON_H

#include <stddef.h>

#include "migid.h"

/* The identity's fields, then "unread": [{field, why}]. */
void idjson_report(const struct migid *id);
/*
 * Parse text (a whole `vfiomig -j identity` document) into id and the
 * device's name; 0, or -VM_E_DATA with why set.
 */
int idjson_parse(const char *text, char *dev, size_t dlen, struct migid *id,
		 char *why, size_t wlen);
/* The field's JSON key and text label ("flags", "migration flags"). */
const char *idjson_label(const char *key);

#endif
