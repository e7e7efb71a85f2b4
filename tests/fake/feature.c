/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIO_DEVICE_FEATURE, following vfio_main.c:vfio_ioctl_device_feature()
 * and its per-feature helpers in Linux 6.12, error for error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fake.h"

#define FEAT_HDR	offsetof(struct vfio_device_feature, data)
#define FEAT_GS		(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)

static int feat_unknown(void);

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

static int feat_log_start(const struct fake_cfg *cfg, uint32_t flags,
			  void *data, size_t argsz)
{
	struct vfio_device_feature_dma_logging_control *ctl = data;
	int ret;

	if (!cfg->logging)
		return -ENOTTY;	/* !device->log_ops */
	ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET,
			    sizeof(*ctl));
	if (ret != 1)
		return ret;
	if (!ctl->num_ranges)
		return -EINVAL;
	return 0;	/* like mtty_log_start(): nothing to track */
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
 * Every 6.12 driver answers -ENOTTY for a feature it does not know
 * (vfio_pci_core_ioctl_feature(), mtty has no device_feature op); the
 * default of -EINVAL and the switch are the contract of the test suite.
 */
static int feat_unknown(void)
{
	const char *env = getenv("VFIOMIG_FAKE_UNKNOWN_FEATURE");

	if (env && !strcasecmp(env, "enotty"))
		return -ENOTTY;
	return -EINVAL;
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
		return feat_log_start(&cfg, f->flags, f->data, argsz);
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
		if (bug_on("log_stop_fails") && !(f->flags & VFIO_DEVICE_FEATURE_PROBE))
			return -EIO;
		return checked_noop(&cfg, f->flags, argsz,
				    VFIO_DEVICE_FEATURE_SET, 0);
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
		/* mtty reports nothing dirty; the bitmap is left alone */
		return checked_noop(&cfg, f->flags, argsz,
				    VFIO_DEVICE_FEATURE_GET,
				    sizeof(struct vfio_device_feature_dma_logging_report));
	case VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
		return feat_data_size(&cfg, f->flags, f->data, argsz);
	case VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2:
		return feat_precopy_v2(name, &cfg, f->flags, argsz);
	default:
		return feat_unknown();
	}
}
