/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Authentication of network endpoints: TLS 1.3 with a pre-shared key
 * (GnuTLS), or nothing at all with --insecure. Why TLS-PSK: see
 * vfiomig(8), SECURITY.
 */
#ifndef VFIOMIG_TLS_H
#define VFIOMIG_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "reason.h"

/* The shortest key accepted, in bytes of the file's first line. */
#define PSK_MIN 32
#define PSK_MAX 512

struct psk {
	uint8_t key[PSK_MAX];
	size_t len;
};

/*
 * The key is the first line of the file, at least PSK_MIN bytes (e.g.
 * 64 hex digits from `openssl rand -hex 32`). The file must belong to
 * us or root and grant nothing to group or others, as ssh insists for
 * private keys. Its bytes are the key: a NUL in the first line is
 * refused. 0, or -VM_E_USAGE or -errno with why set (its lines start
 * with the path).
 */
int psk_load(const char *path, struct psk *k, struct reason *why);

/*
 * Run the handshake on c->fd and switch c to TLS. A peer without the
 * key fails here, before any data moves. Returns 0, or -VM_E_AUTH with
 * why (64 bytes) saying what the TLS library saw, -ETIMEDOUT when the
 * peer said nothing for timeout_ms (monotonic), -VM_E_INTERRUPTED when
 * c's cancellation came meanwhile.
 */
int tls_start(struct chan *c, const struct psk *k, bool server,
	      unsigned int timeout_ms, char *why, size_t why_len);

#endif
