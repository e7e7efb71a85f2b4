// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the migration protocol's frames (mig-wire.c): the
 * input is what a peer sends on a connection, read frame by frame with
 * msg_recv() and each frame decoded as the side that receives it would:
 * HELLO and ATTACH by their decoders (the identities in HELLO through the
 * stream's header checks), IDENTITY by the identity decoder (from a copy of
 * exactly its length, so that a read past it is caught, then encoded and
 * decoded again: the same fields must come back), START and ESTIMATE by
 * the estimate's decoder, PROBED's figures as the source keeps them,
 * INITIAL, RUNNING and the probe's frames by their u64 fields, an ABORT's reason escaped as it is printed. Built with
 * -DVFIOMIG_FUZZ so the identities' checksums do not stop mutation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "input.h"
#include "le.h"
#include "mig-estimate.h"
#include "mig-wire.h"
#include "migid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct msg m;
static struct hello h;
static FILE *sink;
static struct migid id, again;
static struct estimate est;
/* room for every field at its longest: the round trip leaves none out */
static char wire[MIGID_FIELDS * (MIGID_KEY + MIGID_VAL + 2)];

/* A decoded field as the decoder promises it: a key of printable
 * characters other than '=' and '?', a value or a reason on one line. */
static void check_field(const struct idfield *f)
{
	const char *v = f->known ? f->val : f->why;

	if (!f->key[0] || strnlen(f->key, sizeof(f->key)) == sizeof(f->key) ||
	    strpbrk(f->key, "=?") || strnlen(f->val, sizeof(f->val)) == sizeof(f->val) ||
	    strnlen(f->why, sizeof(f->why)) == sizeof(f->why))
		abort();
	for (const char *c = f->key; *c; c++)
		if (*c <= 0x20 || *c >= 0x7f)
			abort();
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			abort();
}

static bool same_field(const struct idfield *a, const struct idfield *b)
{
	return !strcmp(a->key, b->key) && a->known == b->known &&
	       !strcmp(a->known ? a->val : a->why, b->known ? b->val : b->why);
}

/* What mctl_take_identity() does with an IDENTITY: a device index, then
 * an identity's wire form, decoded from a buffer of exactly that size. */
static void decode_identity(const struct msg *f)
{
	char why[96];
	size_t len;
	char *text;

	if (f->len < 4)
		return;
	(void)get32(f->body);
	len = f->len - 4;
	text = malloc(len ? len : 1);
	if (!text)
		abort();
	memcpy(text, f->body + 4, len);
	if (migid_decode(text, len, &id, why, sizeof(why))) {
		if (!why[0])
			abort();
		free(text);
		return;
	}
	free(text);
	if (id.n > MIGID_FIELDS)
		abort();
	for (unsigned int i = 0; i < id.n; i++)
		check_field(&id.f[i]);
	/* what a side sends back is what it read */
	len = migid_encode(&id, wire, sizeof(wire));
	if (migid_decode(wire, len, &again, why, sizeof(why)) || again.n != id.n)
		abort();
	for (unsigned int i = 0; i < id.n; i++)
		if (!same_field(&id.f[i], &again.f[i]))
			abort();
}

/*
 * PROBED's figures for as many devices as its length fits (three kinds
 * a device, or five), of two drivers in turn: what the source keeps is
 * one record a kind and driver at most, each within the record's bounds.
 */
static void decode_probed(const struct msg *f)
{
	static const char *const two[] = { "mlx5_vfio_pci", "mtty" };
	const char *drv[DEVS_MAX];
	struct arc_records peer;

	for (unsigned int i = 0; i < DEVS_MAX; i++)
		drv[i] = two[i % 2];
	for (unsigned int per = 48; per <= 80; per += 32) {
		unsigned int n = f->len >= 8 ? (f->len - 8) / per : 0;

		if (!n || n > DEVS_MAX)
			continue;
		probed_decode(f, n, drv, &peer);
		if (peer.n > 10)
			abort();
		for (unsigned int i = 0; i < peer.n; i++)
			if (peer.r[i].kind >= ARC_KINDS || peer.r[i].usecs > 3600000000ULL ||
			    peer.r[i].bytes > (1ULL << 48) ||
			    arcrec_find(&peer, peer.r[i].kind, peer.r[i].driver) != &peer.r[i])
				abort();
	}
}

static void decode(const struct msg *f)
{
	uint8_t session[MIG_SESSION_ID];
	char why[160], reason[MIG_MSG_MAX + 1];
	uint32_t dev;

	if (f->len > sizeof(f->body) || f->type < MSG_HELLO || f->type > MSG_LAST)
		abort();
	switch (f->type) {
	case MSG_HELLO:
		if (!hello_decode(f, &h, why, sizeof(why)) &&
		    (!h.ndev || h.ndev > DEVS_MAX))
			abort();
		break;
	case MSG_ATTACH:
		if (!attach_decode(f, session, &dev) && f->len != 12 + MIG_SESSION_ID)
			abort();
		break;
	case MSG_IDENTITY:
		decode_identity(f);
		break;
	case MSG_START:
	case MSG_ESTIMATE:
		/* its body: ten u64s (mig-probe.c); a shorter one is refused */
		if (!estimate_decode(f, &est) && f->len < 8 * 10)
			abort();
		break;
	case MSG_PROBED:
		decode_probed(f);
		break;
	case MSG_ABORT:
		memcpy(reason, f->body, f->len);
		reason[f->len] = '\0';
		esc_text(sink, reason);
		esc_json(sink, reason);
		break;
	default:
		(void)msg_u64(f, 0);
		(void)msg_u64(f, 8);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chan c;
	int fd, r;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!sink)
		abort();
	fd = input_fd(data, size);
	if (fd < 0)
		return 0;
	chan_plain(&c, NULL, fd, "peer");
	while ((r = msg_recv(&c, &m)) == 1)
		decode(&m);
	if (r > 0)
		abort();
	close(fd);
	return 0;
}
