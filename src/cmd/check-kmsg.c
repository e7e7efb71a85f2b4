// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel.log.clean: what the kernel logged while each check ran. Owns the
 * /dev/kmsg reader (one record a read(2), Documentation/ABI/testing/
 * dev-kmsg) and the list of messages that mean a kernel bug: a WARN, a
 * BUG or Oops, a sanitizer's report (UBSAN, KASAN), lockdep, sleeping in
 * atomic context, a hung task, an IOMMU fault. A debug kernel turns most
 * driver bugs into one of these; a production kernel still has WARN and
 * BUG. The log is only read, never cleared or written, and only what was
 * logged after check started counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "escape.h"
#include "log.h"

#define KMSG_RECORD 8192	/* CONSOLE_EXT_LOG_MAX: the largest record */

struct kmsg {
	int fd;
	char why[160];		/* fd < 0: why the log cannot be read */
	unsigned long lines;	/* kernel messages read */
	unsigned long lost;	/* overwritten before they were read (EPIPE) */
	char first[200];	/* the first bad message, escaped; "" none */
	char during[48];	/* the rule that was being checked then */
	bool lockdep_off;	/* lockdep had already given up at the start */
	char rec[KMSG_RECORD];
};

/*
 * What a kernel bug looks like in the log: the first line of each kind of
 * report, matched anywhere in a kernel message (and, for two-word
 * patterns, both words in the same message).
 */
static const struct { const char *a, *b; } bad[] = {
	{ "WARNING:", NULL },		/* WARN(), lockdep's reports */
	{ "BUG:", NULL },		/* KASAN, sleeping in atomic, oopses */
	{ "kernel BUG at", NULL },
	{ "Oops", NULL },
	{ "general protection fault", NULL },
	{ "UBSAN:", NULL },
	{ "KASAN", NULL },
	{ "DEBUG_LOCKS_WARN_ON", NULL },	/* mutex lock->magic and friends */
	{ "sleeping function called from invalid context", NULL },
	{ "blocked for more than", NULL },	/* the hung task detector */
	{ "detected stall", NULL },		/* RCU stalls */
	{ "IO_PAGE_FAULT", NULL },		/* AMD-Vi */
	{ "DMAR: DRHD: handling fault", NULL },	/* Intel VT-d */
	{ "DMAR: [DMA", NULL },
	{ "Unhandled context fault", NULL },	/* Arm SMMU */
	{ "event 0x", " received" },		/* Arm SMMUv3 */
	{ "iommu fault", NULL },
};

static bool is_bug(const char *text)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strstr(text, bad[i].a) && (!bad[i].b || strstr(text, bad[i].b)))
			return true;
	return false;
}

/* Outside text, made safe for every report format. */
static void quote(char *out, size_t len, const char *text)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f) {
		snprintf(out, len, "(a message that could not be copied)");
		return;
	}
	esc_text(f, text);
	fclose(f);
	snprintf(out, len, "%s", s ? s : "");
	free(s);
}

/*
 * One record: "PRIO,SEQ,USEC,FLAGS[,...];TEXT\n" then " KEY=VALUE\n"
 * lines. The text of a kernel message (facility 0; what a process writes
 * to /dev/kmsg is facility 1 or more) goes to *text, cut at its newline.
 */
static bool kernel_text(char *rec, char **text)
{
	char *semi = strchr(rec, ';'), *nl, *end;
	long prio = strtol(rec, &end, 10);

	if (!semi || end == rec || *end != ',' || prio < 0 || prio >> 3)
		return false;
	nl = strchr(semi + 1, '\n');
	if (nl)
		*nl = '\0';
	*text = semi + 1;
	return true;
}

/* Read every record there is; 1 when one was a bug (its text in *hit). */
static int drain(struct kmsg *k, char *hit, size_t len)
{
	int found = 0;
	char *text;

	for (;;) {
		ssize_t n = read(k->fd, k->rec, sizeof(k->rec) - 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) {
			k->lost++;
			continue;
		}
		if (n <= 0)
			break;	/* EAGAIN: all read; anything else: nothing more */
		k->rec[n] = '\0';
		if (!kernel_text(k->rec, &text))
			continue;
		k->lines++;
		if (!found && is_bug(text)) {
			quote(hit, len, text);
			found = 1;
		}
	}
	return found;
}

/* /proc/lockdep_stats says "debug_locks: 0" once lockdep has reported. */
static bool lockdep_gave_up(void)
{
	FILE *f = fopen("/proc/lockdep_stats", "re");
	char line[128];
	bool off = false;
	unsigned int v;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " debug_locks: %u", &v) == 1)
			off = v == 0;
	fclose(f);
	return off;
}

static void unreadable(struct kmsg *k, int e)
{
	const char *hint = "";

	if (e == EPERM || e == EACCES)
		hint = ": reading it needs CAP_SYSLOG while kernel.dmesg_restrict is 1";
	else if (e == ENOENT)
		hint = ": no such device here (a container without it?)";
	snprintf(k->why, sizeof(k->why), "/dev/kmsg cannot be read, %s%s",
		 check_errname(e), hint);
}

void check_kmsg_open(struct check_ctx *c)
{
	struct kmsg *k = calloc(1, sizeof(*k));

	c->kmsg = k;
	if (!k)
		return;
	k->lockdep_off = lockdep_gave_up();
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0) {
		unreadable(k, errno);
		return;
	}
	/* What the kernel said before check started is not ours to judge. */
	if (lseek(k->fd, 0, SEEK_END) < 0) {
		unreadable(k, errno);
		close(k->fd);
		k->fd = -1;
	}
}

int check_kmsg_scan(struct check_ctx *c, const char *during, char *line, size_t len)
{
	struct kmsg *k = c->kmsg;
	char hit[sizeof(k->first)];

	if (!k || k->fd < 0)
		return -1;
	if (!drain(k, hit, sizeof(hit)))
		return 0;
	if (!k->first[0]) {
		snprintf(k->first, sizeof(k->first), "%s", hit);
		snprintf(k->during, sizeof(k->during), "%s", during);
	}
	if (line)
		snprintf(line, len, "%s", hit);
	return 1;
}

void check_kmsg_step(struct check_ctx *c, void (*step)(struct check_ctx *))
{
	int n0 = c->nchecks;

	step(c);
	/* Name the step by the first rule it gave a result for. */
	check_kmsg_scan(c, c->nchecks > n0 ? c->checks[n0].rule : "between checks",
			NULL, 0);
}

void check_kmsg_close(struct check_ctx *c)
{
	const char *rule = "kernel.log.clean";
	struct kmsg *k = c->kmsg;

	if (!k) {
		check_add(c, rule, CK_SKIP, "no memory for the log reader");
		return;
	}
	if (k->fd < 0)
		check_add(c, rule, CK_INFO, "not checkable: %s", k->why);
	else if (k->first[0])
		check_add(c, rule, CK_FAIL, "during %s the kernel logged: %s",
			  k->during, k->first);
	else if (k->lost)
		check_add(c, rule, CK_INFO, "cannot tell: %lu kernel log records were "
			  "overwritten before they were read", k->lost);
	else if (k->lockdep_off)
		check_add(c, rule, CK_INFO, "%lu kernel messages, none a bug report; but "
			  "lockdep had already reported before check (debug_locks 0)",
			  k->lines);
	else
		check_add(c, rule, CK_PASS, "%lu kernel messages while the checks ran, "
			  "none a bug report", k->lines);
	if (k->fd >= 0)
		close(k->fd);
	free(k);
	c->kmsg = NULL;
}
