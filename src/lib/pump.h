/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Moving device data: from a data_fd into stream records (save), and
 * from stream records into a data_fd (restore), with progress, byte
 * counts and the interruption flag checked between transfers.
 */
#ifndef VFIOMIG_PUMP_H
#define VFIOMIG_PUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stream.h"

struct progress {
	bool on;
	uint64_t expected; /* 0 when unknown */
	uint64_t done;
	double start, last;
	uint64_t stop_at;  /* end the pass (END_LIMIT) once done reaches it; 0: never */
	const char *name;  /* the device, for PROGRESS events; NULL: none */
};

void progress_init(struct progress *p, bool on, uint64_t expected);
/* Terminal and PROGRESS events at most every 0.2 s; progress_end()
 * gives the last of both. */
void progress_add(struct progress *p, uint64_t n);
void progress_end(struct progress *p);

/* How a read of the data_fd ended. */
enum pump_end {
	END_EOF,       /* read() == 0: the end (stop-copy) or a pause (pre-copy) */
	END_ENOMSG,    /* pre-copy: no data for now (mlx5, virtio) */
	END_EAGAIN,    /* pre-copy with O_NONBLOCK */
	END_LIMIT,     /* not an end: progress.stop_at was reached */
};

const char *pump_end_name(enum pump_end e);

/*
 * A buffer for the pump, or for records on their way to a device: page
 * aligned, because the kernel's copy to or from a buffer 16 bytes past a
 * page boundary (where malloc puts large blocks) measured 25% slower.
 * NULL when out of memory; free() it.
 */
void *pump_buf(size_t len);

/*
 * Read data_fd until it ends (precopy: also on ENOMSG/EAGAIN), writing
 * records of up to cap bytes through w. Returns 0, or -errno with *where
 * "read" or "write" saying which side failed.
 */
int pump_save(int data_fd, struct stream_writer *w, uint32_t phase, bool precopy,
	      uint8_t *buf, size_t cap, struct progress *p, enum pump_end *end,
	      const char **where);

#endif
