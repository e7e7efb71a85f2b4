/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /dev/kmsg under the fake: $VFIOMIG_FAKE_ROOT/dev/kmsg is the kernel's
 * log, one record a line in the kernel's own format ("PRIO,SEQ,USEC,-;
 * TEXT", continuation lines starting with a space), and the fake's
 * driver bugs append their splats to it (fake_kmsg_log()). A reader sees
 * what printk.c's devkmsg_read() gives (Documentation/ABI/testing/
 * dev-kmsg): one record a read(), EINVAL for a buffer too small for it,
 * EAGAIN at the end; lseek(SEEK_END) and (SEEK_SET, 0) as on a file.
 * A blocking read at the end is EAGAIN too: vfiomig never blocks there.
 * Without the file, opening /dev/kmsg is ENOENT, as in a container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake.h"

int kmsg_open(const char *real_path, int flags)
{
	int fd = real.open(real_path, flags & (O_ACCMODE | O_NONBLOCK | O_CLOEXEC));

	if (fd < 0)
		return -1;
	fdtab_lock();
	if (!fdtab_add(fd, FK_KMSG, "kmsg")) {
		fdtab_unlock();
		real.close(fd);
		errno = EMFILE;
		return -1;
	}
	fdtab_unlock();
	return fd;
}

bool kmsg_is(int fd)
{
	struct fake_fd *e;
	bool is;

	if (fdtab_kind(fd) != FK_KMSG)
		return false;
	fdtab_lock();
	e = fdtab_get(fd);
	is = e && e->kind == FK_KMSG;
	fdtab_unlock();
	return is;
}

/* The record at the fd's offset: its line and continuation lines. */
ssize_t kmsg_read(int fd, void *buf, size_t len)
{
	char rec[8192];
	off_t at = real.lseek(fd, 0, SEEK_CUR);
	ssize_t n = at < 0 ? -1 : real.pread(fd, rec, sizeof(rec), at);
	size_t end = 0;

	if (n < 0)
		return -errno;
	while (end < (size_t)n) {
		char *nl = memchr(rec + end, '\n', (size_t)n - end);

		if (!nl)
			break;	/* a record being written: not there yet */
		end = (size_t)(nl - rec) + 1;
		if (end == (size_t)n || rec[end] != ' ')
			break;
	}
	if (!end || rec[end - 1] != '\n')
		return -EAGAIN;
	if (end > len)
		return -EINVAL;
	memcpy(buf, rec, end);
	real.lseek(fd, at + (off_t)end, SEEK_SET);
	return (ssize_t)end;
}

/* Append one kernel message (facility 0, level @level) to the log. */
void fake_kmsg_log(int level, const char *fmt, ...)
{
	char path[4096], text[512], rec[600];
	struct timespec ts;
	va_list ap;
	int fd, n;
	off_t seq;

	if (fake_rootf(path, sizeof(path), "dev/kmsg"))
		return;
	fd = real.open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* the offset stands in for the sequence number: it only grows */
	seq = real.lseek(fd, 0, SEEK_END);
	n = snprintf(rec, sizeof(rec), "%d,%lld,%lld,-;%s\n", level,
		     (long long)seq, (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000,
		     text);
	if (n > 0 && real.write(fd, rec, (size_t)n) != n)
		n = -1;
	real.close(fd);
}

/*
 * What a driver bug looks like to the kernel's checkers, as the fake's
 * bugs log it: the report's first lines, as printk writes them.
 */
void fake_kmsg_splat(const char *kind, const char *where)
{
	fake_kmsg_log(4, "------------[ cut here ]------------");
	if (!strcmp(kind, "kasan"))
		fake_kmsg_log(3, "BUG: KASAN: slab-use-after-free in %s", where);
	else if (!strcmp(kind, "atomic"))
		fake_kmsg_log(3, "BUG: sleeping function called from invalid context "
			      "at %s", where);
	else
		fake_kmsg_log(4, "WARNING: CPU: 0 PID: %d at %s", (int)getpid(), where);
	fake_kmsg_log(4, "Call Trace:");
	fake_kmsg_log(4, "---[ end trace 0000000000000000 ]---");
}
