/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bytes a fake device saves.
 *
 * Exact images (small devices) are real bytes: a counter seeded by the
 * name until something is restored, then the restored bytes, kept in
 * .fake/NAME/data. Pattern images (large devices) are never stored: they
 * are a function of a 64-bit seed and the offset, generated as they are
 * read and checked as they are written, so a 4 GiB save costs no disk
 * and about what a memcpy costs. The layout is in fake.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake.h"

#define PAT_MAGIC	"VFAKEIMG"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t mix64(uint64_t x)
{
	return splitmix64(&x);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* FNV-1a: the seed of a device nothing was restored into. */
static uint64_t name_seed(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 0x100000001b3ULL;
	return h;
}

static void make_header(uint8_t *hdr, uint64_t seed, uint64_t size)
{
	memcpy(hdr, PAT_MAGIC, 8);
	put_le64(hdr + 8, seed);
	put_le64(hdr + 16, size);
	put_le64(hdr + 24, mix64(seed ^ size));
}

struct pattern *pattern_new(uint64_t seed, uint64_t size)
{
	struct pattern *p = malloc(sizeof(*p));
	uint64_t x = seed;
	size_t i;

	if (!p)
		return NULL;
	p->seed = seed;
	p->size = size;
	for (i = 0; i < PAT_BLOCK; i += 8)
		put_le64(p->table + i, splitmix64(&x));
	make_header(p->hdr, seed, size);
	return p;
}

/*
 * Where the bytes at @off come from: the header, a block's index word
 * or the table. Returns the source and sets *n to how many bytes of it
 * apply (at most @len), so callers memcpy()/memcmp() whole runs.
 */
static const uint8_t *piece(const struct pattern *p, uint64_t off, size_t len,
			    size_t *n, uint8_t *word)
{
	uint64_t in = off % PAT_BLOCK;
	size_t avail;
	const uint8_t *src;

	if (off < PAT_HDR) {
		avail = PAT_HDR - off;
		src = p->hdr + off;
	} else if (in < 8) {
		put_le64(word, mix64(p->seed ^ (off / PAT_BLOCK)));
		avail = 8 - in;
		src = word + in;
	} else {
		avail = PAT_BLOCK - in;
		src = p->table + in;
	}
	*n = len < avail ? len : avail;
	return src;
}

void pattern_read(const struct pattern *p, uint8_t *buf, uint64_t off,
		  size_t len)
{
	uint8_t word[8];
	const uint8_t *src;
	size_t n;

	while (len) {
		src = piece(p, off, len, &n, word);
		memcpy(buf, src, n);
		buf += n;
		off += n;
		len -= n;
	}
}

uint64_t pattern_cmp(const struct pattern *p, const uint8_t *buf,
		     uint64_t off, size_t len)
{
	uint8_t word[8];
	const uint8_t *src;
	size_t n, i;

	while (len) {
		src = piece(p, off, len, &n, word);
		if (memcmp(buf, src, n)) {
			for (i = 0; buf[i] == src[i]; i++)
				;
			return off + i;
		}
		buf += n;
		off += n;
		len -= n;
	}
	return UINT64_MAX;
}

bool pattern_header(const uint8_t *hdr, uint64_t size, uint64_t *seed)
{
	uint8_t want[PAT_HDR];

	*seed = get_le64(hdr + 8);
	make_header(want, *seed, size);
	return !memcmp(hdr, want, PAT_HDR);
}

/* The seed of a pattern image: last restored, else from the name. */
uint64_t image_seed(const char *name)
{
	char path[PATH_MAX], buf[32];
	uint64_t seed = name_seed(name);
	ssize_t n;
	int fd;

	if (dev_file(path, sizeof(path), name, "seed"))
		return seed;
	fd = real.open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return seed;
	n = real.read(fd, buf, sizeof(buf) - 1);
	real.close(fd);
	if (n > 0) {
		buf[n] = '\0';
		seed = strtoull(buf, NULL, 0);
	}
	return seed;
}

/* Counter bytes seeded by the name: what mtty-sized devices save. */
static void counter(const char *name, uint8_t *buf, size_t len)
{
	uint8_t seed = 0;
	size_t i;

	for (i = 0; name[i]; i++)
		seed = (uint8_t)(seed * 31 + (uint8_t)name[i]);
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i);
}

uint8_t *image_exact(const char *name, uint64_t size)
{
	char path[PATH_MAX];
	uint8_t *buf;
	size_t got = 0;
	ssize_t n;
	int fd;

	buf = malloc(size ? size : 1);
	if (!buf)
		return NULL;
	counter(name, buf, size);
	if (dev_file(path, sizeof(path), name, "data"))
		return buf;
	fd = real.open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	while (got < size && (n = real.read(fd, buf + got, size - got)) > 0)
		got += (size_t)n;
	real.close(fd);
	return buf;
}
