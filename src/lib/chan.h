/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A byte channel: a plain fd (file, pipe, socket) or a TLS session over
 * a socket. The stream and the migration protocol read and write through
 * it and need not know which. Calls return 0 / a byte count or -errno.
 */
#ifndef VFIOMIG_CHAN_H
#define VFIOMIG_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "ctx.h"

struct gnutls_session_int;

struct chan {
	int fd;
	struct gnutls_session_int *tls; /* NULL: plain fd */
	void *cred;                     /* the session's credentials */
	bool server;
	const struct vm_ctx *x;         /* its cancellation ends a transfer */
	double idle;                    /* seconds the peer may take nothing
					 * or send nothing; 0: for ever */
	int saved_flags;                /* the fd's flags before chan_nonblock(); -1 */
	char peer[128];                 /* for messages: a path or address */
};

/* x (NULL: nothing cancels) is the command's: a transfer ends with
 * -EINTR once it is cancelled. */
void chan_plain(struct chan *c, const struct vm_ctx *x, int fd, const char *peer);
/*
 * Make a pipe, FIFO or socket non-blocking for the transfer (restored by
 * chan_close()): every wait is then a poll() that also watches the
 * cancellation, so a reader or writer that stalls can never hold us in
 * a write or read past a signal. Files are left as they are.
 */
void chan_nonblock(struct chan *c);
/*
 * Every call below waits in poll() for the fd and the cancellation: it
 * returns -EINTR once cancelled, and -ETIMEDOUT when c->idle seconds
 * passed without the peer sending (a read) or taking (a write) a byte.
 */
/* Up to len bytes, fewer only at the end of the input. */
ssize_t chan_read_full(struct chan *c, void *buf, size_t len);
/* What is there now, at least 1 byte (0 at the end). */
ssize_t chan_read_some(struct chan *c, void *buf, size_t len);
/* Bytes the TLS layer holds already decrypted: poll() cannot see them. */
bool chan_pending(struct chan *c);
int chan_write_full(struct chan *c, const void *buf, size_t len);
/* iov is consumed. */
int chan_writev_full(struct chan *c, struct iovec *iov, int cnt);
/* Wake a thread blocked on the channel: its calls fail from now on. */
void chan_shutdown(struct chan *c);
/* End the TLS session (best effort) and close the fd. */
void chan_close(struct chan *c);

#endif
