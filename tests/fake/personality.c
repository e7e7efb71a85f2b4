/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Personalities: the fake behaves as one in-tree migration driver.
 *
 * A device's config may say personality=NAME; its defaults are set here
 * before the other keys are read, so any key still overrides one of them
 * (size= and precopy= to keep functional runs small). What each driver
 * does was read from its source; the fake.h header lists, per driver, the
 * file and function each behaviour mirrors. Nothing of the drivers' code
 * is here: only what a caller of the uAPI can observe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "fake.h"

#define SC	VFIO_MIGRATION_STOP_COPY
#define P2P	VFIO_MIGRATION_P2P
#define PRE	VFIO_MIGRATION_PRE_COPY

static const char *const names[] = {
	[PERS_MTTY] = "mtty", [PERS_MLX5] = "mlx5",
	[PERS_HISI] = "hisi_acc", [PERS_PDS] = "pds",
	[PERS_VIRTIO] = "virtio", [PERS_QAT] = "qat", [PERS_XE] = "xe",
};

const char *pers_name(int pers)
{
	if (pers < 0 || pers > PERS_XE)
		return "?";
	return names[pers];
}

static void mlx5(struct fake_cfg *c)
{
	c->flags = SC | P2P | PRE;
	c->close_reset = true;		/* mlx5vf_cmd_close_migratable() */
	c->open_running = true;		/* mlx5vf_pci_open_device() */
	c->precopy_end = ENOMSG;	/* mlx5vf_save_read() */
	c->size = 1 << 20;
	c->precopy = 256 << 10;
	c->dirty = 64 << 10;
	c->redirty = 1000000;		/* the firmware always has more */
	c->chunk = 8 << 20;		/* MAX_CHUNK_SIZE */
	c->inflight_ms = 20;		/* an asynchronous SAVE command */
	c->dirty_on_info = true;	/* mlx5vf_precopy_ioctl() */
	c->pollable = true;		/* mlx5vf_save_poll() */
	c->v2 = true;			/* the first user of REINIT */
	c->estimate_left = true;	/* remaining_total_size (chunk mode) */
}

static void hisi(struct fake_cfg *c)
{
	c->flags = SC | PRE;		/* hisi_acc_vfio_pci_migrn_init_dev() */
	c->open_running = true;		/* hisi_acc_vfio_pci_open_device() */
	c->size = 176;			/* sizeof(struct acc_vf_data) */
	c->precopy = HISI_MATCH_SIZE;	/* hisi_acc_vf_pre_copy(): match data */
	c->dirty_none = true;		/* hisi_acc_vf_precopy_ioctl() */
}

static void pds(struct fake_cfg *c)
{
	c->flags = SC | P2P;		/* pds_vfio_init_device() */
	c->open_running = true;		/* pds_vfio_open_device() */
	c->size = 12 << 10;		/* what the firmware reports */
	c->precopy = 0;
	c->estimate = 65536;		/* PDS_LM_DEVICE_STATE_LENGTH */
	c->sticky_error = true;		/* pds_vfio_set_device_state() */
}

static void virtio(struct fake_cfg *c)
{
	c->flags = SC | P2P | PRE;	/* virtiovf_set_migratable() */
	c->open_running = true;		/* virtiovf_open_migration() */
	c->precopy_end = ENOMSG;	/* virtiovf_save_read() */
	c->size = 64 << 10;
	c->precopy = 16 << 10;
	c->dirty = 4 << 10;
	c->redirty = 1000000;
	c->query_ms = 1000;		/* the pre_copy_rl_state ratelimit */
	c->dirty_on_info = true;	/* virtiovf_precopy_ioctl() */
	c->p2p_stop = true;		/* DEV_MODE_F_STOPPED on P2P arcs */
}

static void qat(struct fake_cfg *c)
{
	c->flags = SC | P2P | PRE;	/* qat_vf_pci_init_dev() */
	c->open_running = true;		/* qat_vf_pci_open_device() */
	c->size = 4096;			/* ADF_GEN4_VF_MSTATE_SIZE */
	c->precopy = 512;		/* the setup data */
	c->dirty_none = true;		/* qat_vf_precopy_ioctl() */
	c->p2p_stop = true;		/* qat_vf_pci_step_device_state() */
}

static void xe(struct fake_cfg *c)
{
	c->flags = SC | P2P;		/* xe_vfio_pci_migration_init() */
	c->close_reset = true;		/* xe_vfio_pci_close_device() */
	c->open_running = true;		/* xe_vfio_pci_open_device() */
	c->size = 1 << 20;		/* GBs on real parts: VRAM included */
	c->precopy = 0;
	c->p2p_stop = true;		/* xe_vfio_set_state(): STOP for P2P */
}

int pers_apply(const char *name, struct fake_cfg *cfg)
{
	static void (*const set[])(struct fake_cfg *) = {
		[PERS_MLX5] = mlx5, [PERS_HISI] = hisi, [PERS_PDS] = pds,
		[PERS_VIRTIO] = virtio, [PERS_QAT] = qat, [PERS_XE] = xe,
	};
	int i;

	for (i = 0; i <= PERS_XE; i++) {
		if (strcmp(name, names[i]))
			continue;
		cfg->pers = i;
		if (set[i])
			set[i](cfg);
		return 0;
	}
	return -1;
}
