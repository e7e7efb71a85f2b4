/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VFIOMIG_OWNER_H
#define VFIOMIG_OWNER_H

#include <stdbool.h>
#include <sys/types.h>

struct owner {
	pid_t pid;
	char comm[64];
};

/*
 * Find a process other than us that has one of the nodes open, by
 * comparing the open files under /proc/PID/fd with the nodes (same inode, or same character
 * device). Returns true and fills *o when one is found.
 */
bool find_owner(const char *const nodes[], int n, struct owner *o);

#endif
