/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Allocation failures under the fake, as the kernel's fault injection
 * makes them (lib/fault-inject.c should_fail_ex(), mm/failslab.c): the
 * files of $VFIOMIG_FAKE_ROOT/sys/kernel/debug/failslab/ stand for
 * failslab's debugfs attributes, $VFIOMIG_FAKE_ROOT/proc/thread-self/
 * fail-nth for the task's fail_nth (fakeroot.bash fake_fault_injection
 * makes them with the kernel's defaults). Each allocation the fake's
 * driver and core make (fault_alloc()) is a GFP_KERNEL slab allocation:
 * with failslab/ignore-gfp-wait Y (the default) it is never failed; else
 * fail-nth N > 0 counts down and the allocation that brings it to 0
 * fails with ENOMEM, and failslab/times counts down (unless -1). Values
 * are read up to their newline: the files are plain files, written in
 * place.
 *
 * The fake's allocations, per operation (the rest allocates nothing, as
 * in mtty):
 *   an arc that opens a saving or resuming session   3: the migration
 *       file, the anon inode's dentry and its struct file
 *       (mtty_save_device_data(), mtty_resume_device_data(),
 *       anon_inode_getfile()); nothing changes when one fails
 *   DMA_LOGGING_START, DMA_LOGGING_REPORT            1 each (the core's
 *       interval tree nodes, iova_bitmap_alloc())
 *   mlx5: the first write of a resuming session      1 (its data buffer,
 *       mlx5vf_resume_write() -> mlx5vf_alloc_data_buffer())
 *
 * Bugs (VFIOMIG_FAKE_BUG), for check's kernel.faults:
 *   fault_splat  each failed allocation also logs a KASAN use-after-free
 *       report (xe's alloc_file unwind) to the fake's /dev/kmsg
 *   fault_no_unwind  a failure of a session's second or third allocation
 *       is ENOMEM but leaves the first one in the driver: every later arc
 *       that opens a session on the device is EBUSY, reset or not
 *       (.fake/NAME/leaked)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"

/* The number at the start of $ROOT/REL, or -1 when there is none. */
static long read_num(const char *rel, char *word, size_t len)
{
	char path[4096], buf[32];
	ssize_t n;
	int fd;

	if (fake_rootf(path, sizeof(path), "%s", rel))
		return -1;
	fd = real.open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = real.pread(fd, buf, sizeof(buf) - 1, 0);
	real.close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (word)
		snprintf(word, len, "%s", buf);
	return strtol(buf, NULL, 10);
}

static void write_num(const char *rel, long v)
{
	char path[4096], buf[32];
	int fd, n;

	if (fake_rootf(path, sizeof(path), "%s", rel))
		return;
	fd = real.open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%ld\n", v);
	if (real.pwrite(fd, buf, (size_t)n, 0) != n)
		n = -1;
	real.close(fd);
}

/* should_failslab() then should_fail_ex()'s fail_nth countdown. */
static bool fail_now(void)
{
	char word[8] = "";
	long nth, times;

	read_num("sys/kernel/debug/failslab/ignore-gfp-wait", word, sizeof(word));
	if (strcmp(word, "N"))
		return false;
	nth = read_num("proc/thread-self/fail-nth", NULL, 0);
	if (nth <= 0)
		return false;
	write_num("proc/thread-self/fail-nth", nth - 1);
	if (nth > 1)
		return false;
	/* should_fail_ex() counts times down on every failure, -1 aside */
	times = read_num("sys/kernel/debug/failslab/times", NULL, 0);
	if (times > 0)
		write_num("sys/kernel/debug/failslab/times", times - 1);
	return true;
}

int fault_alloc(const char *where)
{
	if (!fail_now())
		return 0;
	if (bug_on("fault_splat"))
		fake_kmsg_splat("kasan", where);
	return -ENOMEM;
}

static int leaked_file(char *path, size_t len, const char *name)
{
	return dev_file(path, len, name, "leaked");
}

/*
 * A new session's allocations: the migration file (kzalloc() in
 * mtty_save_device_data() and mtty_resume_device_data()), then in
 * anon_inode_getfile() its dentry and its struct file. 0, -ENOMEM, or
 * -EBUSY once a session was leaked.
 */
int fault_session(const char *name)
{
	static const char *const where[] = {
		"mtty_save_device_data+0x9c/0x2b0",
		"d_alloc_pseudo+0x1d/0x90",
		"alloc_empty_file+0x5b/0x1b0",
	};
	char path[4096];
	int r = 0;

	if (leaked_file(path, sizeof(path), name))
		return 0;
	if (!real.access(path, F_OK))
		return -EBUSY;
	for (size_t i = 0; i < 3 && !r; i++) {
		r = fault_alloc(where[i]);
		/* the bug: the migration file made first is never freed */
		if (r && i > 0 && bug_on("fault_no_unwind")) {
			int fd = real.open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

			if (fd >= 0)
				real.close(fd);
		}
	}
	return r;
}
