// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DMA logging at the edges (dma.logging.edges): START over three ranges
 * away from IOVA 0, then REPORTs of a whole range, a sub-range, the last
 * page of a range and bitmaps that are not word-aligned or cross a page,
 * each bitmap between guard bytes. The device is idle (reset, no guest),
 * so every REPORT must succeed, set no bit and write nothing beside its
 * bitmap. Made for pds_vfio_dirty_sync() before 6.8 (a range checked from
 * IOVA 0, not from the tracked region's start) and the iova_bitmap fixes
 * of 6.2 to 6.12 (unaligned bitmaps, bounds, page offsets).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "device.h"
#include "log.h"
#include "vfio.h"

#define GUARD 16
#define GUARD_BYTE 0xa5

/* {iova, length}: 1 MiB at 256 MiB, 2 MiB at 1 GiB, 64 KiB at 4 GiB */
static const uint64_t ranges[3][2] = {
	{ 0x10000000ull, 1ull << 20 },
	{ 0x40000000ull, 2ull << 20 },
	{ 0x100000000ull, 64ull << 10 },
};

struct edge {
	const char *what;
	int range;
	long first;             /* in pages; -1: the range's last page */
	uint64_t pages;         /* 0: to the range's end */
	long at;                /* the bitmap's offset in its page, -N: N
				   bytes before the page's end */
};

static const struct edge edges[] = {
	{ "the whole first range", 0, 0, 0, GUARD },
	{ "5 pages 3 pages into the second range", 1, 3, 5, GUARD },
	{ "the last page of the third range", 2, -1, 1, GUARD },
	{ "the first range, bitmap 3 bytes into a word", 0, 0, 0, GUARD + 3 },
	{ "the second range, bitmap across a page boundary", 1, 0, 0, -5 },
};

/* One REPORT with guard bytes around its bitmap: NULL, or what failed. */
static const char *report(struct check_ctx *c, const struct edge *e,
			  uint64_t page, int *err, char *why, size_t len)
{
	uint64_t all = ranges[e->range][1] / page;
	uint64_t first = e->first < 0 ? all - 1 : (uint64_t)e->first;
	uint64_t pages = e->pages ? e->pages : all - first;
	size_t bytes = (size_t)((pages + 63) / 64 * 8), size = 8192 + bytes + 64;
	uint8_t *buf = NULL, *bm;
	size_t off;

	if (posix_memalign((void **)&buf, 4096, size))
		return "no memory for the bitmap";
	off = e->at >= 0 ? (size_t)e->at : (size_t)(4096 + e->at);
	bm = buf + off;
	memset(buf, GUARD_BYTE, size);
	memset(bm, 0, bytes);
	*err = vfio_dma_log_report(c->s.d.fd, ranges[e->range][0] + first * page,
				   pages * page, page, (uint64_t *)bm);
	why[0] = '\0';
	if (*err)
		snprintf(why, len, "REPORT of %s: %s", e->what, check_errname(*err));
	for (size_t i = 0; i < bytes && !why[0]; i++)
		if (bm[i])
			snprintf(why, len, "REPORT of %s on an idle device set bit "
				 "%zu", e->what, i * 8 + __builtin_ctz(bm[i]));
	/* from the farthest byte: the first one changed says how many */
	for (size_t i = GUARD; i >= 1 && !why[0]; i--)
		if (bm[-(long)i] != GUARD_BYTE)
			snprintf(why, len, "REPORT of %s wrote %zu byte%s before its "
				 "%zu-byte bitmap", e->what, i, i > 1 ? "s" : "", bytes);
	for (size_t i = GUARD; i >= 1 && !why[0]; i--)
		if (bm[bytes + i - 1] != GUARD_BYTE)
			snprintf(why, len, "REPORT of %s wrote %zu byte%s after its "
				 "%zu-byte bitmap", e->what, i, i > 1 ? "s" : "", bytes);
	free(buf);
	return why[0] ? why : NULL;
}

static const char *skip_why(struct check_ctx *c)
{
	if (c->s.d.path == PATH_HOLDER)
		return "held by vfiomig hold";
	if (vdev_probe(&c->s.d, VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
		       VFIO_DEVICE_FEATURE_SET))
		return "no DMA logging (PROBE)";
	if (check_failed(c, "dma.logging"))
		return "needs DMA logging that starts and stops (dma.logging)";
	return NULL;
}

void check_dirty_edges(struct check_ctx *c)
{
	const char *rule = "dma.logging.edges", *skip = skip_why(c), *bad = NULL;
	uint64_t page = 4096;
	char why[200];
	size_t i;
	int r, err = 0;

	if (skip) {
		check_add(c, rule, CK_SKIP, "%s", skip);
		return;
	}
	check_risky(c, rule);
	r = vfio_dma_log_start_ranges(c->s.d.fd, ranges, 3, &page);
	if (r) {
		check_add(c, rule, CK_FAIL, "DMA_LOGGING_START of 3 ranges: %s",
			  errstr(r));
		return;
	}
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]) && !bad; i++)
		bad = report(c, &edges[i], page, &err, why, sizeof(why));
	r = vfio_dma_log_stop(c->s.d.fd);
	if (bad && i == 1 && err == -EOPNOTSUPP)
		check_add(c, rule, CK_SKIP, "REPORT: EOPNOTSUPP: this kernel has no "
			  "IOVA bitmaps (CONFIG_IOMMUFD_DRIVER unset)");
	else if (bad)
		check_add(c, rule, CK_FAIL, "%s", bad);
	else if (r)
		check_add(c, rule, CK_FAIL, "DMA_LOGGING_STOP: %s", errstr(r));
	else
		check_add(c, rule, CK_PASS, "3 ranges from 256 MiB to 4 GiB (page "
			  "size %llu); %zu REPORTs (sub-range, last page, unaligned "
			  "bitmaps): no bit set, no byte beside a bitmap written",
			  (unsigned long long)page, i);
}
