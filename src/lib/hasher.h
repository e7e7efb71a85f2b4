/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A second core for the records' checksums (hasher.c): a thread that
 * digests one buffer while the caller reads the next. The caller never
 * waits on a thread that has not begun: a buffer the hasher has not
 * picked up when the caller wants its digest is digested by the caller.
 */
#ifndef VFIOMIG_HASHER_H
#define VFIOMIG_HASHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hasher;

/* NULL when no thread could start: the caller digests itself. */
struct hasher *hasher_start(void);
/* Ends the thread; a buffer given and not taken is forgotten. */
void hasher_stop(struct hasher *h);
/* buf's XXH3 is wanted: the hasher digests it if it comes to it first.
 * buf stays untouched by the caller until hasher_take(). */
void hasher_give(struct hasher *h, const void *buf, size_t len);
/* The digest of the buffer given last; *stolen: the caller made it. */
uint64_t hasher_take(struct hasher *h, bool *stolen);

#endif
