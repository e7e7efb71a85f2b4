// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The check report, one result per rule id in the order of the rule
 * table: text and JSON through output.c, TAP (version 13) and JUnit XML
 * for CI through ci-report.c. Rules not checkable from userspace are listed
 * with the reason (skipped in TAP and JUnit); a checkable rule that got
 * no result (a check it depends on failed) is a skip "not run".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ci-report.h"
#include "compat.h"
#include "log.h"
#include "output.h"

struct row {
	const struct rule *rule;
	enum check_result result;
	const char *detail;
	bool checkable;
};

static void rows(const struct check_ctx *c, struct row *r, int count[4])
{
	for (size_t i = 0; i < check_nrules; i++) {
		const struct rule *u = &check_rules[i];
		const struct check *k = check_find(c, u->id);

		r[i].rule = u;
		r[i].checkable = !u->why_not;
		r[i].result = k ? k->result : CK_SKIP;
		r[i].detail = k ? k->detail : u->why_not ? u->why_not : "not run";
		if (r[i].checkable)
			count[r[i].result]++;
	}
}

static void latencies(struct check_ctx *c)
{
	out_text("\n%-14s %-14s %10s %10s %10s  %s\n", "from", "to", "min us",
		 "median us", "max us", "data fd");
	out_arr_open("arc_latencies", NULL);
	for (uint32_t a = 0; a < ST_NR; a++) {
		for (uint32_t b = 0; b < ST_NR; b++) {
			struct arc_samples *s = &c->arcs[a][b];

			if (!s->n)
				continue;
			qsort(s->usecs, s->n, sizeof(s->usecs[0]), check_cmp_u32);
			out_text("%-14s %-14s %10u %10u %10u  %s\n", fsm_name(a),
				 fsm_name(b), s->usecs[0], s->usecs[s->n / 2],
				 s->usecs[s->n - 1], s->data_fd ? "yes" : "-");
			out_obj_open(NULL);
			out_str("from", NULL, fsm_name(a));
			out_str("to", NULL, fsm_name(b));
			out_u64("min_usecs", NULL, s->usecs[0]);
			out_u64("median_usecs", NULL, s->usecs[s->n / 2]);
			out_u64("max_usecs", NULL, s->usecs[s->n - 1]);
			out_bool("data_session", NULL, s->data_fd > 0);
			out_obj_close();
		}
	}
	out_arr_close();
}

/* A string, or null with the text's reason (why; NULL: "unknown"). */
static void opt_str(const char *key, const char *label, const char *val, const char *why)
{
	if (val)
		out_str(key, label, val);
	else
		out_null(key, label, why ? why : "unknown");
}

static void choices(struct check_ctx *c)
{
	out_text("\nleft to the driver by the protocol:\n");
	out_obj_open("driver_choices");
	/* null where the device could not show it, and the text says why */
	opt_str("on_close", "on close", c->close_behaviour, c->close_note);
	opt_str("on_close_note", NULL, c->close_note, NULL);
	opt_str("precopy_end", "pre-copy end", c->precopy_end, "no pre_copy");
	opt_str("saving_group_fd", "saving-group fd", c->in_group_fd, "not seen");
	/* Feature 12 (7.1): may the driver say its initial bytes restart? */
	out_bool("precopy_info_v2", "precopy info v2 (REINIT)",
		 !vdev_probe(&c->s.d, VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2,
			     VFIO_DEVICE_FEATURE_SET));
	out_obj_close();
}

static int report_out(struct check_ctx *c, const struct row *r, const int count[4])
{
	int untestable = 0;

	out_begin();
	out_str("device", "device", c->s.d.info.name);
	out_str("driver", "driver", c->s.d.info.driver);
	out_text("\n");
	out_arr_open("checks", NULL);
	for (size_t i = 0; i < check_nrules; i++) {
		if (!r[i].checkable) {
			untestable++;
			continue;
		}
		out_text("%-4s  %-22s %s\n", check_word(r[i].result), r[i].rule->id,
			 r[i].detail);
		out_obj_open(NULL);
		out_str("rule", NULL, r[i].rule->id);
		out_str("result", NULL, check_word(r[i].result));
		out_str("detail", NULL, r[i].detail);
		out_obj_close();
	}
	out_arr_close();
	out_text("\nnot checkable from userspace (vfiomig(8) CHECK RULES):");
	out_arr_open("not_checkable", NULL);
	for (size_t i = 0; i < check_nrules; i++) {
		if (r[i].checkable)
			continue;
		out_text(" %s", r[i].rule->id);
		out_obj_open(NULL);
		out_str("rule", NULL, r[i].rule->id);
		out_str("reason", NULL, r[i].rule->why_not);
		out_obj_close();
	}
	out_arr_close();
	out_text("\n");
	latencies(c);
	choices(c);
	out_text("\n%d passed, %d failed, %d skipped, %d informative; %d rules not "
		 "checkable\n", count[CK_PASS], count[CK_FAIL], count[CK_SKIP],
		 count[CK_INFO], untestable);
	out_int("passed", NULL, count[CK_PASS]);
	out_int("failed", NULL, count[CK_FAIL]);
	out_int("skipped", NULL, count[CK_SKIP]);
	out_int("informative", NULL, count[CK_INFO]);
	return out_end();
}

static enum ci_result ci_result_of(const struct row *r)
{
	return !r->checkable || r->result == CK_SKIP ? CI_SKIP :
	       r->result == CK_FAIL ? CI_FAIL : CI_PASS;
}

/* TAP or JUnit, through the one CI writer (ci-report.c). */
static int report_ci(struct check_ctx *c, enum check_format f, const struct row *r,
		     const int count[4])
{
	int skipped = count[CK_SKIP];
	char name[160], comment[200];
	struct ci ci;

	for (size_t i = 0; i < check_nrules; i++)
		skipped += !r[i].checkable;
	snprintf(name, sizeof(name), "vfiomig check %s", c->s.d.info.name);
	snprintf(comment, sizeof(comment), "vfiomig check %s (driver %s)",
		 c->s.d.info.name, c->s.d.info.driver);
	out_begin();
	ci_begin(&ci, f == FMT_TAP ? CI_TAP : CI_JUNIT, name, check_nrules,
		 count[CK_FAIL], skipped, comment);
	for (size_t i = 0; i < check_nrules; i++)
		ci_case(&ci, r[i].rule->id, ci_result_of(&r[i]), r[i].detail,
			r[i].checkable ? NULL : "not checkable from userspace", -1);
	ci_end(&ci);
	return out_end();
}

int check_report(struct check_ctx *c, enum check_format f, int *failed)
{
	struct row *r = calloc(check_nrules, sizeof(*r));
	int count[4] = { 0 }, ret = 0;

	if (!r)
		return -ENOMEM;
	rows(c, r, count);
	*failed = count[CK_FAIL];
	if (f == FMT_TEXT || f == FMT_JSON)
		ret = report_out(c, r, count);
	else
		ret = report_ci(c, f, r, count);
	free(r);
	return ret;
}
