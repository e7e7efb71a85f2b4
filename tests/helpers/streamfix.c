// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * streamfix FILE EDIT...: rewrite fields of a vfiomig stream in place and
 * seal it again (every checksum recomputed, vfiomig-stream(5)), so that a
 * test can hand the reader one deliberate defect behind valid checksums.
 *
 *   OFF:W=NUM   write NUM as a W-byte (1, 2, 4, 8) little-endian integer
 *   OFF:s=TEXT  write the bytes of TEXT (no NUL)
 *   @EDIT       apply EDIT after the trailer's counts and whole-stream
 *               checksum are computed, before its own checksums are
 *   -n          (first) do not seal: the edits break the checksums
 *
 * Sealing walks the header, then each record by its length field, up to
 * a trailer or the end of the file, recomputing the header checksum, the
 * payload and header checksums of each record, and the trailer's counts
 * and whole-stream checksum.
 */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static uint8_t *buf;
static size_t size;
static char **late;
static int nlate;

static void put(uint8_t *p, uint64_t v, int w)
{
	for (int i = 0; i < w; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static void edit(const char *spec)
{
	char *end;
	unsigned long long off = strtoull(spec, &end, 0);

	if (*end != ':' || end[1] == '\0' || end[2] != '=') {
		fprintf(stderr, "streamfix: bad edit '%s'\n", spec);
		exit(2);
	}
	if (end[1] == 's') {
		size_t n = strlen(end + 3);

		if (off + n > size)
			goto range;
		memcpy(buf + off, end + 3, n);
		return;
	}
	int w = end[1] - '0';
	uint64_t v = strtoull(end + 3, NULL, 0);

	if (w != 1 && w != 2 && w != 4 && w != 8) {
		fprintf(stderr, "streamfix: width %c\n", end[1]);
		exit(2);
	}
	if (off + w > size)
		goto range;
	put(buf + off, v, w);
	return;
range:
	fprintf(stderr, "streamfix: edit '%s' beyond the file's %zu bytes\n", spec, size);
	exit(2);
}

static void seal(void)
{
	XXH3_state_t *all = XXH3_createState();
	uint64_t bytes = 0, records = 0;
	size_t at = 256;

	if (size < 256)
		return;
	put(buf + 248, XXH3_64bits(buf, 248), 8);
	XXH3_64bits_reset(all);
	XXH3_64bits_update(all, buf, 256);
	while (at + 48 <= size) {
		uint8_t *h = buf + at;
		uint64_t len = get64(h + 24);

		if (len > size - at - 48) {
			/* A length beyond the file: its header is sealed still. */
			put(h + 40, XXH3_64bits(h, 40), 8);
			break;
		}
		if (h[4] == 2 && len == 24) {
			put(h + 48, bytes, 8);
			put(h + 56, records, 8);
			put(h + 64, XXH3_64bits_digest(all), 8);
		}
		if (h[4] == 2)
			for (int i = 0; i < nlate; i++)
				edit(late[i]);
		put(h + 32, XXH3_64bits(h + 48, len), 8);
		put(h + 40, XXH3_64bits(h, 40), 8);
		if (h[4] == 2)
			break;
		XXH3_64bits_update(all, h, 48);
		bytes += len;
		records++;
		at += 48 + len;
	}
	XXH3_freeState(all);
}

int main(int argc, char **argv)
{
	int first = 2;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: streamfix FILE [-n] EDIT...\n");
		return 2;
	}
	f = fopen(argv[1], "r+b");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	if (fseek(f, 0, SEEK_END) || (long)(size = ftell(f)) < 0 ||
	    !(buf = malloc(size + 1)) || (rewind(f), fread(buf, 1, size, f) != size)) {
		perror(argv[1]);
		fclose(f);
		return 1;
	}
	if (argc > 2 && !strcmp(argv[2], "-n"))
		first = 3;
	late = calloc(argc, sizeof(*late));
	for (int i = first; i < argc; i++) {
		if (argv[i][0] == '@')
			late[nlate++] = argv[i] + 1;
		else
			edit(argv[i]);
	}
	if (first == 2)
		seal();
	rewind(f);
	if (fwrite(buf, 1, size, f) != size || fclose(f)) {
		perror(argv[1]);
		return 1;
	}
	free(late);
	free(buf);
	return 0;
}
