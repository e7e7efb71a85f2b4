// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The context every call into the engine gets (ctx.h): made once the
 * options are known, from them, the signal handlers' cancellation and
 * the tool's observer. The engine reads it and no global of ours.
 */
#include <stdlib.h>

#include "arc-record.h"
#include "cli.h"
#include "holder-proto.h"
#include "observe.h"
#include "sig.h"
#include "vfiomig.h"

static struct vm_ctx ctx = { .open = OPEN_AUTO, .state_dir = ARCREC_DIR_DEFAULT,
			      .obs = &observer };

/* $VFIOMIG_STATEDIR and $VFIOMIG_RUNDIR, read here: the engine reads no
 * environment. */
static const char *env_dir(const char *name, const char *dflt)
{
	const char *dir = getenv(name);

	return dir && dir[0] ? dir : dflt;
}

/* Once a command's arguments are parsed (cmd_parse()): global options
 * after the command come late. Before threads exist, so never raced. */
void opts_done(void)
{
	ctx = (struct vm_ctx){
		.open = opts.open, .no_holder = opts.no_holder,
		.netlink_debug = opts.verbose >= 2,
		.state_dir = env_dir("VFIOMIG_STATEDIR", ARCREC_DIR_DEFAULT),
		.run_dir = env_dir("VFIOMIG_RUNDIR", HOLD_DIR_DEFAULT),
		.cancel = sig_cancel(),
		.obs = &observer,
	};
}

const struct vm_ctx *vm_ctx(void)
{
	return &ctx;
}
