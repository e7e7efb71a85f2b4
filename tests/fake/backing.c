/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * backing=file: a device's saved image kept as a real file, so that the
 * reads of a saving data fd are pread() system calls on it and the
 * kernel does the copy, as copy_to_user() does on a real data_fd.
 *
 * The file is named after what it holds, not after the device:
 *   pattern image   vfiofake-SEED-SIZE.img   (SEED: 16 hex digits)
 *   exact image     vfiofake-xHASH-SIZE.img  (HASH of the bytes)
 * so it is made once and reused by every session, process and root
 * that needs the same bytes; a restore of another seed (or other exact
 * bytes) names another file. It is written under a temporary name and
 * renamed into place, so a file under its final name is complete;
 * reuse still checks its size and its header (pattern) or its bytes
 * (exact, at most FAKE_EXACT_MAX). The files are never removed: the
 * directory, $VFIOMIG_FAKE_BACKING_DIR or else $ROOT/.fake, is the
 * caller's. .fake/NAME/backing is a symlink to the device's current
 * file, for fake_data_source.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fake.h"

#define GEN_CHUNK	(1u << 20)	/* per write() when generating: stays
					   in the cache, fastest on tmpfs */

static int backing_dir(char *buf, size_t len)
{
	const char *dir = getenv("VFIOMIG_FAKE_BACKING_DIR");
	char tmp[PATH_MAX];

	/* absolute and canonical: .fake/NAME/backing links to it */
	if (!dir || !*dir) {
		if (fake_rootf(tmp, sizeof(tmp), ".fake"))
			return -ENAMETOOLONG;
		dir = tmp;
	}
	if (len < PATH_MAX)
		return -ENAMETOOLONG;
	return real.realpath(dir, buf) ? 0 : -errno;
}

/* 64-bit FNV-1a over words: names an exact image by its bytes. */
static uint64_t bytes_hash(const uint8_t *p, uint64_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ len, w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	while (len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static bool read_full(int fd, uint8_t *buf, size_t len, off_t off)
{
	ssize_t n;

	while (len) {
		n = real.pread(fd, buf, len, off);
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return true;
}

static bool write_full(int fd, const uint8_t *buf, size_t len, off_t off)
{
	ssize_t n;

	while (len) {
		n = real.pwrite(fd, buf, len, off);
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return true;
}

/* Does the file behind @fd hold the image? */
static bool backing_ok(int fd, const struct pattern *pat, const uint8_t *exact,
		       uint64_t size)
{
	uint8_t hdr[PAT_HDR], *buf;
	struct stat st;
	bool ok;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != size)
		return false;
	if (pat)
		return read_full(fd, hdr, PAT_HDR, 0) &&
		       !memcmp(hdr, pat->hdr, PAT_HDR);
	buf = malloc(size ? size : 1);
	ok = buf && read_full(fd, buf, size, 0) && !memcmp(buf, exact, size);
	free(buf);
	return ok;
}

/* Write the image into @fd with large writes. */
static int generate(int fd, const struct pattern *pat, const uint8_t *exact,
		    uint64_t size)
{
	struct statvfs vfs;
	uint64_t off;
	uint8_t *buf;
	size_t n;

	/* say ENOSPC now, not 3 GiB into the writing */
	if (!fstatvfs(fd, &vfs) &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < size)
		return -ENOSPC;
	if (!pat)
		return write_full(fd, exact, size, 0) ? 0 : -EIO;
	buf = malloc(GEN_CHUNK);
	if (!buf)
		return -ENOMEM;
	for (off = 0; off < size; off += n) {
		n = size - off < GEN_CHUNK ? (size_t)(size - off) : GEN_CHUNK;
		pattern_read(pat, buf, off, n);
		errno = 0;
		if (!write_full(fd, buf, n, (off_t)off)) {
			free(buf);
			return errno ? -errno : -EIO;
		}
	}
	free(buf);
	return 0;
}

static int make_file(const char *path, const struct pattern *pat,
		     const uint8_t *exact, uint64_t size)
{
	char tmp[PATH_MAX];
	int fd, ret;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = generate(fd, pat, exact, size);
	if (!ret && fchmod(fd, 0644))
		ret = -errno;
	real.close(fd);
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/* Point .fake/NAME/backing at @path, unless it already does. */
static void link_device(const char *name, const char *path)
{
	char link[PATH_MAX], tmp[PATH_MAX + 8], cur[PATH_MAX];
	ssize_t n;

	if (dev_file(link, sizeof(link), name, "backing"))
		return;
	n = real.readlink(link, cur, sizeof(cur) - 1);
	if (n >= 0) {
		cur[n] = '\0';
		if (!strcmp(cur, path))
			return;
	}
	snprintf(tmp, sizeof(tmp), "%s.%d", link, (int)getpid());
	unlink(tmp);
	if (symlink(path, tmp) || rename(tmp, link))
		unlink(tmp);
}

/*
 * An O_RDONLY fd on the backing file of @name's image (@pat, or the
 * @exact bytes), made first if need be; -errno on failure, which is
 * also told on stderr: a test that asked for backing=file must not run
 * on something else.
 */
int backing_open(const char *name, const struct pattern *pat,
		 const uint8_t *exact, uint64_t size)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int fd, ret = 0, tries;

	ret = backing_dir(dir, sizeof(dir));
	if (ret) {
		fprintf(stderr, "libvfiofake: backing dir %s: %s\n",
			getenv("VFIOMIG_FAKE_BACKING_DIR") ?: "(root)",
			strerror(-ret));
		return ret;
	}
	if (pat)
		ret = snprintf(path, sizeof(path), "%s/vfiofake-%016llx-%llu.img",
			       dir, (unsigned long long)pat->seed,
			       (unsigned long long)size);
	else
		ret = snprintf(path, sizeof(path), "%s/vfiofake-x%016llx-%llu.img",
			       dir, (unsigned long long)bytes_hash(exact, size),
			       (unsigned long long)size);
	if (ret < 0 || (size_t)ret >= sizeof(path))
		return -ENAMETOOLONG;
	for (tries = 0; tries < 2; tries++) {
		fd = real.open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && backing_ok(fd, pat, exact, size)) {
			link_device(name, path);
			return fd;
		}
		if (fd >= 0)
			real.close(fd);
		ret = make_file(path, pat, exact, size);
		if (ret)
			break;
	}
	if (!ret)
		ret = -EIO;
	fprintf(stderr, "libvfiofake: backing file %s: %s\n", path,
		strerror(-ret));
	return ret;
}
