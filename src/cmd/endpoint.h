/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a stream comes from or goes to: a file, stdin/stdout as "-", or
 * a network endpoint (tcp://HOST:PORT, unix:PATH): save connects to it,
 * restore listens there for one authenticated peer.
 *
 * Files are replaced, never damaged: a regular file (or a name that does
 * not exist yet) is written to a temporary in the same directory, which
 * endpoint_commit() renames over it once complete. Until then, and on any
 * failure, the old file is untouched; closing an uncommitted output
 * removes the temporary. A FIFO or character device has nothing to
 * replace and is written directly.
 */
#ifndef VFIOMIG_ENDPOINT_H
#define VFIOMIG_ENDPOINT_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "chan.h"
#include "net.h"

/* A file being replaced. Both names are "" when written directly. */
struct ep_file {
	char target[PATH_MAX]; /* what endpoint_file_commit() replaces */
	char temp[PATH_MAX];   /* "" again once renamed or removed */
};

/* Open path for writing as above: an fd, or -errno (nothing printed).
 * A new file gets mode less the umask; a replaced one keeps its mode. */
/* The code for an output that cannot be created: permission (77) stays
 * what it is; anything else is -VM_E_CANTCREAT (73). */
int endpoint_cantcreat(int e);
int endpoint_file_open(const char *path, mode_t mode, struct ep_file *f);
/* fsync, rename over the target, fsync its directory: 0 or -errno. */
int endpoint_file_commit(struct ep_file *f, int fd);
/* Remove the temporary, unless it was committed. */
void endpoint_file_discard(struct ep_file *f);

/*
 * Each call that can fail says why (cmd: the first word of its line)
 * and returns a negative code.
 */
/* Refuse what can be refused before anything is opened (binary data to a
 * terminal). */
int endpoint_check_out(const char *path, const char *cmd);
/* 0 with *c open. n may be NULL where no network endpoint makes sense. */
int endpoint_open_out(const char *path, const char *cmd, struct net_opts *n,
		      struct chan *c, struct ep_file *f);
/* Make a file output final (after endpoint_sync() of everything written):
 * 0, or -EIO. Nothing to do for other outputs. */
int endpoint_commit(struct chan *c, struct ep_file *f, const char *cmd);
/* Close an output; an uncommitted file's temporary goes with it. */
void endpoint_close_out(struct chan *c, struct ep_file *f);
int endpoint_open_in(const char *path, const char *cmd, struct net_opts *n,
		     struct chan *c);
void endpoint_close(struct chan *c);
bool endpoint_is_stdio(const char *path);
/* fsync a regular file; 0 for pipes, sockets and terminals. */
int endpoint_sync(int fd);

#endif
