/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The options cr_checkpoint and cr_restart share, as BLCR spells them: what
 * happens to the processes afterwards, and how much is said.
 */
#ifndef UCR_CMDLINE_H
#define UCR_CMDLINE_H

#include <getopt.h>
#include <stdbool.h>

enum {
	OPT_RUN = 256, OPT_STOP, OPT_TERM, OPT_ABORT, OPT_KILL, OPT_CONT,
	OPT_KMSG_NONE, OPT_KMSG_ERROR, OPT_KMSG_WARNING,
	OPT_COMMON_END		/* a tool's own options start here */
};

#define COMMON_OPTIONS \
	{ "run", no_argument, NULL, OPT_RUN }, \
	{ "signal", required_argument, NULL, 'S' }, \
	{ "stop", no_argument, NULL, OPT_STOP }, \
	{ "term", no_argument, NULL, OPT_TERM }, \
	{ "abort", no_argument, NULL, OPT_ABORT }, \
	{ "kill", no_argument, NULL, OPT_KILL }, \
	{ "cont", no_argument, NULL, OPT_CONT }, \
	{ "kmsg-none", no_argument, NULL, OPT_KMSG_NONE }, \
	{ "kmsg-error", no_argument, NULL, OPT_KMSG_ERROR }, \
	{ "kmsg-warning", no_argument, NULL, OPT_KMSG_WARNING }

/*
 * Takes option c (getopt's, with its argument) if it is one of the above:
 * the signal to send afterwards goes to *signal (0: none), the messages to
 * log_level.  1 taken, 0 not one of them, -1 a bad signal number.
 */
int common_option(int c, const char *arg, int *signal);

/* BLCR's cr_checkpoint and cr_restart answer an option they do not know
 * with their usage and exit(-1). */
#define EXIT_USAGE 255

/* Says that arg is no option of the command, with its synopsis (the
 * "Usage:" line without "Usage: "); returns EXIT_USAGE. */
int unknown_option(const char *arg, const char *synopsis);

/*
 * `CMD --list-options' (alone): prints every long option of opts, one per
 * line, "--name" or "--name=" when it takes an argument, but libcr's
 * internal ones; the shell completion (dist/bash-completion) reads it, so
 * that it cannot drift from the parser.  true when it was asked for.
 */
bool list_options(int argc, char **argv, const struct option *opts);

#endif
