/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmdline.h"
#include "common/util.h"

int common_option(int c, const char *arg, int *signal)
{
	switch (c) {
	case OPT_RUN: *signal = 0; return 1;
	case 'S':
		/* the last one given wins, as for the named ones */
		return parse_int(arg, signal) || *signal < 0 || *signal > 64 ? -1 : 1;
	case OPT_STOP: *signal = SIGSTOP; return 1;
	case OPT_TERM: *signal = SIGTERM; return 1;
	case OPT_ABORT: *signal = SIGABRT; return 1;
	case OPT_KILL: *signal = SIGKILL; return 1;
	case OPT_CONT: *signal = SIGCONT; return 1;
	case OPT_KMSG_NONE: log_level = LOG_QUIET; return 1;
	case OPT_KMSG_ERROR: log_level = LOG_ERROR; return 1;
	case OPT_KMSG_WARNING: log_level = LOG_WARN; return 1;
	}
	return 0;
}

int unknown_option(const char *arg, const char *synopsis)
{
	log_error("unknown option or missing argument: %s", arg);
	if (log_level > LOG_QUIET)
		fprintf(stderr, "Usage: %s (see --help)\n", synopsis);
	return EXIT_USAGE;
}

bool list_options(int argc, char **argv, const struct option *opts)
{
	if (argc != 2 || strcmp(argv[1], "--list-options"))
		return false;
	for (const struct option *o = opts; o->name; o++)
		if (strncmp(o->name, "libcr-", 6))
			printf("--%s%s\n", o->name, o->has_arg == required_argument ? "=" : "");
	return true;
}
