/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel release the fake stands for, and what follows from it.
 *
 * vfiomig check decides from uname(2) whether the running kernel carries
 * some fixes (a request it must not send elsewhere, an errno that changed
 * in stable releases). Under the fake that must not depend on the host
 * the tests happen to run on: uname() reports VFIOMIG_FAKE_KERNEL, by
 * default the Debian linux-source-6.12 release the fake mirrors, and the
 * core's answers that changed with a release follow it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "fake.h"

#define FAKE_KERNEL_DEFAULT	"6.12.118"

const char *fake_kernel(void)
{
	const char *env = getenv("VFIOMIG_FAKE_KERNEL");

	return env && *env ? env : FAKE_KERNEL_DEFAULT;
}

/*
 * Does the release carry a fix merged in mainline @ma.@mi and backported
 * to the stable series listed in @stable ({series major, minor, point},
 * ended by a zero major)?
 */
bool fake_kernel_has(int ma, int mi, const int (*stable)[3])
{
	int a = 0, b = 0, c = 0;

	if (sscanf(fake_kernel(), "%d.%d.%d", &a, &b, &c) < 2)
		return false;
	if (a > ma || (a == ma && b >= mi))
		return true;
	for (; stable && (*stable)[0]; stable++)
		if (a == (*stable)[0] && b == (*stable)[1] && c >= (*stable)[2])
			return true;
	return false;
}

FAKE_EXPORT int uname(struct utsname *u)
{
	static int (*next)(struct utsname *);
	int r;

	if (!next)
		next = (int (*)(struct utsname *))dlsym(RTLD_NEXT, "uname");
	r = next(u);
	fake_init();
	if (!r && fake_root)
		snprintf(u->release, sizeof(u->release), "%s", fake_kernel());
	return r;
}
