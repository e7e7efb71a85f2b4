/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Persistent per-device state under $ROOT/.fake/NAME/.
 *
 * The state must outlive a single vfiomig process (mtty keeps it across
 * close), so it lives in files; a flock on .fake/NAME/lock serialises the
 * read-modify-write of concurrent processes the way the driver's
 * state_mutex does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "fake.h"

/* Index = uAPI enum value; the wording of drivers/vfio/debugfs.c. */
static const char *const state_names[FAKE_NSTATES] = {
	"ERROR", "STOP", "RUNNING", "STOP_COPY",
	"RESUMING", "RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P",
};

const char *state_name(int state)
{
	if (state < 0 || state >= FAKE_NSTATES)
		return "Invalid";
	return state_names[state];
}

int state_parse(const char *s)
{
	int i;

	for (i = 0; i < FAKE_NSTATES; i++)
		if (!strcasecmp(s, state_names[i]))
			return i;
	return -1;
}

static const struct {
	const char *name;
	int no;
} errnos[] = {
	{ "EIO", EIO }, { "EINVAL", EINVAL }, { "EBUSY", EBUSY },
	{ "ENODEV", ENODEV }, { "ENOMEM", ENOMEM }, { "EFAULT", EFAULT },
	{ "EAGAIN", EAGAIN }, { "ENOTTY", ENOTTY },
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "EPERM", EPERM },
	{ "EACCES", EACCES }, { "ENOSPC", ENOSPC }, { "ENOMSG", ENOMSG },
	{ "EINTR", EINTR }, { "ENXIO", ENXIO }, { "EPIPE", EPIPE },
	{ "EBADF", EBADF }, { "ESPIPE", ESPIPE }, { "EFBIG", EFBIG },
	{ "ETIMEDOUT", ETIMEDOUT },
};

/* A name from the table or a plain number; @def when unparsable. */
int errno_parse(const char *s, int def)
{
	size_t i;
	char *end;
	long v;

	if (!s || !*s)
		return def;
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcasecmp(s, errnos[i].name))
			return errnos[i].no;
	v = strtol(s, &end, 0);
	return (*end || v <= 0) ? def : (int)v;
}

int dev_file(char *buf, size_t len, const char *name, const char *file)
{
	return fake_rootf(buf, len, ".fake/%s/%s", name, file);
}

static uint64_t parse_u64(const char *v, uint64_t def)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 0);

	return (end == v) ? def : n;
}

/* The driver-convention keys; personality.c sets their defaults. */
static bool cfg_set_driver(struct fake_cfg *cfg, const char *k, const char *v)
{
	if (!strcmp(k, "open"))
		cfg->open_running = !strcmp(v, "running");
	else if (!strcmp(k, "chunk"))
		cfg->chunk = parse_u64(v, 0);
	else if (!strcmp(k, "arc_ms"))
		cfg->arc_ms = parse_u64(v, 0);
	else if (!strcmp(k, "load_ms"))
		cfg->load_ms = parse_u64(v, 0);
	else if (!strcmp(k, "inflight_ms"))
		cfg->inflight_ms = parse_u64(v, 0);
	else if (!strcmp(k, "query_ms"))
		cfg->query_ms = parse_u64(v, 0);
	else if (!strcmp(k, "estimate") && !strcmp(v, "left"))
		cfg->estimate_left = true;
	else if (!strcmp(k, "estimate"))
		cfg->estimate = parse_u64(v, 0);
	else if (!strcmp(k, "reinit"))
		cfg->reinit = parse_u64(v, 0);
	else if (!strcmp(k, "precopy_info_v2"))
		cfg->v2 = parse_u64(v, 0) != 0;
	else if (!strcmp(k, "match"))
		cfg->match_fail = !strcmp(v, "fail");
	else
		return false;
	return true;
}

static void cfg_set(struct fake_cfg *cfg, const char *k, const char *v)
{
	if (!*v || !strcmp(k, "personality") || cfg_set_driver(cfg, k, v))
		return;	/* an empty value keeps the default */
	if (!strcmp(k, "flags")) {
		cfg->migration = strcmp(v, "none") != 0;
		cfg->flags = cfg->migration ? (uint32_t)parse_u64(v, 7) : 0;
	} else if (!strcmp(k, "close")) {
		cfg->close_reset = !strcmp(v, "reset");
	} else if (!strcmp(k, "size")) {
		cfg->size = parse_u64(v, 96);
	} else if (!strcmp(k, "precopy")) {
		cfg->precopy = parse_u64(v, 24);
	} else if (!strcmp(k, "dirty")) {
		cfg->dirty = parse_u64(v, 0);
	} else if (!strcmp(k, "redirty")) {
		cfg->redirty = parse_u64(v, 0);
	} else if (!strcmp(k, "rate")) {
		cfg->rate = parse_u64(v, 0);
	} else if (!strcmp(k, "precopy_end")) {
		cfg->precopy_end = !strcmp(v, "enomsg") ? ENOMSG :
				   !strcmp(v, "eagain") ? EAGAIN : 0;
	} else if (!strcmp(k, "image")) {
		cfg->image = !strcmp(v, "exact") ? 1 :
			     !strcmp(v, "pattern") ? 2 : 0;
	} else if (!strcmp(k, "backing")) {
		cfg->backing = !strcmp(v, "file");
	} else if (!strcmp(k, "logging")) {
		cfg->logging = parse_u64(v, 1) != 0;
	} else if (!strcmp(k, "kind")) {
		cfg->mdev = !strcmp(v, "mdev");
	} else if (!strcmp(k, "group")) {
		snprintf(cfg->group, sizeof(cfg->group), "%s", v);
	}
}

/* Returns 0, or -ENODEV when @name is not a fake VFIO device. */
int cfg_load(const char *name, struct fake_cfg *cfg)
{
	char path[PATH_MAX], line[256], *eq;
	FILE *f;

	memset(cfg, 0, sizeof(*cfg));
	cfg->migration = true;
	cfg->flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P |
		     VFIO_MIGRATION_PRE_COPY;
	cfg->logging = true;
	cfg->size = 96;
	cfg->precopy = 24;
	if (!name[0] || strchr(name, '/') ||
	    dev_file(path, sizeof(path), name, "config"))
		return -ENODEV;
	f = fopen(path, "re");
	if (!f)
		return -ENODEV;
	/* the personality first: every other key overrides its defaults */
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "personality=", 12) && line[12])
			pers_apply(line + 12, cfg);
	}
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		cfg_set(cfg, line, eq + 1);
	}
	fclose(f);
	if (cfg->precopy > cfg->size)
		cfg->precopy = cfg->size;
	if (cfg->dirty > cfg->size - cfg->precopy)
		cfg->dirty = cfg->size - cfg->precopy;
	/* a pattern image needs room for its header */
	cfg->pattern = cfg->size >= PAT_HDR &&
		       (cfg->image == 2 ||
			(cfg->image == 0 && cfg->size > FAKE_EXACT_MAX));
	return 0;
}

int dev_lock(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (dev_file(path, sizeof(path), name, "lock"))
		return -1;
	fd = real.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		flock(fd, LOCK_EX);
	return fd;
}

void dev_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		real.close(lock_fd);	/* drops the flock */
}

int state_get(const char *name)
{
	char path[PATH_MAX];
	int state = VFIO_DEVICE_STATE_RUNNING;
	FILE *f;

	if (dev_file(path, sizeof(path), name, "state"))
		return state;
	f = fopen(path, "re");
	if (!f)
		return state;
	if (fscanf(f, "%d", &state) != 1)
		state = VFIO_DEVICE_STATE_RUNNING;
	fclose(f);
	return state;
}

/* Write the state and its debugfs witness; the caller holds dev_lock. */
void state_put(const char *name, int state)
{
	char path[PATH_MAX];
	FILE *f;

	if (dev_file(path, sizeof(path), name, "state"))
		return;
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%d\n", state);
		fclose(f);
	}
	if (fake_rootf(path, sizeof(path),
		       "sys/kernel/debug/vfio/%s/migration/state", name))
		return;
	f = fopen(path, "we");	/* absent unless the device migrates */
	if (f) {
		fprintf(f, "%s\n", state_name(state));
		fclose(f);
	}
}
