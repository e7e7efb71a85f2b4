/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fuzz input as a readable fd at its end of file, as a file or a peer
 * that finished sending: a pipe holding the bytes, its write end closed.
 * A pipe is several times cheaper per input than a memfd; an input larger
 * than its buffer (beyond -max_len) is skipped.
 */
#ifndef VFIOMIG_FUZZ_INPUT_H
#define VFIOMIG_FUZZ_INPUT_H

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "stream.h"

/* The read end, or -1 for an input that does not fit. */
static inline int input_fd(const uint8_t *data, size_t size)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		abort();
	if (size > (size_t)fcntl(p[1], F_GETPIPE_SZ)) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (write_full(p[1], data, size))
		abort();
	close(p[1]);
	return p[0];
}

#endif
