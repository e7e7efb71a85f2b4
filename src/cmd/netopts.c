// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --psk-file, --insecure and --timeout (netopts.h): parsed, checked, the
 * key loaded. The endpoints themselves are the engine's (net.c).
 */
#include <argp.h>

#include "cli.h"
#include "log.h"
#include "netopts.h"
#include "vfiomig.h"

enum { OPT_PSK = 0x300, OPT_INSECURE, OPT_TIMEOUT, OPT_PEER_TIMEOUT };

/* A peer silent this long once connected is gone (--peer-timeout). */
#define PEER_TIMEOUT 10.0

static const struct argp_option net_options[] = {
	{ "psk-file", OPT_PSK, "FILE", 0,
	  "Authenticate and encrypt with the pre-shared key in FILE (TLS 1.3)", 0 },
	{ "insecure", OPT_INSECURE, NULL, 0,
	  "No authentication, no encryption: for isolated labs only", 0 },
	{ "timeout", OPT_TIMEOUT, "SECS", 0,
	  "Wait for the peer at most SECS (connect: 30, listen: forever; "
	  "0: forever)", 0 },
	{ "peer-timeout", OPT_PEER_TIMEOUT, "SECS", 0,
	  "Once connected, give up on a peer that sends or takes nothing for "
	  "SECS (default 10; 0: forever)", 0 },
	{ 0 }
};

static error_t net_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct net_opts *n = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		n->timeout = -1;
		n->peer_timeout = PEER_TIMEOUT;
		break;
	case OPT_PSK:
		n->psk_file = arg_name(state, "--psk-file", arg);
		break;
	case OPT_INSECURE:
		n->insecure = true;
		break;
	case OPT_TIMEOUT:
		if (parse_secs(arg, 1, &n->timeout))
			argp_error(state, "--timeout: '%s' is not a number of seconds "
				   "from 0 to %.0f", arg, SECS_MAX);
		break;
	case OPT_PEER_TIMEOUT:
		if (parse_secs(arg, 1, &n->peer_timeout))
			argp_error(state, "--peer-timeout: '%s' is not a number of seconds "
				   "from 0 to %.0f", arg, SECS_MAX);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp net_argp = { net_options, net_parse_opt, NULL, NULL,
			       NULL, NULL, NULL };

int net_auth_init(struct net_opts *n, const char *cmd)
{
	struct reason why = { 0 };
	int r;

	if (n->insecure && n->psk_file) {
		err("%s: --psk-file and --insecure exclude each other", cmd);
		return -VM_E_USAGE;
	}
	if (n->insecure) {
		warn("%s: --insecure: the connection is neither authenticated nor "
		     "encrypted; anyone who reaches it can read or replace device state",
		     cmd);
		return 0;
	}
	if (!n->psk_file) {
		err("%s: a network endpoint needs --psk-file FILE (or --insecure in a lab)",
		    cmd);
		return -VM_E_USAGE;
	}
	r = psk_load(n->psk_file, &n->psk, &why);
	reason_prefix(&why, "--psk-file ");
	return say_reason(r, &why);
}
