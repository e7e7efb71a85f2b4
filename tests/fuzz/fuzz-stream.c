// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the stream reader: any bytes, fed through the same
 * fd-based reader restore and inspect use. It must never crash, leak, read
 * out of bounds or accept a stream whose checksums do not hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stream.h"

static uint8_t *buf;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream_reader r;
	struct record rec;
	struct chan in;
	int fd, ret;

	if (!buf)
		buf = malloc(STREAM_MAX_RECORD);
	fd = memfd_create("stream", MFD_CLOEXEC);
	if (fd < 0 || !buf)
		abort();
	if (write_full(fd, data, size) || lseek(fd, 0, SEEK_SET))
		abort();
	chan_plain(&in, fd, "input");
	if (sr_init(&r, &in))
		abort();
	ret = sr_header(&r);
	while (!ret && (ret = sr_next(&r, &rec, buf, STREAM_MAX_RECORD)) == 1)
		if (rec.len > STREAM_MAX_RECORD)
			abort();
	/* A stream the reader accepts has a trailer that matched. */
	if (ret == 0 && !r.ended && size)
		abort();
	sr_free(&r);
	close(fd);
	return 0;
}
