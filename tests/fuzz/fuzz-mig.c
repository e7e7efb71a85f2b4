// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the migration protocol's frames (mig-wire.c): the
 * input is what a peer sends on a connection, read frame by frame with
 * msg_recv() and each frame decoded as the side that receives it would:
 * HELLO and ATTACH by their decoders (the identities in HELLO through the
 * stream's header checks), INITIAL and RUNNING by their u64 fields, an
 * ABORT's reason escaped as it is printed. Built with -DVFIOMIG_FUZZ so
 * the identities' checksums do not stop mutation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "input.h"
#include "mig-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct msg m;
static struct hello h;
static FILE *sink;

static void decode(const struct msg *f)
{
	uint8_t session[MIG_SESSION_ID];
	char why[160], reason[MIG_MSG_MAX + 1];
	uint32_t dev;

	if (f->len > sizeof(f->body) || f->type < MSG_HELLO || f->type > MSG_ATTACH)
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
