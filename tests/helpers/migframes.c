// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * migframes WHAT...: write migration control frames to stdout, made with
 * vfiomig's own encoders, to play a source that says what a test wants:
 *   hello N       a HELLO for N PCI devices (15b3:101e, pre-copy off)
 *   identity I    device I's IDENTITY, the identity of that HELLO's
 *                 devices (bus, IDs, driver and flags only)
 *   await NAME    read frames from stdin until one of type NAME comes
 *                 (exit 1 at the end of the input or on another ABORT)
 *   abort TEXT    an ABORT whose reason is TEXT, bytes as given
 *   attach I      the ATTACH that opens device I's data connection of
 *                 that HELLO's migration (a stream follows it)
 *   probe_end N   the end of a link probe of N bytes (none sent before
 *                 it: N 0)
 *   start MS      START: an estimate of nothing, with a downtime limit
 *                 of MS, to take the devices over
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "le.h"
#include "mig-estimate.h"
#include "mig-wire.h"
#include "migid.h"

static struct msg m;

static void hello(unsigned int n)
{
	struct hello h = { .ndev = n };

	memset(h.session, 0x5a, sizeof(h.session));
	for (unsigned int i = 0; i < n && i < DEVS_MAX; i++) {
		struct stream_ident *id = &h.id[i];

		id->bus = BUS_PCI;
		id->vendor = 0x15b3;
		id->device = 0x101e;
		id->mig_flags = 7;
		snprintf(id->driver, sizeof(id->driver), "mlx5_vfio_pci");
		snprintf(id->tool, sizeof(id->tool), "migframes");
	}
	hello_encode(&h, &m);
}

static void identity(uint32_t i)
{
	struct migid id = { 0 };

	migid_set(&id, "bus", "pci");
	migid_set(&id, "vendor_id", "15b3");
	migid_set(&id, "device_id", "101e");
	migid_set(&id, "subsystem_vendor_id", "0000");
	migid_set(&id, "subsystem_device_id", "0000");
	migid_set(&id, "driver", "mlx5_vfio_pci");
	migid_set(&id, "migration", "stop_copy,p2p,pre_copy");
	put32(m.body, i);
	m.type = MSG_IDENTITY;
	m.len = 4 + (uint32_t)migid_encode(&id, (char *)m.body + 4, MIG_IDENTITY_MAX - 4);
}

/* Frames from stdin until one named name; 0 when it came. */
static int await(const char *name)
{
	struct chan in;
	struct msg got;

	chan_plain(&in, NULL, STDIN_FILENO, "stdin");
	while (msg_recv(&in, &got) > 0)
		if (!strcmp(msg_name(got.type), name))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct chan out;

	chan_plain(&out, NULL, STDOUT_FILENO, "stdout");
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "await")) {
			if (await(argv[i + 1]))
				return 1;
			continue;
		}
		if (!strcmp(argv[i], "identity")) {
			identity((uint32_t)strtoul(argv[i + 1], NULL, 0));
		} else if (!strcmp(argv[i], "hello")) {
			hello((unsigned int)strtoul(argv[i + 1], NULL, 0));
		} else if (!strcmp(argv[i], "attach")) {
			uint8_t session[MIG_SESSION_ID];

			memset(session, 0x5a, sizeof(session));
			attach_encode(session, (uint32_t)strtoul(argv[i + 1], NULL, 0), &m);
		} else if (!strcmp(argv[i], "probe_end")) {
			m.type = MSG_PROBE_END;
			m.len = 0;
			msg_put_u64(&m, 0, strtoull(argv[i + 1], NULL, 0));
		} else if (!strcmp(argv[i], "start")) {
			struct estimate e = {
				.known = true, .downtime_limit = strtoul(argv[i + 1], NULL, 0) / 1e3,
			};

			estimate_encode(&e, &m);
			m.type = MSG_START;
		} else if (!strcmp(argv[i], "abort")) {
			m.type = MSG_ABORT;
			m.len = (uint32_t)strnlen(argv[i + 1], sizeof(m.body));
			memcpy(m.body, argv[i + 1], m.len);
		} else {
			fprintf(stderr, "migframes: unknown frame '%s'\n", argv[i]);
			return 2;
		}
		if (msg_send(&out, m.type, m.body, m.len)) {
			perror("migframes: stdout");
			return 1;
		}
	}
	return 0;
}
