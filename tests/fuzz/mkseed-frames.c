// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkseed-frames DIR: seed corpora for the frame fuzzers, made with the
 * encoders vfiomig itself uses. DIR/mig: a whole migration's control
 * session as the destination reads it (HELLO for two devices, their
 * IDENTITY frames, PROBE_END, START, INITIAL, STOPPED, COMMIT) and as the
 * source does (the destination's IDENTITY frames, AGREED, PROBED, READY,
 * ACK, LOADED, RUNNING), an ATTACH frame, an ABORT, an IDENTITY of a VF
 * alone (devlink versions, a field that could not be read) and a dry run's
 * ESTIMATE. DIR/holder: each op's request and answer, in
 * fuzz-holder's layout (side byte, op, message).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "holder-proto.h"
#include "le.h"
#include "mig-estimate.h"
#include "mig-wire.h"
#include "migid.h"

static const char *dir;

static struct chan *open_seed(const char *sub, const char *name)
{
	static struct chan c;
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) && errno != EEXIST)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	chan_plain(&c, NULL, fd, path);
	return &c;
fail:
	perror(path);
	exit(1);
}

static void send_or_die(struct chan *c, uint32_t type, const void *body, uint32_t len)
{
	if (msg_send(c, type, body, len)) {
		perror(c->peer);
		exit(1);
	}
}

static void ident(struct stream_ident *id, int mdev)
{
	memset(id, 0, sizeof(*id));
	id->bus = mdev ? BUS_MDEV : BUS_PCI;
	if (!mdev) {
		id->vendor = 0x15b3;
		id->device = 0x101e;
		id->subvendor = 0x15b3;
		id->subdevice = 0x0063;
	}
	id->mig_flags = 7;
	id->size_estimate = 96;
	id->created = 1764547200;
	snprintf(id->driver, sizeof(id->driver), "%s", mdev ? "mtty" : "mlx5_vfio_pci");
	snprintf(id->mdev_type, sizeof(id->mdev_type), "%s", mdev ? "mtty-2" : "");
	snprintf(id->tool, sizeof(id->tool), "vfiomig 0.1");
}

/* Device i's IDENTITY, with the fields migid_read() gives such a device. */
static void send_identity(struct chan *c, uint32_t i, int mdev, int vf)
{
	static struct msg m;
	struct migid id = { 0 };
	size_t len;

	migid_set(&id, "bus", "%s", mdev ? "mdev" : "pci");
	if (mdev) {
		migid_set(&id, "mdev_type", "mtty-2");
	} else {
		migid_set(&id, "vendor_id", "15b3");
		migid_set(&id, "device_id", "101e");
		migid_set(&id, "subsystem_vendor_id", "15b3");
		migid_set(&id, "subsystem_device_id", "0063");
		migid_set(&id, "revision", "00");
	}
	migid_set(&id, "driver", "%s", mdev ? "mtty" : "mlx5_vfio_pci");
	migid_unknown(&id, "module_version", "the module declares none");
	if (vf) {
		migid_set(&id, "devlink.fixed.fw.psid", "MT_0000000838");
		migid_set(&id, "devlink.running.fw.version", "28.39.1002");
		migid_set(&id, "devlink.stored.fw.version", "28.39.1002");
		migid_set(&id, "devlink.serial_number", "MT2314X00012");
	}
	migid_set(&id, "migration", "stop_copy,p2p,pre_copy");
	migid_set(&id, "precopy_info_v2", "false");
	migid_set(&id, "stop_copy_estimate_bytes", "96");
	migid_set(&id, "kernel_release", "6.12.117");
	put32(m.body, i);
	len = migid_encode(&id, (char *)m.body + 4, MIG_IDENTITY_MAX - 4);
	send_or_die(c, MSG_IDENTITY, m.body, (uint32_t)(4 + len));
}

static void mig_seeds(void)
{
	static struct msg m;
	struct hello h = { .ndev = 2, .precopy = { true } };
	struct estimate e = { .known = true, .bytes = 96, .downtime_limit = 0.3 };
	struct chan *c;

	memset(h.session, 0xa5, sizeof(h.session));
	ident(&h.id[0], 0);
	ident(&h.id[1], 1);
	/* What the destination reads on the control connection. */
	c = open_seed("mig", "to-destination");
	hello_encode(&h, &m);
	send_or_die(c, m.type, m.body, m.len);
	send_identity(c, 0, 0, 0);
	send_identity(c, 1, 1, 0);
	m.len = 0;
	msg_put_u64(&m, 0, 0);
	send_or_die(c, MSG_PROBE_END, m.body, m.len);
	estimate_encode(&e, &m);
	send_or_die(c, MSG_START, m.body, m.len);
	m.len = 0;
	msg_put_u64(&m, 0, 0);
	msg_put_u64(&m, 8, 24);
	send_or_die(c, MSG_INITIAL, m.body, m.len);
	m.len = 0;
	msg_put_u64(&m, 0, 3);
	msg_put_u64(&m, 8, 0);
	send_or_die(c, MSG_STOPPED, m.body, m.len);
	send_or_die(c, MSG_COMMIT, NULL, 0);
	chan_close(c);
	/* What the source reads. */
	c = open_seed("mig", "to-source");
	send_identity(c, 0, 0, 0);
	send_identity(c, 1, 1, 0);
	send_or_die(c, MSG_AGREED, NULL, 0);
	/* the count, then two devices' five figures (load, write,
	 * load-precopy, save, read): bytes and usecs, UINT64_MAX for none */
	m.len = 0;
	msg_put_u64(&m, 0, 0);
	for (unsigned int k = 0; k < 10; k++) {
		msg_put_u64(&m, 8 + 16 * k, k % 3 ? 96 : UINT64_MAX);
		msg_put_u64(&m, 16 + 16 * k, k % 3 ? 1000 * k : UINT64_MAX);
	}
	send_or_die(c, MSG_PROBED, m.body, m.len);
	m.len = 0;
	msg_put_u64(&m, 0, 1200);
	msg_put_u64(&m, 8, 2);
	send_or_die(c, MSG_READY, m.body, m.len);
	send_or_die(c, MSG_ACK, NULL, 0);
	send_or_die(c, MSG_LOADED, NULL, 0);
	m.len = 0;
	msg_put_u64(&m, 0, 1500);
	send_or_die(c, MSG_RUNNING, m.body, m.len);
	chan_close(c);
	c = open_seed("mig", "attach");
	attach_encode(h.session, 1, &m);
	send_or_die(c, m.type, m.body, m.len);
	chan_close(c);
	c = open_seed("mig", "identity-vf");
	send_identity(c, 0, 0, 1);
	chan_close(c);
	c = open_seed("mig", "estimate");
	e.dry_run = true;
	estimate_encode(&e, &m);
	send_or_die(c, MSG_ESTIMATE, m.body, m.len);
	chan_close(c);
	c = open_seed("mig", "abort");
	msg_abort(c, "the destination was interrupted");
	chan_close(c);
}

static void holder_seed(const char *name, int side, uint16_t op, const void *msg,
			size_t len)
{
	struct chan *c = open_seed("holder", name);
	uint8_t head[3] = { (uint8_t)side, (uint8_t)op, (uint8_t)(op >> 8) };

	if (chan_write_full(c, head, sizeof(head)) || chan_write_full(c, msg, len)) {
		perror(name);
		exit(1);
	}
	chan_close(c);
}

static void holder_seeds(void)
{
	for (uint16_t op = HOP_HELLO; op < HOP_MAX; op++) {
		struct hold_req q = { HOLD_REQ_MAGIC, HOLD_VERSION, op, 0, 0 };
		struct hold_resp r = { .magic = HOLD_RESP_MAGIC, .version = HOLD_VERSION,
				       .op = op, .u32 = 2, .u64 = 4242 };
		char name[32];

		if (op == HOP_SET_STATE || op == HOP_RELEASE)
			q.arg0 = 1;
		if (op == HOP_PROBE)
			q.arg0 = 2, q.arg1 = 1u << 16;
		if (op == HOP_HELLO)
			snprintf(r.name, sizeof(r.name), "0000:3b:00.1");
		snprintf(name, sizeof(name), "request-%u", op);
		holder_seed(name, 0, op, &q, sizeof(q));
		snprintf(name, sizeof(name), "answer-%u", op);
		holder_seed(name, 1, op, &r, sizeof(r));
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseed-frames DIR\n");
		return 2;
	}
	dir = argv[1];
	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	mig_seeds();
	holder_seeds();
	return 0;
}
