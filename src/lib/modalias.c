// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The running kernel's VFIO variant drivers, from modules.alias
 * (modalias.h), and whether each one's module is in the module tree
 * (modules.dep, modules.builtin) and loaded (/sys/module). Reads files
 * only, with open() and read() as sysfs.c does (what the test fake traps);
 * prints nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "modalias.h"

#define VFIO_PREFIX "vfio_pci:"

/* "alias vfio_pci:PATTERN MODULE" -> pattern "pci:PATTERN", module. */
static bool parse_line(const char *line, struct valias *a)
{
	char pat[128], mod[64];

	if (sscanf(line, "alias " VFIO_PREFIX "%117s %63s", pat, mod) != 2)
		return false;
	snprintf(a->pattern, sizeof(a->pattern), "pci:%s", pat);
	snprintf(a->module, sizeof(a->module), "%s", mod);
	return true;
}

/* A whole file, NUL-terminated, in *buf (the caller frees it). */
static int slurp(const char *path, char **buf)
{
	size_t len = 0, cap = 0;
	char *b = NULL, *grown;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	do {
		if (cap - len < 65536) {
			grown = realloc(b, cap + 262144);
			if (!grown) {
				r = -ENOMEM;
				break;
			}
			b = grown;
			cap += 262144;
		}
		n = read(fd, b + len, cap - len - 1);
		if (n < 0)
			r = -errno;
		else
			len += (size_t)n;
	} while (n > 0);
	close(fd);
	if (r) {
		free(b);
		return r;
	}
	if (!b && !(b = malloc(1)))
		return -ENOMEM;
	b[len] = '\0';
	*buf = b;
	return 0;
}

static int read_aliases(struct modalias *m, char *text)
{
	char *line, *save;
	struct valias a, *grown;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!parse_line(line, &a))
			continue;
		grown = realloc(m->v, (m->n + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		m->v = grown;
		m->v[m->n++] = a;
	}
	return 0;
}

int modalias_load(struct modalias *m, struct reason *why)
{
	char path[PATH_MAX + 32], *text;
	struct utsname u;
	int r;

	memset(m, 0, sizeof(*m));
	if (uname(&u))
		return fail(why, -errno, "uname: %s", errstr(errno));
	snprintf(m->release, sizeof(m->release), "%s", u.release);
	snprintf(m->dir, sizeof(m->dir), "/lib/modules/%s", u.release);
	snprintf(path, sizeof(path), "%s/modules.alias", m->dir);
	r = slurp(path, &text);
	if (r)
		return fail(why, r, "reading %s: %s", path, errstr(r));
	r = read_aliases(m, text);
	free(text);
	if (r)
		return fail(why, r, "reading %s: %s", path, errstr(r));
	return 0;
}

void modalias_free(struct modalias *m)
{
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

const char *modalias_match(const struct modalias *m, const char *dev_modalias)
{
	for (size_t i = 0; i < m->n; i++)
		if (!fnmatch(m->v[i].pattern, dev_modalias, 0))
			return m->v[i].module;
	return NULL;
}

/* "kernel/drivers/vfio/pci/mlx5/mlx5-vfio-pci.ko.xz" names module
 * mlx5_vfio_pci: the file's base name up to ".ko", '-' read as '_'. */
static bool names_module(const char *path, size_t len, const char *module)
{
	const char *base = path, *ko;
	size_t i, n;

	for (i = 0; i < len; i++)
		if (path[i] == '/')
			base = path + i + 1;
	ko = strstr(base, ".ko");
	if (!ko || ko > path + len)
		return false;
	n = (size_t)(ko - base);
	if (n != strlen(module))
		return false;
	for (i = 0; i < n; i++)
		if ((base[i] == '-' ? '_' : base[i]) != module[i])
			return false;
	return true;
}

/* Is the module listed in modules.dep ("PATH: DEPS") or modules.builtin? */
static bool listed(const struct modalias *m, const char *file, const char *module)
{
	char path[PATH_MAX + 32], *text, *line, *save;
	bool found = false;

	snprintf(path, sizeof(path), "%s/%s", m->dir, file);
	if (slurp(path, &text))
		return false;
	for (line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save))
		found = names_module(line, strcspn(line, ":"), module);
	free(text);
	return found;
}

enum mod_state modalias_module(const struct modalias *m, const char *module)
{
	char path[PATH_MAX];

	if (listed(m, "modules.builtin", module))
		return MOD_BUILTIN;
	snprintf(path, sizeof(path), "/sys/module/%s", module);
	if (!access(path, F_OK))
		return MOD_LOADED;
	return listed(m, "modules.dep", module) ? MOD_PRESENT : MOD_MISSING;
}

const char *mod_state_name(enum mod_state s)
{
	static const char *const names[] = {
		[MOD_MISSING] = "missing", [MOD_PRESENT] = "present",
		[MOD_LOADED] = "loaded", [MOD_BUILTIN] = "builtin",
	};
	return names[s];
}
