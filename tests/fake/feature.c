/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIO_DEVICE_FEATURE, following vfio_main.c:vfio_ioctl_device_feature()
 * and its per-feature helpers in Linux 6.12, error for error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fake.h"

#define FEAT_HDR	offsetof(struct vfio_device_feature, data)
#define FEAT_GS		(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)

static int feat_unknown(void);
static int checked_noop(const struct fake_cfg *cfg, uint32_t flags,
			size_t argsz, uint32_t ops, size_t minsz);

/* include/linux/vfio.h:vfio_check_feature() */
static int check_feature(uint32_t flags, size_t argsz, uint32_t ops,
			 size_t minsz)
{
	if ((flags & FEAT_GS) & ~ops)
		return -EINVAL;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	if (!(flags & FEAT_GS))
		return -EINVAL;
	if (argsz < minsz)
		return -EINVAL;
	return 1;
}

static int feat_migration(const struct fake_cfg *cfg, uint32_t flags,
			  void *data, size_t argsz)
{
	struct vfio_device_feature_migration *mig = data;
	uint64_t f;
	int ret;

	if (!cfg->migration)
		return -ENOTTY;	/* !device->mig_ops */
	ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET,
			    sizeof(*mig));
	if (ret != 1)
		return ret;
	/* the bug: flags the uAPI does not define */
	mig->flags = bug_u64("mig_flags", &f) ? f : cfg->flags;
	return 0;
}

static int mig_get(const char *name, struct vfio_device_feature_mig_state *mig)
{
	const char *env = getenv("VFIOMIG_FAKE_STATE_ERRNO");
	int lk;

	if (env && *env)
		return -errno_parse(env, EIO);
	lk = dev_lock(name);
	mig->device_state = (uint32_t)state_get(name);
	/* the bug: a GET that races a stop_copy read sees a stale state */
	if (bug_on("get_mid_read") && data_save_midway(name))
		mig->device_state = VFIO_DEVICE_STATE_STOP;
	dev_unlock(lk);
	mig->data_fd = -1;
	return 0;
}

/*
 * vfio_ioctl_device_feature_mig_device_state(): a failed or file-less
 * SET still copies the struct back with data_fd = -1 before returning.
 */
static int feat_mig_state(const char *name, const struct fake_cfg *cfg,
			  uint32_t flags, void *data, size_t argsz)
{
	struct vfio_device_feature_mig_state *mig = data;
	int ret, lk;

	if (!cfg->migration)
		return -ENOTTY;
	ret = check_feature(flags, argsz, FEAT_GS, sizeof(*mig));
	if (ret != 1)
		return ret;
	if (flags & VFIO_DEVICE_FEATURE_GET)
		return mig_get(name, mig);
	lk = dev_lock(name);
	ret = fsm_set_state(name, cfg, (int)mig->device_state);
	dev_unlock(lk);
	mig->data_fd = ret >= 0 ? ret : -1;
	return ret < -1 ? ret : 0;
}

static int feat_data_size(const struct fake_cfg *cfg, uint32_t flags,
			  void *data, size_t argsz)
{
	struct vfio_device_feature_mig_data_size *ds = data;
	uint64_t est;
	int ret;

	if (!cfg->migration)
		return -ENOTTY;
	ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET,
			    sizeof(*ds));
	if (ret != 1)
		return ret;
	/* the bug: an estimate that has nothing to do with the save */
	if (bug_u64("size_estimate", &est))
		ds->stop_copy_length = est;
	else	/* pds: PDS_LM_DEVICE_STATE_LENGTH, whatever the state */
		ds->stop_copy_length = cfg->estimate ? cfg->estimate : cfg->size;
	return 0;
}

/* The opt-in lives while the device is open: .fake/NAME/v2 exists. */
bool v2_opted(const char *name)
{
	char path[PATH_MAX];

	return !dev_file(path, sizeof(path), name, "v2") &&
	       real.access(path, F_OK) == 0;
}

void v2_clear(const char *name)
{
	char path[PATH_MAX];

	if (!dev_file(path, sizeof(path), name, "v2"))
		unlink(path);
}

/*
 * VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2, as the 7.1 core answers it
 * (vfio_ioctl_device_feature_migration_precopy_info_v2()): SET only, no
 * data, EINVAL for a device without PRE_COPY. precopy_info_v2=0 is a
 * kernel without it, where the feature is unknown.
 */
static int feat_precopy_v2(const char *name, const struct fake_cfg *cfg,
			   uint32_t flags, size_t argsz)
{
	char path[PATH_MAX];
	int ret, fd;

	if (!cfg->v2 || !cfg->migration)
		return feat_unknown();
	if (!(cfg->flags & VFIO_MIGRATION_PRE_COPY))
		return -EINVAL;
	ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
	if (ret != 1)
		return ret;
	if (dev_file(path, sizeof(path), name, "v2"))
		return -ENAMETOOLONG;
	fd = real.open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	real.close(fd);
	return 0;
}

/*
 * vfio_ioctl_device_feature_logging_start(): the ranges are checked by
 * the core (page-aligned, no overflow, no overlap is left out: the
 * tests never send one). The device tracks nothing, like
 * mtty_log_start(), but the span of the ranges is kept in
 * .fake/NAME/logging for report_offset: pds before 6.8 tracked one
 * region from the lowest range's start to the highest range's end.
 */
static int feat_log_start(const char *name, const struct fake_cfg *cfg,
			  uint32_t flags, void *data, size_t argsz)
{
	struct vfio_device_feature_dma_logging_control *ctl = data;
	const struct vfio_device_feature_dma_logging_range *r;
	uint64_t lo = UINT64_MAX, hi = 0, end;
	char path[PATH_MAX], line[64];
	int ret, fd;

	if (!cfg->logging)
		return -ENOTTY;	/* !device->log_ops */
	ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET,
			    sizeof(*ctl));
	if (ret != 1)
		return ret;
	if (!ctl->num_ranges)
		return -EINVAL;
	if (ctl->num_ranges > 256)
		return -E2BIG;	/* LOG_MAX_RANGES */
	r = (const void *)(uintptr_t)ctl->ranges;
	for (uint32_t i = 0; i < ctl->num_ranges; i++) {
		if (!ctl->page_size || r[i].iova % ctl->page_size ||
		    r[i].length % ctl->page_size)
			return -EINVAL;
		if (__builtin_add_overflow(r[i].iova, r[i].length, &end))
			return -EOVERFLOW;
		lo = r[i].iova < lo ? r[i].iova : lo;
		hi = end > hi ? end : hi;
	}
	/* vfio_ioctl_device_feature_logging_start(): the interval tree nodes */
	ret = fault_alloc("vfio_ioctl_device_feature_logging_start+0x2f1/0x6d0");
	if (ret)
		return ret;
	/* the bug: the device refuses the tracker (mlx5's message size
	 * on 64K-page hosts before 6.13) */
	if (bug_on("log_start_fails"))
		return -EIO;
	if (dev_file(path, sizeof(path), name, "logging"))
		return -ENAMETOOLONG;
	fd = real.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	snprintf(line, sizeof(line), "%llu %llu\n", (unsigned long long)lo,
		 (unsigned long long)hi);
	ret = real.write(fd, line, strlen(line)) < 0 ? -errno : 0;
	real.close(fd);
	return ret;
}

/* The span START was given, or false when logging is not started. */
static bool log_span(const char *name, uint64_t *lo, uint64_t *hi)
{
	char path[PATH_MAX];
	unsigned long long a, b;
	FILE *f;
	bool ok;

	if (dev_file(path, sizeof(path), name, "logging"))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fscanf(f, "%llu %llu", &a, &b) == 2;
	fclose(f);
	*lo = a;
	*hi = b;
	return ok;
}

static void log_stop(const char *name)
{
	char path[PATH_MAX];

	if (!dev_file(path, sizeof(path), name, "logging"))
		unlink(path);
}

/*
 * vfio_ioctl_device_feature_logging_report() and the iova_bitmap: the
 * device dirtied nothing (mtty_log_read_and_clear()), so no bit of the
 * caller's bitmap is touched. Two bugs of the corpus:
 *   report_offset  pds before 6.8: the range is checked against the
 *       tracked region's size from IOVA 0, not from its start: a range
 *       ending past that size is EINVAL.
 *   report_overrun  the bitmap handled as unsigned longs, not bytes (the
 *       iova_bitmap before 6.8's u8 array and bounds fixes): every
 *       aligned 8-byte word holding a byte of the bitmap is written,
 *       the bytes around an unaligned bitmap included.
 */
static int feat_log_report(const char *name, const struct fake_cfg *cfg,
			   uint32_t flags, void *data, size_t argsz)
{
	struct vfio_device_feature_dma_logging_report *rep = data;
	uint64_t lo, hi, end, bits, first, last;
	int ret;

	ret = checked_noop(cfg, flags, argsz, VFIO_DEVICE_FEATURE_GET,
			   sizeof(*rep));
	if (ret || (flags & VFIO_DEVICE_FEATURE_PROBE))
		return ret;
	if (rep->page_size < 4096 || (rep->page_size & (rep->page_size - 1)))
		return -EINVAL;
	if (__builtin_add_overflow(rep->iova, rep->length, &end))
		return -EOVERFLOW;
	/* the core's iova_bitmap_alloc() */
	ret = fault_alloc("iova_bitmap_alloc+0x7c/0x3a0");
	if (ret)
		return ret;
	/* the bug: the device cannot give its dirty bitmap */
	if (bug_on("log_report_fails"))
		return -EIO;
	if (bug_on("report_offset") && log_span(name, &lo, &hi) &&
	    rep->iova + rep->length > hi - lo)
		return -EINVAL;
	bits = rep->length / rep->page_size;
	if (bug_on("report_overrun") && bits) {
		first = rep->bitmap & ~7ULL;
		last = (rep->bitmap + (bits + 7) / 8 + 7) & ~7ULL;
		memset((void *)(uintptr_t)first, 0, (size_t)(last - first));
	}
	return 0;
}

/* For features whose GET/SET has nothing to do once checked. */
static int checked_noop(const struct fake_cfg *cfg, uint32_t flags,
			size_t argsz, uint32_t ops, size_t minsz)
{
	int ret;

	if (!cfg->logging)
		return -ENOTTY;	/* !device->log_ops */
	ret = check_feature(flags, argsz, ops, minsz);
	return ret == 1 ? 0 : ret;
}

/*
 * A feature nobody knows: vfio_pci_core_ioctl_feature() says -ENOTTY, and
 * so does the core for mtty, which has no device_feature op, since "vfio:
 * return -ENOTTY for unsupported device feature" (6.18, 6.12.58,
 * 6.1.159); before it, -EINVAL. The fake follows the release it stands
 * for (kernel.c); VFIOMIG_FAKE_UNKNOWN_FEATURE=einval|enotty overrides,
 * and the bug unknown_feature_einval is a release that claims the change
 * without it.
 */
static int feat_unknown(void)
{
	static const int enotty[][3] = { { 6, 12, 58 }, { 6, 1, 159 }, { 0 } };
	const char *env = getenv("VFIOMIG_FAKE_UNKNOWN_FEATURE");

	if (bug_on("unknown_feature_einval"))
		return -EINVAL;
	if (env && *env)
		return strcasecmp(env, "enotty") ? -EINVAL : -ENOTTY;
	return fake_kernel_has(6, 18, enotty) ? -ENOTTY : -EINVAL;
}

int device_feature(const char *name, void *arg)
{
	struct vfio_device_feature *f = arg;
	struct fake_cfg cfg;
	size_t argsz;

	if (!f)
		return -EFAULT;
	if (f->argsz < FEAT_HDR)
		return -EINVAL;
	if (f->flags & ~(VFIO_DEVICE_FEATURE_MASK | FEAT_GS |
			 VFIO_DEVICE_FEATURE_PROBE))
		return -EINVAL;
	if (!(f->flags & VFIO_DEVICE_FEATURE_PROBE) &&
	    (f->flags & FEAT_GS) == FEAT_GS)
		return -EINVAL;
	if (cfg_load(name, &cfg))
		return -ENODEV;
	argsz = f->argsz - FEAT_HDR;

	switch (f->flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_MIGRATION:
		return feat_migration(&cfg, f->flags, f->data, argsz);
	case VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
		return feat_mig_state(name, &cfg, f->flags, f->data, argsz);
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_START:
		return feat_log_start(name, &cfg, f->flags, f->data, argsz);
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
		if (bug_on("log_stop_fails") && !(f->flags & VFIO_DEVICE_FEATURE_PROBE))
			return -EIO;
		if (!(f->flags & VFIO_DEVICE_FEATURE_PROBE))
			log_stop(name);
		return checked_noop(&cfg, f->flags, argsz,
				    VFIO_DEVICE_FEATURE_SET, 0);
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
		return feat_log_report(name, &cfg, f->flags, f->data, argsz);
	case VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
		return feat_data_size(&cfg, f->flags, f->data, argsz);
	case VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2:
		return feat_precopy_v2(name, &cfg, f->flags, argsz);
	default:
		return feat_unknown();
	}
}
