/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Data fds received over unix sockets (SCM_RIGHTS).
 *
 * The kernel passes the file itself, so a data fd sent to another
 * process is the same session there. The receiver's fd table knows
 * nothing of it, though, and its read()s would see the raw session file:
 * every fd that recvmsg() or recvmmsg() delivers is therefore looked at
 * and, if it is a session file, registered as the data fd it is.
 *
 * Only data fds are recognised. A device, group, container, iommufd or
 * cdev fd that is passed stays a plain fd on its node file: answering it
 * would need the owner's locks and table entry to travel too, and
 * vfiomig's holder only passes data fds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake.h"

/*
 * A data fd that cannot be set up must not reach the caller as a raw
 * file: drop it and the rest, as the kernel drops the fds it cannot
 * install, and say so with MSG_CTRUNC. SCM_RIGHTS comes last.
 */
static void truncate_rights(struct msghdr *msg, struct cmsghdr *cm,
			    int *fds, size_t from, size_t n, int err)
{
	size_t i;

	fprintf(stderr, "libvfiofake: received data fd %d: %s\n", fds[from],
		strerror(err));
	for (i = from; i < n; i++)
		fdtab_drop(fds[i]);
	cm->cmsg_len = CMSG_LEN(from * sizeof(int));
	msg->msg_controllen = (size_t)((char *)cm - (char *)msg->msg_control) +
			      cm->cmsg_len;
	msg->msg_flags |= MSG_CTRUNC;
}

static void adopt_rights(struct msghdr *msg, struct cmsghdr *cm)
{
	int *fds = (int *)CMSG_DATA(cm);
	size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int), i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = data_adopt(fds[i]);
		if (ret < 0) {
			truncate_rights(msg, cm, fds, i, n, -ret);
			return;
		}
	}
}

static void adopt(struct msghdr *msg)
{
	struct cmsghdr *cm;
	int err = errno;

	if (!fake_root || !msg->msg_control || !msg->msg_controllen)
		return;
	fdtab_lock();
	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS)
			adopt_rights(msg, cm);
	fdtab_unlock();
	errno = err;
}

FAKE_EXPORT ssize_t recvmsg(int sock, struct msghdr *msg, int flags)
{
	ssize_t n;

	fake_init();
	n = real.recvmsg(sock, msg, flags);
	if (n >= 0)
		adopt(msg);
	return n;
}

FAKE_EXPORT int recvmmsg(int sock, struct mmsghdr *vec, unsigned int vlen,
			 int flags, struct timespec *timeout)
{
	int n, i;

	fake_init();
	n = real.recvmmsg(sock, vec, vlen, flags, timeout);
	for (i = 0; i < n; i++)
		adopt(&vec[i].msg_hdr);
	return n;
}
