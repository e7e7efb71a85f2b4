/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Self-test of libvfiofake.so; run by selftest.sh under LD_PRELOAD with a
 * fake root that script built. It uses only the uAPI, like vfiomig does.
 *
 * The FSM expectations are not the fake's table: they are the paths
 * spelled out in the comment above vfio_mig_get_next_state() (Linux 6.12,
 * drivers/vfio/vfio_main.c), with states the device does not support
 * dropped from the path.
 *
 * The library is built from every .c file here, this one included, so the
 * test only exists when compiled with -DVFIOFAKE_SELFTEST.
 */
#ifdef VFIOFAKE_SELFTEST
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include "compat.h"

static int passed, failed;
static bool drivers_only;
static const char *root, *trace_path;

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static const char *const names[8] = {
	"ERROR", "STOP", "RUNNING", "STOP_COPY",
	"RESUMING", "RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P",
};

/* ---- uAPI helpers ---- */

struct feat {
	struct vfio_device_feature hdr;
	union {
		struct vfio_device_feature_mig_state mig;
		struct vfio_device_feature_migration migration;
		struct vfio_device_feature_mig_data_size size;
		__u8 raw[64];
	};
};

static int feature(int fd, __u32 flags, struct feat *f, size_t datasz)
{
	f->hdr.argsz = (__u32)(sizeof(f->hdr) + datasz);
	f->hdr.flags = flags;
	return ioctl(fd, VFIO_DEVICE_FEATURE, f);
}

/* SET the state; returns 0/-errno, *data_fd gets what came back. */
static int set_state(int dev, int state, int *data_fd)
{
	struct feat f = { .mig = { .device_state = (__u32)state,
				   .data_fd = 1234 } };
	int ret;

	ret = feature(dev, VFIO_DEVICE_FEATURE_SET |
		      VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &f, sizeof(f.mig));
	if (data_fd)
		*data_fd = f.mig.data_fd;
	else if (f.mig.data_fd >= 0)
		close(f.mig.data_fd);
	return ret ? -errno : 0;
}

static int get_state(int dev)
{
	struct feat f = { 0 };

	if (feature(dev, VFIO_DEVICE_FEATURE_GET |
		    VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &f, sizeof(f.mig)))
		return -errno;
	return (int)f.mig.device_state;
}

/* The debugfs witness, read through the trapped /sys path. */
static const char *witness(const char *name)
{
	static char buf[64];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/vfio/%s/migration/state", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return "?";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n - 1 : 0] = '\0';
	return buf;
}

static int container_with(int group)
{
	int c = open("/dev/vfio/vfio", O_RDWR);

	if (c < 0 || ioctl(group, VFIO_GROUP_SET_CONTAINER, &c) ||
	    ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -1;
	return c;
}

/* Group path: returns the device fd; *gfd and *cfd stay open. */
static int open_device(const char *group, const char *name, int *gfd,
		       int *cfd)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	*gfd = open(path, O_RDWR);
	if (*gfd < 0)
		return -1;
	*cfd = container_with(*gfd);
	return ioctl(*gfd, VFIO_GROUP_GET_DEVICE_FD, name);
}

static void close3(int a, int b, int c)
{
	close(a);
	close(b);
	close(c);
}

static ssize_t read_all(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len && (n = read(fd, buf + got, len - got)) > 0)
		got += (size_t)n;
	return (ssize_t)got;
}

#include "selftest-fsm.inc"
#include "selftest-cases.inc"
#include "selftest-data.inc"
#include "selftest-bugs.inc"
#include "selftest-pass.inc"
#include "selftest-drivers.inc"

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s TRACEFILE [--small] [--big-backing] "
			"[--drivers]\n", argv[0]);
		return 2;
	}
	trace_path = argv[1];
	for (i = 2; i < argc; i++) {
		small_only |= !strcmp(argv[i], "--small");
		big_backing |= !strcmp(argv[i], "--big-backing");
		drivers_only |= !strcmp(argv[i], "--drivers");
	}
	root = getenv("VFIOMIG_FAKE_ROOT");
	setenv("VFIOMIG_FAKE_TRACE", trace_path, 1);
	setvbuf(stdout, NULL, _IONBF, 0);

	if (drivers_only) {
		test_drivers();
		printf("%d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	test_paths();
	test_group();
	test_cdev();
	test_features();
	test_fsm_tables();
	test_faults();
	test_data();
	test_close();
	test_busy_process();
	test_env();
	test_datafd();
	test_bugs();
	test_passfd();
	test_drivers();

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
#endif /* VFIOFAKE_SELFTEST */
