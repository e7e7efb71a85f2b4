/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vfiomig stream: a self-describing container for a device's
 * migration data, documented in vfiomig-stream(5). All integers are
 * little-endian. This module knows nothing about devices.
 *
 *   header   256 bytes: magic, version, source identity, XXH3 of itself
 *   records  48-byte header (type, phase, device, offset of the payload
 *            in the device data, length, XXH3 of the payload, XXH3 of
 *            the record header) + payload
 *   trailer  a record of type TRAILER whose payload holds the device
 *            byte count, the record count and the XXH3 of the header and
 *            every record header before it (each carries its payload's
 *            XXH3, so this covers every byte)
 */
#ifndef VFIOMIG_STREAM_H
#define VFIOMIG_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chan.h"

#define STREAM_MAGIC "VFMIGSTR"
#define STREAM_VERSION 1
#define STREAM_HEADER_SIZE 256
#define RECORD_HEADER_SIZE 48
#define TRAILER_SIZE 24
/* The largest record payload a reader accepts, and writers produce. */
#define STREAM_MAX_RECORD (16u << 20)
/* Room for the description of a defect. */
#define STREAM_WHY 160

enum stream_bus { BUS_UNKNOWN = 0, BUS_PCI = 1, BUS_MDEV = 2 };
enum record_type { REC_DATA = 1, REC_TRAILER = 2 };
enum record_phase { PHASE_NONE = 0, PHASE_PRECOPY = 1, PHASE_STOPCOPY = 2 };

struct stream_ident {
	uint32_t bus;
	uint32_t vendor, device, subvendor, subdevice;
	uint64_t mig_flags;
	uint64_t size_estimate; /* stop-copy estimate when saved, 0 unknown */
	uint64_t created;       /* unix seconds */
	char driver[64];
	char mdev_type[64];
	char tool[32];
};

struct XXH3_state_s;

struct stream_writer {
	struct chan *io;
	bool raw;                  /* bare device bytes: no framing at all */
	struct XXH3_state_s *hash; /* header and record headers so far */
	uint64_t offset;
	uint64_t data_bytes;
	uint64_t records;
};

struct stream_reader {
	struct chan *io;
	struct XXH3_state_s *hash;
	uint64_t offset;        /* bytes consumed */
	uint64_t data_bytes;
	uint64_t records;
	uint64_t phase_bytes[3];
	struct stream_ident ident;
	bool ended;             /* a valid trailer was read */
	/*
	 * The writer keeps the connection open after the trailer (a
	 * migration's data connection): do not wait for the end of input.
	 * Otherwise one byte after the trailer is a defect.
	 */
	bool open_end;
	char why[STREAM_WHY];          /* the defect, when a call returned -VM_E_DATA */
};

struct record {
	uint32_t type;
	uint32_t phase;
	uint32_t device;
	uint64_t len;
	uint64_t data_offset;   /* where its payload sits in the device data */
	uint64_t offset;        /* where its header starts in the stream */
};

/* Over a channel the caller keeps (and closes). */
int sw_init(struct stream_writer *w, struct chan *io, bool raw);
void sw_free(struct stream_writer *w);
int sw_header(struct stream_writer *w, const struct stream_ident *id);
/* One record, with the payload's XXH3 already computed (see pump.c). */
int sw_record_hashed(struct stream_writer *w, uint32_t phase, const void *buf,
		     size_t len, uint64_t phash);
int sw_trailer(struct stream_writer *w);
/*
 * The XXH3 records carry, in pieces, with the same CPU dispatch: a reset
 * state fed a buffer's pieces digests to what one XXH3 of it gives.
 */
void stream_hash_update(struct XXH3_state_s *s, const void *buf, size_t len);
/* The XXH3 a record carries, of a whole buffer at once. */
uint64_t stream_hash(const void *buf, size_t len);

int sr_init(struct stream_reader *r, struct chan *io);
void sr_free(struct stream_reader *r);
/* 0, -errno on read errors, -VM_E_DATA with r->why set on defects. */
int sr_header(struct stream_reader *r);
/*
 * The next data record's payload into buf (cap >= STREAM_MAX_RECORD).
 * Returns 1 with *rec filled, 0 after a verified trailer and the end of
 * the input (unless open_end), or <0 as above. Every defect names its
 * byte offset in the stream.
 */
int sr_next(struct stream_reader *r, struct record *rec, void *buf, size_t cap);

const char *phase_name(uint32_t phase);

/* The 256-byte header alone, for protocols that carry identities. */
void stream_encode_ident(uint8_t h[STREAM_HEADER_SIZE], const struct stream_ident *id);
/* 0, or -VM_E_DATA with why (of size STREAM_WHY) set. */
int stream_decode_ident(const uint8_t h[STREAM_HEADER_SIZE], struct stream_ident *id,
			char *why);

/* A full write that survives short transfers and EINTR. */
int write_full(int fd, const void *buf, size_t len);

#endif
