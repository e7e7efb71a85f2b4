/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Moving device data, one pipeline per direction, for every command that
 * moves it: pump_save() reads a data_fd into stream records (save,
 * migrate), pump_load() writes stream records (or raw bytes) into a
 * data_fd (restore, receive). Both count bytes, report progress through
 * the observer, end on the cancellation, and say where a failure came
 * from; pump_why() is the one classifier from that to a code and words.
 */
#ifndef VFIOMIG_PUMP_H
#define VFIOMIG_PUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "reason.h"
#include "stream.h"

/* One device's data so far, reported at most five times a second. */
struct progress {
	const struct vm_ctx *x;
	const char *name;  /* the device */
	uint64_t expected; /* 0 when unknown */
	uint64_t done;
	double start, last;
	uint64_t stop_at;  /* end the pass (END_LIMIT) once done reaches it; 0: never */
};

void progress_init(struct progress *p, const struct vm_ctx *x, const char *name,
		   uint64_t expected);
void progress_add(struct progress *p, uint64_t n);
/* The last report, always made. */
void progress_end(struct progress *p);

/* How a read of the data_fd ended. */
enum pump_end {
	END_NONE,      /* not yet */
	END_EOF,       /* read() == 0: the end (stop-copy) or a pause (pre-copy) */
	END_ENOMSG,    /* pre-copy: no data for now (mlx5, virtio) */
	END_EAGAIN,    /* pre-copy with O_NONBLOCK */
	END_LIMIT,     /* not an end: progress.stop_at was reached */
};

const char *pump_end_name(enum pump_end e);

/*
 * A buffer for the pump: page aligned, because the kernel's copy to or
 * from a buffer 16 bytes past a page boundary (where malloc puts large
 * blocks) measured 25% slower. NULL when out of memory; free() it.
 */
void *pump_buf(size_t len);

struct pump {
	const struct vm_ctx *x;
	int data_fd;
	struct stream_writer *w;  /* save: records out */
	struct stream_reader *r;  /* load: records in; NULL: raw bytes from in */
	struct chan *in;          /* load, raw */
	uint8_t *buf;             /* pump_buf() */
	bool offload;             /* save: a second core digests the records,
				   * in a second buffer of cap (hasher.h) */
	size_t cap;               /* its size (load: STREAM_MAX_RECORD) */
	struct progress *prog;
	/* load: after each piece the device took (the caller's counters). */
	void (*took)(void *arg, uint32_t phase, size_t len);
	void *arg;
	/* What happened: */
	enum pump_end end;        /* save: how the last read ended */
	uint64_t bytes, records;  /* load: into the device */
	double dev_secs;          /* in the data_fd's read()s or write()s: what
				   * the device itself took for its data */
	bool framed;              /* load, raw: the input starts as a stream does */
	enum origin from;         /* a failure's origin (reason.h) */
	int err;                  /* its -errno, or -VM_E_DATA for a stream defect */
};

/*
 * Read data_fd until it ends (precopy: also on ENOMSG/EAGAIN, or at
 * prog->stop_at), as records of phase. 0, or the failure's code with
 * from and err set: FROM_DEVICE (a read), FROM_OUTPUT (writing the
 * stream), FROM_SIGNAL.
 */
int pump_save(struct pump *p, uint32_t phase, bool precopy);
/*
 * The stream (or, without r, the raw bytes of in) into data_fd, each
 * record only after its checksum matched, to a verified trailer. 0, or
 * the failure's code: FROM_DEVICE (the driver refused a write),
 * FROM_INPUT (reading the stream, or a defect in it), FROM_SIGNAL.
 */
int pump_load(struct pump *p);

/*
 * The words for a failure of p, "WHO: ...", added to why, and the code
 * a command exits by: interrupted, the device's read error as it is, a
 * write the driver refused or a stream defect as bad data, the input or
 * the output as an I/O error.
 */
int pump_why(const struct pump *p, const char *who, struct reason *why);

#endif
