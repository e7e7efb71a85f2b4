/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The holder protocol (vfiomig(8), HOLDER PROTOCOL): fixed-size messages
 * over a SOCK_SEQPACKET unix socket, one socket per held device. A
 * client sends a request and reads one response; a data_fd travels with
 * the response as SCM_RIGHTS. The holder runs as root and trusts
 * nothing: a message of the wrong size, magic, version or op ends the
 * connection after an error response, and the holder keeps serving.
 */
#ifndef VFIOMIG_HOLDER_PROTO_H
#define VFIOMIG_HOLDER_PROTO_H

#include <stdint.h>

#define HOLD_REQ_MAGIC 0x52484d56u  /* "VMHR" little-endian */
#define HOLD_RESP_MAGIC 0x41484d56u /* "VMHA" */
#define HOLD_VERSION 1
#define HOLD_DIR_DEFAULT "/run/vfiomig"

enum hold_op {
	HOP_HELLO = 1,      /* -> name, u32 open path, u64 holder pid */
	HOP_GET_STATE,      /* -> u32 state (HOLD_NO_STATE if err) */
	HOP_SET_STATE,      /* arg0 state -> u32 state now (or HOLD_NO_STATE);
			     * a data_fd when arg0 opens a session */
	HOP_RESET,          /* VFIO_DEVICE_RESET */
	HOP_MIG_FLAGS,      /* -> u64 migration flags */
	HOP_DATA_SIZE,      /* -> u64 stop-copy estimate */
	HOP_PROBE,          /* arg0 feature, arg1 GET/SET flag -> err */
	HOP_DEVICE_INFO,    /* -> u32 VFIO_DEVICE_GET_INFO flags */
	HOP_RELEASE,        /* arg0 state to leave it in, or HOLD_NO_STATE;
			     * -> u32 state now (or HOLD_NO_STATE) */
	HOP_MAX,
};

/* No state: as a request, "stay"; in an answer, "unknown". */
#define HOLD_NO_STATE 0xffffffffu

struct hold_req {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	uint32_t arg0;
	uint32_t arg1;
};

struct hold_resp {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	int32_t err;        /* 0 or -errno of the holder's ioctl */
	uint32_t u32;
	uint64_t u64;
	char name[64];      /* HELLO: the device's sysfs name */
};

#endif
