/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one writer of CI reports: TAP version 13 and JUnit XML, for check's
 * rules and for its soak alike. Text from outside (a driver's detail, a
 * device name) is made safe for the format here.
 */
#ifndef VFIOMIG_CI_REPORT_H
#define VFIOMIG_CI_REPORT_H

#include <stdbool.h>
#include <stddef.h>

enum ci_format { CI_TAP, CI_JUNIT };
enum ci_result { CI_PASS, CI_FAIL, CI_SKIP };

struct ci {
	enum ci_format f;
	size_t i;            /* cases written so far */
};

/*
 * A suite of tests cases, of which failures failed and skipped were
 * skipped (JUnit says the counts first); name and comment (TAP's "#"
 * line, NULL: none) are the run's.
 */
void ci_begin(struct ci *c, enum ci_format f, const char *name, size_t tests,
	      int failures, int skipped, const char *comment);
/* One case; secs < 0: no time; why: a skip's or a failure's reason, else
 * NULL (a pass's detail goes in detail). */
void ci_case(struct ci *c, const char *name, enum ci_result r, const char *detail,
	     const char *why, double secs);
void ci_end(struct ci *c);
/* A run that could not check anything: a valid report that says so. */
void ci_nothing(enum ci_format f, const char *name, const char *reason);

#endif
