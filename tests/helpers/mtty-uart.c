// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: put bytes into an mtty port's loopback FIFO, or drain
 * them, through the device's VFIO BAR region. The FIFO is part of the
 * state mtty migrates, so bytes written into one device and read back
 * from another prove that save/restore moved real state.
 *
 *   mtty-uart NODE PORT write TEXT   (at most 16 bytes: the FIFO size)
 *   mtty-uart NODE PORT read         prints what the FIFO holds
 *
 * NODE is the cdev, /dev/vfio/devices/vfioN, or, on kernels without one
 * (before 6.6), the group and the device's name: /dev/vfio/N@UUID. The
 * device must not be open elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../src/lib/compat.h"

#define UART_TX 0
#define UART_RX 0
#define UART_LSR 5
#define UART_LSR_DR 0x01

/* The legacy path: a type1 container, the group, the device by name. */
static int open_group(const char *node)
{
	char group[64];
	const char *at = strchr(node, '@');
	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	int g, fd;

	snprintf(group, sizeof(group), "%.*s", (int)(at - node), node);
	g = open(group, O_RDWR | O_CLOEXEC);
	if (container < 0 || g < 0) {
		perror("mtty-uart: open");
		exit(1);
	}
	if (ioctl(g, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		perror("mtty-uart: setting up the container");
		exit(1);
	}
	fd = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, at + 1);
	if (fd < 0) {
		perror("mtty-uart: VFIO_GROUP_GET_DEVICE_FD");
		exit(1);
	}
	return fd;
}

static int open_device(const char *cdev)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	int iommu = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	int fd = open(cdev, O_RDWR | O_CLOEXEC);

	if (iommu < 0 || fd < 0) {
		perror("mtty-uart: open");
		exit(1);
	}
	bind.iommufd = iommu;
	if (ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		perror("mtty-uart: VFIO_DEVICE_BIND_IOMMUFD");
		exit(1);
	}
	return fd;
}

static off_t bar_offset(int fd, unsigned int port)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri),
		.index = VFIO_PCI_BAR0_REGION_INDEX + port,
	};

	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &ri) || !ri.size) {
		fprintf(stderr, "mtty-uart: no BAR%u region\n", port);
		exit(1);
	}
	return (off_t)ri.offset;
}

static unsigned char reg_read(int fd, off_t bar, int reg)
{
	unsigned char b;

	if (pread(fd, &b, 1, bar + reg) != 1) {
		perror("mtty-uart: pread");
		exit(1);
	}
	return b;
}

int main(int argc, char **argv)
{
	unsigned int port;
	off_t bar;
	int fd;

	if (argc < 4 || (strcmp(argv[3], "write") && strcmp(argv[3], "read")) ||
	    (!strcmp(argv[3], "write") && argc != 5)) {
		fprintf(stderr, "usage: mtty-uart NODE PORT write TEXT | read\n");
		return 64;
	}
	port = (unsigned int)atoi(argv[2]);
	fd = strchr(argv[1], '@') ? open_group(argv[1]) : open_device(argv[1]);
	bar = bar_offset(fd, port);
	if (!strcmp(argv[3], "write")) {
		for (const char *p = argv[4]; *p; p++) {
			if (pwrite(fd, p, 1, bar + UART_TX) != 1) {
				perror("mtty-uart: pwrite");
				return 1;
			}
		}
		return 0;
	}
	while (reg_read(fd, bar, UART_LSR) & UART_LSR_DR)
		putchar(reg_read(fd, bar, UART_RX));
	putchar('\n');
	return 0;
}
