/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unit tests' one TAP helper: "ok N - what", or "not ok N - what". */
#ifndef UCR_TESTS_TAP_H
#define UCR_TESTS_TAP_H

#include <stdio.h>

static int n_test;
static int n_failed;

static void ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n_test, what);
	if (!cond)
		n_failed++;
}

#endif
