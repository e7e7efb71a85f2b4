// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vfiomig stream format (vfiomig-stream(5)): writer and strict
 * reader over a channel, checksums included. No device knowledge, no
 * output: errors come back as codes and a reason.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xxhash.h>
#if defined(__x86_64__)
#include <xxh_x86dispatch.h>
#endif

#include "le.h"
#include "stream.h"
#include "vm.h"

/*
 * Payloads are hashed with libxxhash's runtime dispatch (AVX2/AVX-512
 * when the CPU has them): the hash is the only work save and restore do
 * on every byte, so it decides their throughput. The result is the same
 * XXH3 on every CPU.
 */
static uint64_t payload_hash(const void *buf, size_t len)
{
#if defined(__x86_64__)
	return XXH3_64bits_dispatch(buf, len);
#else
	return XXH3_64bits(buf, len);
#endif
}

const char *phase_name(uint32_t phase)
{
	return phase == PHASE_PRECOPY ? "pre_copy" :
	       phase == PHASE_STOPCOPY ? "stop_copy" : "none";
}

int write_full(int fd, const void *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf = (const uint8_t *)buf + n;
		len -= n;
	}
	return 0;
}

/* --- header ----------------------------------------------------------- */

enum {
	H_MAGIC = 0, H_VERSION = 8, H_SIZE = 10, H_FLAGS = 12, H_MIGFLAGS = 16,
	H_BUS = 24, H_VENDOR = 28, H_DEVICE = 32, H_SUBVENDOR = 36,
	H_SUBDEVICE = 40, H_RESERVED1 = 44, H_DRIVER = 48, H_MDEVTYPE = 112,
	H_TOOL = 176, H_ESTIMATE = 208, H_CREATED = 216, H_RESERVED2 = 224,
	H_HASH = 248,
};

/* NUL-padded; the last byte of the field always stays NUL. */
static void put_str(uint8_t *p, const char *s, size_t len)
{
	memcpy(p, s, strnlen(s, len - 1));
}

static void get_str(char *dst, const uint8_t *p, size_t len)
{
	memcpy(dst, p, len - 1);
	dst[len - 1] = '\0';
}

static void encode_header(uint8_t *h, const struct stream_ident *id)
{
	memset(h, 0, STREAM_HEADER_SIZE);
	memcpy(h + H_MAGIC, STREAM_MAGIC, 8);
	put16(h + H_VERSION, STREAM_VERSION);
	put16(h + H_SIZE, STREAM_HEADER_SIZE);
	put64(h + H_MIGFLAGS, id->mig_flags);
	put32(h + H_BUS, id->bus);
	put32(h + H_VENDOR, id->vendor);
	put32(h + H_DEVICE, id->device);
	put32(h + H_SUBVENDOR, id->subvendor);
	put32(h + H_SUBDEVICE, id->subdevice);
	put_str(h + H_DRIVER, id->driver, sizeof(id->driver));
	put_str(h + H_MDEVTYPE, id->mdev_type, sizeof(id->mdev_type));
	put_str(h + H_TOOL, id->tool, sizeof(id->tool));
	put64(h + H_ESTIMATE, id->size_estimate);
	put64(h + H_CREATED, id->created);
	put64(h + H_HASH, XXH3_64bits(h, H_HASH));
}

void stream_encode_ident(uint8_t h[STREAM_HEADER_SIZE], const struct stream_ident *id)
{
	encode_header(h, id);
}

static void decode_header(const uint8_t *h, struct stream_ident *id)
{
	memset(id, 0, sizeof(*id));
	id->mig_flags = get64(h + H_MIGFLAGS);
	id->bus = get32(h + H_BUS);
	id->vendor = get32(h + H_VENDOR);
	id->device = get32(h + H_DEVICE);
	id->subvendor = get32(h + H_SUBVENDOR);
	id->subdevice = get32(h + H_SUBDEVICE);
	get_str(id->driver, h + H_DRIVER, sizeof(id->driver));
	get_str(id->mdev_type, h + H_MDEVTYPE, sizeof(id->mdev_type));
	get_str(id->tool, h + H_TOOL, sizeof(id->tool));
	id->size_estimate = get64(h + H_ESTIMATE);
	id->created = get64(h + H_CREATED);
}

/*
 * Under -DVFIOMIG_FUZZ (the fuzz targets only) a checksum that does not
 * match is let through, so that mutated inputs reach what lies beyond
 * it; every hash is still computed. Never in vfiomig itself.
 */
static bool sum_ok(uint64_t stored, uint64_t computed)
{
#ifdef VFIOMIG_FUZZ
	(void)stored;
	(void)computed;
	return true;
#else
	return stored == computed;
#endif
}

#define DEFECT(...) (snprintf(why, STREAM_WHY, __VA_ARGS__), -VM_E_DATA)

/* The first non-zero byte of h[from, to), or -1. */
static int nonzero_at(const uint8_t *h, int from, int to)
{
	for (int i = from; i < to; i++)
		if (h[i])
			return i;
	return -1;
}

/* NUL-padded: text, then NULs only, and at least one. */
static int check_str(const uint8_t *h, int at, int len, const char *name, char *why)
{
	const uint8_t *nul = memchr(h + at, 0, len);
	int bad = nul ? nonzero_at(h, nul - h, at + len) : at + len - 1;

	if (bad >= 0)
		return DEFECT("the %s at byte %d is not NUL-padded (byte %d)", name, at, bad);
	return 0;
}

/* The latest creation time a reader accepts: 9999-12-31T23:59:59Z. */
#define CREATED_MAX 253402300799ull
/* VFIO's migration flags: stop_copy (which every migratable device has), p2p, pre_copy. */
#define MIG_FLAG_STOP_COPY 1ull
#define MIG_FLAGS_KNOWN 7ull

static int check_ids(const uint8_t *h, char *why)
{
	static const int at[] = { H_VENDOR, H_DEVICE, H_SUBVENDOR, H_SUBDEVICE };

	for (unsigned int i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		if (get32(h + at[i]) > 0xffff)
			return DEFECT("PCI ID 0x%x at byte %d is wider than 16 bits",
				      get32(h + at[i]), at[i]);
	return 0;
}

static int check_fields(const uint8_t *h, char *why)
{
	uint64_t mf = get64(h + H_MIGFLAGS);
	uint32_t bus = get32(h + H_BUS);
	int bad;

	if (get32(h + H_FLAGS))
		return DEFECT("header flags 0x%x at byte %d, expected 0", get32(h + H_FLAGS),
			      H_FLAGS);
	bad = nonzero_at(h, H_RESERVED1, H_DRIVER);
	if (bad < 0)
		bad = nonzero_at(h, H_RESERVED2, H_HASH);
	if (bad >= 0)
		return DEFECT("reserved bytes at byte %d are not zero", bad);
	if ((mf & ~MIG_FLAGS_KNOWN) || !(mf & MIG_FLAG_STOP_COPY))
		return DEFECT("migration flags 0x%llx at byte %d: %s",
			      (unsigned long long)mf, H_MIGFLAGS,
			      mf & ~MIG_FLAGS_KNOWN ? "unknown flags" : "no stop_copy");
	if (bus > BUS_MDEV)
		return DEFECT("unknown bus %u at byte %d", bus, H_BUS);
	if (check_ids(h, why) || check_str(h, H_DRIVER, 64, "driver name", why) ||
	    check_str(h, H_MDEVTYPE, 64, "mdev type", why) ||
	    check_str(h, H_TOOL, 32, "tool name", why))
		return -VM_E_DATA;
	if ((bus == BUS_MDEV) != (h[H_MDEVTYPE] != 0))
		return DEFECT("%s at byte %d", bus == BUS_MDEV ? "an mdev stream without an mdev type" :
			      "an mdev type in a stream of a device that is no mdev", H_MDEVTYPE);
	if (get64(h + H_CREATED) > CREATED_MAX)
		return DEFECT("creation time %llu at byte %d is after the year 9999",
			      (unsigned long long)get64(h + H_CREATED), H_CREATED);
	return 0;
}

int stream_decode_ident(const uint8_t h[STREAM_HEADER_SIZE], struct stream_ident *id,
			char *why)
{
	int r;

	if (memcmp(h + H_MAGIC, STREAM_MAGIC, 8))
		return DEFECT("not a vfiomig stream (bad magic at byte 0; a --raw stream?)");
	if (get16(h + H_VERSION) != STREAM_VERSION)
		return DEFECT("stream format version %u at byte %d is not supported (this is %u)",
			      get16(h + H_VERSION), H_VERSION, (unsigned)STREAM_VERSION);
	if (get16(h + H_SIZE) != STREAM_HEADER_SIZE)
		return DEFECT("header size %u at byte %d, expected %u", get16(h + H_SIZE),
			      H_SIZE, (unsigned)STREAM_HEADER_SIZE);
	/* Nothing else is looked at before the checksum says it is intact. */
	if (!sum_ok(get64(h + H_HASH), XXH3_64bits(h, H_HASH)))
		return DEFECT("header checksum mismatch at byte %d", H_HASH);
	r = check_fields(h, why);
	if (!r)
		decode_header(h, id);
	return r;
}

/* --- records ----------------------------------------------------------- */

enum {
	R_MAGIC = 0, R_TYPE = 4, R_PHASE = 6, R_RESERVED1 = 7, R_DEVICE = 8,
	R_RESERVED2 = 12, R_DOFF = 16, R_LEN = 24, R_PHASH = 32, R_HHASH = 40,
};
#define RECORD_MAGIC "VREC"

static void encode_record(uint8_t *h, uint32_t type, uint32_t phase,
			  uint64_t data_offset, uint64_t phash, uint64_t len)
{
	memset(h, 0, RECORD_HEADER_SIZE);
	memcpy(h + R_MAGIC, RECORD_MAGIC, 4);
	put16(h + R_TYPE, type);
	h[R_PHASE] = phase;
	put32(h + R_DEVICE, 0);
	put64(h + R_DOFF, data_offset);
	put64(h + R_LEN, len);
	put64(h + R_PHASH, phash);
	put64(h + R_HHASH, XXH3_64bits(h, R_HHASH));
}

/* --- writer -------------------------------------------------------------- */

int sw_init(struct stream_writer *w, struct chan *io, bool raw)
{
	memset(w, 0, sizeof(*w));
	w->io = io;
	w->raw = raw;
	w->hash = XXH3_createState();
	if (!w->hash)
		return -ENOMEM;
	XXH3_64bits_reset(w->hash);
	return 0;
}

void sw_free(struct stream_writer *w)
{
	XXH3_freeState(w->hash);
	w->hash = NULL;
}

int sw_header(struct stream_writer *w, const struct stream_ident *id)
{
	uint8_t h[STREAM_HEADER_SIZE];

	if (w->raw)
		return 0;
	encode_header(h, id);
	XXH3_64bits_update(w->hash, h, sizeof(h));
	w->offset += sizeof(h);
	return chan_write_full(w->io, h, sizeof(h));
}

static int put_record(struct stream_writer *w, uint32_t type, uint32_t phase,
		      const void *buf, size_t len, uint64_t phash)
{
	uint8_t h[RECORD_HEADER_SIZE];
	struct iovec iov[2] = {
		{ h, sizeof(h) },
		{ (void *)buf, len },
	};

	/* The trailer's data offset is the end of the data. */
	encode_record(h, type, phase, w->data_bytes, phash, len);
	/* Record headers carry their payload's hash: hashing them covers all. */
	XXH3_64bits_update(w->hash, h, sizeof(h));
	w->offset += sizeof(h) + len;
	return chan_writev_full(w->io, iov, len ? 2 : 1);
}

uint64_t stream_hash(const void *buf, size_t len)
{
	return payload_hash(buf, len);
}

void stream_hash_update(struct XXH3_state_s *s, const void *buf, size_t len)
{
#if defined(__x86_64__)
	XXH3_64bits_update_dispatch(s, buf, len);
#else
	XXH3_64bits_update(s, buf, len);
#endif
}

int sw_record_hashed(struct stream_writer *w, uint32_t phase, const void *buf,
		     size_t len, uint64_t phash)
{
	int r;

	if (!len || len > STREAM_MAX_RECORD)
		return -EINVAL;
	r = w->raw ? chan_write_full(w->io, buf, len) :
		     put_record(w, REC_DATA, phase, buf, len, phash);
	w->data_bytes += len;
	w->records++;
	return r;
}

int sw_trailer(struct stream_writer *w)
{
	uint8_t t[TRAILER_SIZE];

	if (w->raw)
		return 0;
	put64(t, w->data_bytes);
	put64(t + 8, w->records);
	put64(t + 16, XXH3_64bits_digest(w->hash));
	return put_record(w, REC_TRAILER, PHASE_NONE, t, sizeof(t),
			  payload_hash(t, sizeof(t)));
}

/* --- reader -------------------------------------------------------------- */

int sr_init(struct stream_reader *r, struct chan *io)
{
	memset(r, 0, sizeof(*r));
	r->io = io;
	r->hash = XXH3_createState();
	if (!r->hash)
		return -ENOMEM;
	XXH3_64bits_reset(r->hash);
	return 0;
}

void sr_free(struct stream_reader *r)
{
	XXH3_freeState(r->hash);
	r->hash = NULL;
}

static int defect(struct stream_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int defect(struct stream_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return -VM_E_DATA;
}

/* Read exactly len bytes or report where the stream ended. */
static int take(struct stream_reader *r, void *buf, size_t len, const char *what)
{
	ssize_t n = chan_read_full(r->io, buf, len);

	if (n < 0)
		return (int)n;
	if ((size_t)n < len)
		return defect(r, "truncated at byte %llu (in %s)",
			      (unsigned long long)(r->offset + n), what);
	r->offset += len;
	return 0;
}

int sr_header(struct stream_reader *r)
{
	uint8_t h[STREAM_HEADER_SIZE];
	ssize_t n = chan_read_full(r->io, h, sizeof(h));

	if (n < 0)
		return (int)n;
	/* A short input is named by its magic first: a raw stream is short. */
	if (n >= 8 && memcmp(h + H_MAGIC, STREAM_MAGIC, 8))
		return defect(r, "not a vfiomig stream (bad magic at byte 0; a --raw stream?)");
	if ((size_t)n < sizeof(h))
		return defect(r, "truncated at byte %zd (in the header)", n);
	r->offset = n;
	if (stream_decode_ident(h, &r->ident, r->why))
		return -VM_E_DATA;
	XXH3_64bits_update(r->hash, h, sizeof(h));
	return 0;
}

static int check_trailer(struct stream_reader *r, const uint8_t *t,
			 uint64_t digest, uint64_t at)
{
	if (get64(t) != r->data_bytes)
		return defect(r, "trailer at byte %llu says %llu data bytes, stream has %llu",
			      (unsigned long long)at, (unsigned long long)get64(t),
			      (unsigned long long)r->data_bytes);
	if (get64(t + 8) != r->records)
		return defect(r, "trailer at byte %llu says %llu records, stream has %llu",
			      (unsigned long long)at, (unsigned long long)get64(t + 8),
			      (unsigned long long)r->records);
	if (!sum_ok(get64(t + 16), digest))
		return defect(r, "whole-stream checksum mismatch at byte %llu",
			      (unsigned long long)(at + RECORD_HEADER_SIZE + 16));
	return 0;
}

/* Nothing follows the trailer: one more byte is a defect, EOF is not. */
static int check_end(struct stream_reader *r)
{
	uint8_t b;
	ssize_t n;

	if (r->open_end)
		return 0;
	n = chan_read_full(r->io, &b, 1);
	if (n < 0)
		return (int)n;
	if (n)
		return defect(r, "data after the trailer at byte %llu",
			      (unsigned long long)r->offset);
	return 0;
}

/* The first non-zero byte of h[from, to) as a stream offset, or 0. */
static uint64_t reserved_at(const uint8_t *h, int from, int to, uint64_t base)
{
	int i = nonzero_at(h, from, to);

	return i < 0 ? 0 : base + i;
}

/* Type, phase and length agree with each other and with what came before. */
static int check_kind(struct stream_reader *r, const struct record *rec)
{
	unsigned long long at = rec->offset;

	if (rec->type != REC_DATA && rec->type != REC_TRAILER)
		return defect(r, "unknown record type %u at byte %llu", rec->type,
			      at + R_TYPE);
	if (rec->type == REC_TRAILER ? rec->phase != PHASE_NONE :
	    rec->phase != PHASE_PRECOPY && rec->phase != PHASE_STOPCOPY)
		return defect(r, "phase %u at byte %llu in a %s record", rec->phase,
			      at + R_PHASE, rec->type == REC_TRAILER ? "trailer" : "data");
	if (rec->type == REC_TRAILER && rec->len != TRAILER_SIZE)
		return defect(r, "trailer of %llu bytes at byte %llu, expected %d",
			      (unsigned long long)rec->len, at, TRAILER_SIZE);
	if (rec->type == REC_DATA && (!rec->len || rec->len > STREAM_MAX_RECORD))
		return defect(r, "data record length %llu at byte %llu is not 1 to %u",
			      (unsigned long long)rec->len, at + R_LEN, STREAM_MAX_RECORD);
	if (rec->phase == PHASE_PRECOPY && r->phase_bytes[PHASE_STOPCOPY])
		return defect(r, "pre-copy record after stop-copy data at byte %llu", at);
	return 0;
}

static int parse_record_header(struct stream_reader *r, const uint8_t *h,
			       struct record *rec)
{
	unsigned long long at = rec->offset;
	uint64_t bad;

	if (memcmp(h + R_MAGIC, RECORD_MAGIC, 4))
		return defect(r, "bad record magic at byte %llu", at);
	/* Nothing else is looked at before the checksum says it is intact. */
	if (!sum_ok(get64(h + R_HHASH), XXH3_64bits(h, R_HHASH)))
		return defect(r, "record header checksum mismatch at byte %llu", at);
	rec->type = get16(h + R_TYPE);
	rec->phase = h[R_PHASE];
	rec->device = get32(h + R_DEVICE);
	rec->data_offset = get64(h + R_DOFF);
	rec->len = get64(h + R_LEN);
	bad = reserved_at(h, R_RESERVED1, R_DEVICE, at);
	if (!bad)
		bad = reserved_at(h, R_RESERVED2, R_DOFF, at);
	if (bad)
		return defect(r, "reserved bytes at byte %llu are not zero (record at byte %llu)",
			      (unsigned long long)bad, at);
	if (rec->device != 0)
		return defect(r, "record for device %u at byte %llu in a single-device stream",
			      rec->device, at + R_DEVICE);
	/* A lost or repeated record shows here, before its payload is used. */
	if (rec->data_offset != r->data_bytes)
		return defect(r, "record at byte %llu carries device data from byte "
			      "%llu, expected %llu (a record is missing or repeated)", at,
			      (unsigned long long)rec->data_offset,
			      (unsigned long long)r->data_bytes);
	return check_kind(r, rec);
}

int sr_next(struct stream_reader *r, struct record *rec, void *buf, size_t cap)
{
	uint8_t h[RECORD_HEADER_SIZE];
	uint64_t digest;
	int e;

	if (r->ended)
		return 0;
	rec->offset = r->offset;
	e = take(r, h, sizeof(h), "a record header");
	if (e)
		return e;
	e = parse_record_header(r, h, rec);
	if (e)
		return e;
	if (rec->len > cap)
		return defect(r, "record of %llu bytes at byte %llu exceeds the buffer",
			      (unsigned long long)rec->len, (unsigned long long)rec->offset);
	/* The whole-stream digest covers everything before the trailer. */
	digest = XXH3_64bits_digest(r->hash);
	e = take(r, buf, rec->len, "a record payload");
	if (e)
		return e;
	if (!sum_ok(get64(h + R_PHASH), payload_hash(buf, rec->len))) {
		if (rec->type == REC_TRAILER)
			return defect(r, "trailer checksum mismatch at byte %llu",
				      (unsigned long long)rec->offset);
		return defect(r, "record %llu payload checksum mismatch at byte %llu",
			      (unsigned long long)r->records + 1,
			      (unsigned long long)rec->offset);
	}
	if (rec->type == REC_TRAILER) {
		e = check_trailer(r, buf, digest, rec->offset);
		if (!e)
			e = check_end(r);
		r->ended = !e;
		return e;
	}
	XXH3_64bits_update(r->hash, h, sizeof(h));
	r->records++;
	r->data_bytes += rec->len;
	r->phase_bytes[rec->phase] += rec->len;
	return 1;
}
