// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Who holds a device node open: the /proc scan behind 'busy (pid N)'.
 * Reads /proc only; prints nothing.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owner.h"
#include "sysfs.h"

static bool same_file(const struct stat *a, const struct stat *b)
{
	if (S_ISCHR(a->st_mode) && S_ISCHR(b->st_mode))
		return a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static bool pid_has(const char *pid, const struct stat *st, int n)
{
	char dir[64], p[64 + 256];
	struct dirent *e;
	struct stat fst;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (stat(p, &fst))
			continue;
		for (int i = 0; i < n && !found; i++)
			found = same_file(&fst, &st[i]);
	}
	closedir(d);
	return found;
}

bool find_owner(const char *const nodes[], int n, struct owner *o)
{
	struct stat st[4];
	struct dirent *e;
	char self[32], p[300];
	int m = 0;
	DIR *d;

	for (int i = 0; i < n && m < 4; i++)
		if (nodes[i] && !stat(nodes[i], &st[m]))
			m++;
	if (!m)
		return false;
	d = opendir("/proc");
	if (!d)
		return false;
	snprintf(self, sizeof(self), "%d", (int)getpid());
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]) || !strcmp(e->d_name, self))
			continue;
		if (!pid_has(e->d_name, st, m))
			continue;
		o->pid = (pid_t)atoi(e->d_name);
		snprintf(p, sizeof(p), "/proc/%s/comm", e->d_name);
		if (sysfs_read(p, o->comm, sizeof(o->comm)))
			snprintf(o->comm, sizeof(o->comm), "?");
		closedir(d);
		return true;
	}
	closedir(d);
	return false;
}
