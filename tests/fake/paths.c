/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Path trapping: the libc entry points vfiomig uses on sysfs and device
 * nodes see $VFIOMIG_FAKE_ROOT/sys, .../dev/vfio and .../dev/iommu instead
 * of the real ones, .../lib/modules for the module tree (whose release
 * is uname's, see kernel.c), and .../dev/kmsg (kmsg.c) and
 * .../proc/thread-self/fail-nth (faults.c) for the kernel's log and fault
 * injection, never the host's. Everything else (notably the rest of /proc)
 * is left alone, so
 * /proc/PID/fd links of an owner point at the fake node files and compare
 * equal by st_dev/st_ino.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"

struct real_fns real;
const char *fake_root;
static char root_buf[PATH_MAX];
static char rootreal_buf[PATH_MAX];	/* root with its symlinks resolved */

#define LOAD(f) (real.f = (typeof(real.f))dlsym(RTLD_NEXT, #f))

void fake_init(void)
{
	static bool done;
	const char *env;
	size_t n;

	if (done)
		return;
	LOAD(open);
	LOAD(openat);
	LOAD(close);
	LOAD(ioctl);
	LOAD(stat);
	LOAD(lstat);
	LOAD(fstatat);
	LOAD(access);
	LOAD(readlink);
	LOAD(read);
	LOAD(write);
	LOAD(pread);
	LOAD(pwrite);
	LOAD(lseek);
	LOAD(dup);
	LOAD(dup2);
	LOAD(dup3);
	LOAD(copy_file_range);
	LOAD(sendfile);
	LOAD(splice);
	LOAD(recvmsg);
	LOAD(recvmmsg);
	LOAD(realpath);
	LOAD(opendir);
	LOAD(poll);
	done = true;

	env = getenv("VFIOMIG_FAKE_ROOT");
	if (!env || env[0] != '/' || strlen(env) >= sizeof(root_buf))
		return;
	strcpy(root_buf, env);
	/* "/x/" and "/x" must rewrite alike */
	n = strlen(root_buf);
	while (n > 1 && root_buf[n - 1] == '/')
		root_buf[--n] = '\0';
	if (!real.realpath(root_buf, rootreal_buf))
		strcpy(rootreal_buf, root_buf);
	fake_root = root_buf;
}

__attribute__((constructor)) static void fake_ctor(void)
{
	fake_init();
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

bool fake_trapped(const char *path)
{
	fake_init();
	if (!fake_root || !path || path[0] != '/')
		return false;
	return has_prefix(path, "/sys/") || !strcmp(path, "/sys") ||
	       has_prefix(path, "/dev/vfio/") || !strcmp(path, "/dev/vfio") ||
	       !strcmp(path, "/dev/iommu") || !strcmp(path, "/dev/kmsg") ||
	       !strcmp(path, "/proc/thread-self/fail-nth") ||
	       has_prefix(path, "/lib/modules/");
}

const char *fake_path(const char *path, char *buf, size_t len)
{
	if (!fake_trapped(path))
		return path;
	if ((size_t)snprintf(buf, len, "%s%s", fake_root, path) >= len) {
		/* an over-long path must not escape to the real /sys */
		snprintf(buf, len, "%s/.fake/ENAMETOOLONG", fake_root);
	}
	return buf;
}

int fake_rootf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	size_t n;
	int m;

	n = (size_t)snprintf(buf, len, "%s/", fake_root);
	if (n >= len)
		return -1;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return (m < 0 || (size_t)m >= len - n) ? -1 : 0;
}

/*
 * Turn "$ROOT/sys/x" back into "/sys/x" in place. Only trapped names are
 * given back: a data fd's file under $ROOT/.fake keeps its real path.
 */
static void strip_root(char *p)
{
	const char *roots[] = { root_buf, rootreal_buf };
	size_t i, n;

	if (!fake_root)
		return;
	for (i = 0; i < 2; i++) {
		n = strlen(roots[i]);
		if (n > 1 && !strncmp(p, roots[i], n) && p[n] == '/' &&
		    fake_trapped(p + n)) {
			memmove(p, p + n, strlen(p + n) + 1);
			return;
		}
	}
}

bool fake_source_name(const char *path, char *name, size_t len)
{
	const char *roots[] = { root_buf, rootreal_buf };
	const char *rest, *slash;
	size_t i, n;

	if (!fake_root || path[0] != '/')
		return false;
	for (i = 0; i < 2; i++) {
		n = strlen(roots[i]);
		if (strncmp(path, roots[i], n) ||
		    strncmp(path + n, "/.fake/", 7))
			continue;
		rest = path + n + 7;
		slash = strchr(rest, '/');
		if (!slash || slash == rest || strcmp(slash, "/source") ||
		    (size_t)(slash - rest) >= len)
			return false;
		snprintf(name, len, "%.*s", (int)(slash - rest), rest);
		return true;
	}
	return false;
}

/* ---- open family ---- */

static bool is_node(const char *path)
{
	return fake_trapped(path) && has_prefix(path, "/dev/") &&
	       strcmp(path, "/dev/kmsg");
}

static int do_open(const char *path, int flags, mode_t mode)
{
	char buf[PATH_MAX], name[FAKE_NAME_MAX];
	const char *p;

	fake_init();
	p = fake_path(path, buf, sizeof(buf));
	if (p != path && !strcmp(path, "/dev/kmsg"))
		return kmsg_open(p, flags);
	if (is_node(path))
		return fake_open_node(path, p, flags, mode);
	if (p == path && fake_source_name(path, name, sizeof(name)))
		return data_source_open(name, path, flags, mode);
	return real.open(p, flags, mode);
}

static mode_t want_mode(int flags, va_list ap)
{
	if (flags & (O_CREAT | __O_TMPFILE))
		return va_arg(ap, mode_t);
	return 0;
}

FAKE_EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = want_mode(flags, ap);
	va_end(ap);
	return do_open(path, flags, mode);
}

FAKE_EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = want_mode(flags, ap);
	va_end(ap);
	return do_open(path, flags, mode);
}

/* _FORTIFY_SOURCE builds call these when flags are not constant. */
FAKE_EXPORT int __open_2(const char *path, int flags)
{
	return do_open(path, flags, 0);
}

FAKE_EXPORT int __open64_2(const char *path, int flags)
{
	return do_open(path, flags, 0);
}

/* *at() calls are only trapped when they do not depend on a dirfd. */
static bool at_trappable(int dirfd, const char *path)
{
	return path && (dirfd == AT_FDCWD || path[0] == '/');
}

static int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	fake_init();
	if (at_trappable(dirfd, path))
		return do_open(path, flags, mode);
	return real.openat(dirfd, path, flags, mode);
}

FAKE_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = want_mode(flags, ap);
	va_end(ap);
	return do_openat(dirfd, path, flags, mode);
}

FAKE_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = want_mode(flags, ap);
	va_end(ap);
	return do_openat(dirfd, path, flags, mode);
}

FAKE_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags, 0);
}

FAKE_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags, 0);
}

/* ---- stat family (real exported symbols since glibc 2.33) ---- */

FAKE_EXPORT int stat(const char *path, struct stat *st)
{
	char buf[PATH_MAX];

	fake_init();
	return real.stat(fake_path(path, buf, sizeof(buf)), st);
}

FAKE_EXPORT int lstat(const char *path, struct stat *st)
{
	char buf[PATH_MAX];

	fake_init();
	return real.lstat(fake_path(path, buf, sizeof(buf)), st);
}

FAKE_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	char buf[PATH_MAX];

	fake_init();
	if (at_trappable(dirfd, path))
		path = fake_path(path, buf, sizeof(buf));
	return real.fstatat(dirfd, path, st, flags);
}

/* On LP64 struct stat64 and struct stat have the same layout. */
FAKE_EXPORT int stat64(const char *path, struct stat64 *st)
{
	return stat(path, (struct stat *)st);
}

FAKE_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	return lstat(path, (struct stat *)st);
}

FAKE_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st,
			  int flags)
{
	return fstatat(dirfd, path, (struct stat *)st, flags);
}

FAKE_EXPORT int access(const char *path, int mode)
{
	char buf[PATH_MAX];

	fake_init();
	return real.access(fake_path(path, buf, sizeof(buf)), mode);
}

FAKE_EXPORT DIR *opendir(const char *path)
{
	char buf[PATH_MAX];

	fake_init();
	return real.opendir(fake_path(path, buf, sizeof(buf)));
}

/* ---- readlink / realpath: results must not reveal the fake root ---- */

FAKE_EXPORT ssize_t readlink(const char *path, char *out, size_t len)
{
	char buf[PATH_MAX], tmp[PATH_MAX];
	ssize_t n;

	fake_init();
	path = fake_path(path, buf, sizeof(buf));
	if (!fake_root)
		return real.readlink(path, out, len);
	n = real.readlink(path, tmp, sizeof(tmp) - 1);
	if (n < 0)
		return n;
	tmp[n] = '\0';
	/* /proc/PID/fd/N of a fake node reads like the real node */
	strip_root(tmp);
	n = (ssize_t)strlen(tmp);
	if ((size_t)n > len)
		n = (ssize_t)len;	/* readlink(2) truncates silently */
	memcpy(out, tmp, (size_t)n);
	return n;
}

FAKE_EXPORT ssize_t __readlink_chk(const char *path, char *out, size_t len,
				   size_t outlen)
{
	if (len > outlen)
		abort();	/* what glibc's __chk_fail amounts to */
	return readlink(path, out, len);
}

FAKE_EXPORT char *realpath(const char *path, char *resolved)
{
	char buf[PATH_MAX], *r;

	fake_init();
	if (!fake_trapped(path))
		return real.realpath(path, resolved);
	r = real.realpath(fake_path(path, buf, sizeof(buf)), NULL);
	if (!r)
		return NULL;
	strip_root(r);
	if (!resolved)
		return r;
	snprintf(resolved, PATH_MAX, "%s", r);
	free(r);
	return resolved;
}

FAKE_EXPORT char *__realpath_chk(const char *path, char *resolved,
				 size_t reslen)
{
	if (resolved && reslen < PATH_MAX)
		abort();
	return realpath(path, resolved);
}
