/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvfiofake: an LD_PRELOAD fake of the VFIO uAPI for tests.
 *
 * Paths under /sys/, /dev/vfio/ and /dev/iommu are redirected into
 * $VFIOMIG_FAKE_ROOT, and ioctl()s on the fake nodes are answered the way
 * the Linux 6.12 VFIO core (drivers/vfio/vfio_main.c, group.c,
 * device_cdev.c) and the mtty sample driver answer them.
 *
 * Environment, read at each call:
 *   VFIOMIG_FAKE_ROOT=/abs/dir       enables the fake (else pass-through)
 *   VFIOMIG_FAKE_FAIL=FROM>TO[:ERRNO][:error],...  fail a driver arc
 *   VFIOMIG_FAKE_EBUSY=1             group open and cdev bind are EBUSY
 *   VFIOMIG_FAKE_EPERM=1             opening /dev/vfio/ nodes is EACCES
 *   VFIOMIG_FAKE_STATE_ERRNO=ERRNO   MIG_DEVICE_STATE GET fails
 *   VFIOMIG_FAKE_UNKNOWN_FEATURE=enotty|einval  unknown feature answer
 *   VFIOMIG_FAKE_TRACE=FILE          append "NAME FROM>TO" per driver arc
 */
#ifndef VFIOFAKE_H
#define VFIOFAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>

#include "compat.h"

/*
 * Only the libc wrappers may be visible: the library is preloaded, so any
 * other global of ours could bind to a same-named symbol of vfiomig (or
 * capture its references), whichever way round the lookup goes.
 */
#pragma GCC visibility push(hidden)
#define FAKE_EXPORT __attribute__((visibility("default")))

#define FAKE_NAME_MAX	128
#define FAKE_NSTATES	8	/* ERROR .. PRE_COPY_P2P */

/* ---- paths.c: root, path rewriting and the real libc functions ---- */
struct real_fns {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*close)(int);
	int (*ioctl)(int, unsigned long, ...);
	int (*stat)(const char *, struct stat *);
	int (*lstat)(const char *, struct stat *);
	int (*fstatat)(int, const char *, struct stat *, int);
	int (*access)(const char *, int);
	ssize_t (*readlink)(const char *, char *, size_t);
	char *(*realpath)(const char *, char *);
	DIR *(*opendir)(const char *);
};

extern struct real_fns real;
extern const char *fake_root;		/* NULL: the fake is disabled */

void fake_init(void);
bool fake_trapped(const char *path);
/* Rewrite @path into @buf when trapped; returns the path to use. */
const char *fake_path(const char *path, char *buf, size_t len);
/* Build "$ROOT/<fmt>" into @buf; returns -1 on overflow. */
int fake_rootf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- nodes.c: opening the fake device nodes ---- */
int fake_open_node(const char *path, const char *real_path, int flags,
		   mode_t mode);
int fake_trylock(const char *file, int how, bool cloexec);

/* ---- fdtab.c: per-process table of fake file descriptors ---- */
enum fake_kind {
	FK_NONE,
	FK_CONTAINER,	/* /dev/vfio/vfio */
	FK_GROUP,	/* /dev/vfio/N */
	FK_IOMMUFD,	/* /dev/iommu */
	FK_DEVICE,	/* from VFIO_GROUP_GET_DEVICE_FD */
	FK_CDEV,	/* /dev/vfio/devices/vfioN */
	FK_SAVE,	/* saving data_fd */
	FK_RESUME,	/* resuming data_fd */
};

struct fake_fd {
	enum fake_kind kind;
	char name[FAKE_NAME_MAX];	/* device name or group number */
	int lock_fd;		/* flock held while this fd lives, or -1 */
	int lock_fd2;		/* second lock (cdev bind), or -1 */
	int container;		/* group: attached container/iommufd fd */
	bool iommu_set;		/* container: SET_IOMMU done */
	int groups;		/* container: attached groups */
	bool bound;		/* cdev: BIND_IOMMUFD done */
	dev_t st_dev;		/* identity of the file behind the fd, */
	ino_t st_ino;		/* to notice a close we did not see */
};

struct fake_fd *fdtab_get(int fd);
struct fake_fd *fdtab_add(int fd, enum fake_kind kind, const char *name);
void fdtab_lock(void);
void fdtab_unlock(void);
int fdtab_device_opens(const char *name);

/* ---- state.c: persistent per-device state and configuration ---- */
struct fake_cfg {
	bool migration;		/* false: no mig_ops at all */
	uint32_t flags;		/* VFIO_MIGRATION_* */
	bool close_reset;
	bool logging;
	bool mdev;
	uint64_t size;
	uint64_t precopy;
	char group[32];
};

int cfg_load(const char *name, struct fake_cfg *cfg);
int dev_lock(const char *name);		/* returns lock fd or -1 */
void dev_unlock(int lock_fd);
int state_get(const char *name);
void state_put(const char *name, int state);
int dev_file(char *buf, size_t len, const char *name, const char *file);
const char *state_name(int state);
int state_parse(const char *s);
int errno_parse(const char *s, int def);

/* ---- fsm.c: the kernel's next-hop table and the driver steps ---- */
int fsm_next_state(uint32_t flags, int cur, int new, int *next);
/* Returns a new data fd, -1 for none, or -errno. Caller holds dev_lock. */
int fsm_set_state(const char *name, const struct fake_cfg *cfg, int new);
void fsm_reset(const char *name);

/* ---- datafd.c: migration data sessions ---- */
int data_save_open(const char *name, const struct fake_cfg *cfg,
		   bool stop_copy);
int data_save_finish(const char *name, const struct fake_cfg *cfg);
bool data_save_exists(const char *name);
int data_resume_open(const char *name);
int data_resume_load(const char *name, const struct fake_cfg *cfg);
void data_disable(const char *name);
int data_ioctl(struct fake_fd *e, int fd, unsigned long req, void *arg);

/* ---- ioctl.c / feature.c ---- */
int device_ioctl(struct fake_fd *e, unsigned long req, void *arg);
int device_feature(const char *name, void *arg);
void device_opened(const char *name);
void device_closed(const char *name);

#endif /* VFIOFAKE_H */
