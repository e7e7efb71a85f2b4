/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Client and server sides of the holder (see holder-proto.h). */
#ifndef VFIOMIG_HOLDER_H
#define VFIOMIG_HOLDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "device.h"
#include "holder-proto.h"

/* The directory of holder sockets: the command's (x->run_dir, from
 * $VFIOMIG_RUNDIR) or /run/vfiomig. */
const char *holder_dir(const struct vm_ctx *x);
void holder_sock_path(const struct vm_ctx *x, const char *name, char *buf, size_t len);

/* A SOCK_SEQPACKET connection to path: the fd or -errno. */
int hold_connect(const char *path);

/*
 * What both ends trust (holder-dir.c): root, or the user asking (me).
 * The checks return 0, or -EACCES with why saying what is wrong.
 */
bool hold_uid_trusted(uid_t owner, uid_t me);
/* dfd: the run directory; owned by a trusted uid, no group/other write. */
int hold_dir_check(int dfd, uid_t me, char *why, size_t len);
/* st: the socket's inode (lstat); a socket owned by a trusted uid. */
int hold_sock_check(const struct stat *st, uid_t me, char *why, size_t len);
/*
 * Lock NAME.lock in the run directory dfd, retrying for up to wait_ms
 * while another process has it. Returns the lock's fd, -EWOULDBLOCK
 * when it stayed taken, or -errno. hold_unlock() removes the lock file
 * (while still holding it) and closes fd.
 */
int hold_lock(int dfd, const char *name, int wait_ms);
void hold_unlock(int dfd, const char *name, int fd);

/*
 * The holder backend's open: connect to the holder of this device, if
 * there is one. Returns 1 with d open through it, 0 when nobody holds it
 * (a stale socket left by a dead holder is removed), or a negative code
 * with why set.
 */
int holder_open(const struct vm_ctx *x, const struct devinfo *di, struct vdev *d,
		struct reason *why);
/* One request/response; *fd receives a passed data_fd or -1. */
int holder_call(struct vdev *d, uint16_t op, uint32_t arg0, uint32_t arg1,
		struct hold_resp *resp, int *fd);

/* Messages on the wire, shared by both sides. */
int hold_send(int sock, const void *msg, size_t len, int fd);
/* Returns the byte count (a size other than expected is the caller's to
 * refuse), 0 at EOF, or -errno; *fd gets a passed fd or -1. */
ssize_t hold_recv(int sock, void *msg, size_t len, int *fd);

/*
 * The checks of what arrives (holder-check.c): n bytes received, a
 * request the server may carry out, an answer to op the client may use.
 */
bool hold_req_valid(const void *msg, ssize_t n);
bool hold_resp_valid(const void *msg, ssize_t n, uint16_t op);

#endif
