// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endpoint.h"
#include "log.h"
#include "vfiomig.h"

bool endpoint_is_stdio(const char *path)
{
	return !path || !strcmp(path, "-");
}

int endpoint_open_out(const char *path, const char *cmd)
{
	int fd;

	if (endpoint_is_stdio(path)) {
		if (isatty(STDOUT_FILENO)) {
			err("%s: refusing to write binary data to a terminal; "
			    "use -o FILE or redirect stdout", cmd);
			return -VM_E_USAGE;
		}
		return STDOUT_FILENO;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;

		err("%s: opening %s: %s", cmd, path, errstr(e));
		return -e;
	}
	return fd;
}

int endpoint_open_in(const char *path, const char *cmd)
{
	int fd;

	if (endpoint_is_stdio(path))
		return STDIN_FILENO;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		err("%s: opening %s: %s", cmd, path, errstr(e));
		return e == ENOENT ? -ENOENT : -e;
	}
	return fd;
}

int endpoint_sync(int fd)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	return fsync(fd) ? -errno : 0;
}
