// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the stream reader: any bytes, through the same
 * reader restore and inspect use. Built with -DVFIOMIG_FUZZ, under which
 * the reader computes every checksum but lets a mismatch through, so that
 * mutations reach the field checks, the record walk and the trailer. It
 * must never crash, leak or read out of bounds, and what it accepts must
 * be a stream that ended in a trailer whose counts match its records.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "input.h"
#include "stream.h"
#include "vm.h"

static uint8_t *buf;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream_reader r;
	struct record rec;
	struct chan in;
	uint64_t bytes = 0, records = 0;
	int fd, ret;

	if (!buf)
		buf = malloc(STREAM_MAX_RECORD);
	if (!buf)
		abort();
	fd = input_fd(data, size);
	if (fd < 0)
		return 0;
	chan_plain(&in, NULL, fd, "input");
	if (sr_init(&r, &in))
		abort();
	ret = sr_header(&r);
	while (!ret && (ret = sr_next(&r, &rec, buf, STREAM_MAX_RECORD)) == 1) {
		if (!rec.len || rec.len > STREAM_MAX_RECORD || rec.device ||
		    rec.data_offset != bytes || rec.type != REC_DATA)
			abort();
		bytes += rec.len;
		records++;
	}
	/* Accepted: a trailer ended it, and it counted what the walk saw. */
	if (ret == 0 && (!r.ended || r.data_bytes != bytes || r.records != records))
		abort();
	/* A refusal always says why. */
	if (ret == -VM_E_DATA && !r.why[0])
		abort();
	sr_free(&r);
	close(fd);
	return 0;
}
