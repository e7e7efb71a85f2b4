/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where a stream comes from or goes to: a file, or stdin/stdout as "-". */
#ifndef VFIOMIG_ENDPOINT_H
#define VFIOMIG_ENDPOINT_H

#include <stdbool.h>

/* Returns an fd or a negative code (message printed). */
int endpoint_open_out(const char *path, const char *cmd);
int endpoint_open_in(const char *path, const char *cmd);
bool endpoint_is_stdio(const char *path);
/* fsync a regular file; 0 for pipes and terminals. */
int endpoint_sync(int fd);

#endif
