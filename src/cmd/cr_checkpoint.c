/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cr_checkpoint [options] ID: BLCR's command line over checkpoint_run(). */
#include <getopt.h>
#include <signal.h>
#include <string.h>

#include "checkpoint/checkpoint.h"
#include "cmd/cmdline.h"
#include "common/request_abi.h"
#include "common/util.h"

enum {
	OPT_ATOMIC = OPT_COMMON_END, OPT_BACKUP, OPT_CLOBBER, OPT_NOCLOBBER, OPT_SYNC,
	OPT_NOSYNC, OPT_SAVE_EXE, OPT_SAVE_PRIVATE, OPT_SAVE_SHARED, OPT_SAVE_ALL, OPT_SAVE_NONE,
	OPT_PTRACED_ERROR, OPT_PTRACED_SKIP, OPT_PTRACED_ALLOW, OPT_PTRACER_ERROR,
	OPT_PTRACER_SKIP, OPT_VERSION, OPT_LIBCR_REQUEST, OPT_LIBCR_PROHIBIT_SELF, OPT_COMPRESS,
	OPT_COW, OPT_INCREMENTAL, OPT_SOCKETS,
};

static const struct option options[] = {
	COMMON_OPTIONS,
	{ "tree", no_argument, NULL, 'T' },
	{ "pid", no_argument, NULL, 'p' },
	{ "process", no_argument, NULL, 'p' },
	{ "pgid", no_argument, NULL, 'g' },
	{ "group", no_argument, NULL, 'g' },
	{ "sid", no_argument, NULL, 's' },
	{ "session", no_argument, NULL, 's' },
	{ "cwd", no_argument, NULL, 'c' },
	{ "dir", required_argument, NULL, 'd' },
	{ "file", required_argument, NULL, 'f' },
	{ "fd", required_argument, NULL, 'F' },
	{ "atomic", no_argument, NULL, OPT_ATOMIC },
	{ "backup", optional_argument, NULL, OPT_BACKUP },
	{ "clobber", no_argument, NULL, OPT_CLOBBER },
	{ "noclobber", no_argument, NULL, OPT_NOCLOBBER },
	{ "sync", no_argument, NULL, OPT_SYNC },
	{ "compress", optional_argument, NULL, OPT_COMPRESS },
	{ "nosync", no_argument, NULL, OPT_NOSYNC },
	{ "cow", no_argument, NULL, OPT_COW },
	{ "incremental", required_argument, NULL, OPT_INCREMENTAL },
	{ "save-exe", no_argument, NULL, OPT_SAVE_EXE },
	{ "save-private", no_argument, NULL, OPT_SAVE_PRIVATE },
	{ "save-shared", no_argument, NULL, OPT_SAVE_SHARED },
	{ "save-all", no_argument, NULL, OPT_SAVE_ALL },
	{ "save-none", no_argument, NULL, OPT_SAVE_NONE },
	{ "sockets", required_argument, NULL, OPT_SOCKETS },
	{ "ptraced-error", no_argument, NULL, OPT_PTRACED_ERROR },
	{ "ptraced-skip", no_argument, NULL, OPT_PTRACED_SKIP },
	{ "ptraced-allow", no_argument, NULL, OPT_PTRACED_ALLOW },
	{ "ptracer-error", no_argument, NULL, OPT_PTRACER_ERROR },
	{ "ptracer-skip", no_argument, NULL, OPT_PTRACER_SKIP },
	{ "time", required_argument, NULL, 't' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	/* internal: libcr's cr_request_checkpoint() runs us as its helper */
	{ UCR_REQUEST_OPTION, required_argument, NULL, OPT_LIBCR_REQUEST },
	{ "libcr-prohibit-self", no_argument, NULL, OPT_LIBCR_PROHIBIT_SELF },
	{ 0 },
};

#define SYNOPSIS "cr_checkpoint [options] ID"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " SYNOPSIS "\n"
		"Save process ID (and by default its descendants) into a context file.\n\n"
		"Scope:        -T, --tree (default)   -p, --pid, --process   -g, --pgid, --group\n"
		"              -s, --sid, --session\n"
		"Destination:  -c, --cwd (context.ID here, default)   -f, --file FILE   -F, --fd FD\n"
		"              -d, --dir DIR (not supported, as in BLCR)\n"
		"Replace:      --atomic (default)   --backup[=NAME]   --clobber   --noclobber\n"
		"Afterwards:   --run (default)   -S, --signal NUM   --stop   --term   --abort\n"
		"              --kill   --cont\n"
		"Sync:         --sync (default)   --nosync\n"
		"Compression:  --compress[=LEVEL] (zstd, 1 to 19; default none)\n"
		"Memory:       --save-none (default)   --save-exe   --save-private\n"
		"              --save-shared   --save-all\n"
		"              --cow (run on while the memory is written, copy-on-write)\n"
		"              --incremental=BASE (only the pages that differ from BASE)\n"
		"Sockets:      --sockets=inherit (default: one to outside is cr_restart's or closed)\n"
		"              --sockets=refuse (one to outside fails the checkpoint)\n"
		"Tracing:      --ptraced-error (default)   --ptraced-allow   --ptraced-skip\n"
		"              --ptracer-error (default)   --ptracer-skip\n"
		"Messages:     --kmsg-none   --kmsg-error (default)   --kmsg-warning\n"
		"Other:        -t, --time SEC   -v, --verbose   -q, --quiet   -h, --help   --version\n"
		"              --list-options (one per line, for shell completion)\n");
}

static int fail_usage(const char *what)
{
	log_error("%s (see --help)", what);
	return EINVAL;
}

/* Parses the options into o; 0 to go on, else the exit code (-1: 0). */
static int parse_options(int argc, char **argv, struct checkpoint_opts *opts)
{
	struct checkpoint_opts o = *opts;
	int c;

	opterr = 0;	/* -? is help, not an error: messages are ours */
	while ((c = getopt_long(argc, argv, "Tpgscd:f:F:S:t:vqh", options, NULL)) != -1) {
		int common = common_option(c, optarg, &o.signal);

		if (common < 0)
			return fail_usage("--signal needs a signal number");
		if (common)
			continue;
		switch (c) {
		case 'T': o.scope = CR_SCOPE_TREE; break;
		case 'p': o.scope = CR_SCOPE_PROC; break;
		case 'g': o.scope = CR_SCOPE_PGRP; break;
		case 's': o.scope = CR_SCOPE_SESS; break;
		case 'c': o.path = NULL; o.fd = -1; break;
		case 'd': return fail_usage("--dir is not implemented (as in BLCR)");
		case 'f': o.path = optarg; o.fd = -1; break;
		case 'F':
			if (parse_int(optarg, &o.fd) || o.fd < 0)
				return fail_usage("--fd needs a descriptor number");
			o.path = NULL;
			break;
		case OPT_ATOMIC: o.policy = OUT_ATOMIC; break;
		case OPT_BACKUP: o.policy = OUT_BACKUP; o.backup = optarg; break;
		case OPT_CLOBBER: o.policy = OUT_CLOBBER; break;
		case OPT_NOCLOBBER: o.policy = OUT_NOCLOBBER; break;
		case OPT_SYNC: o.sync = true; break;
		case OPT_COMPRESS:
			o.compress = 1;	/* zstd's fastest: the checkpoint stays cheap */
			if (optarg && (parse_int(optarg, &o.compress) || o.compress < 1 ||
				       o.compress > 19))
				return fail_usage("--compress takes a level from 1 to 19");
			break;
		case OPT_NOSYNC: o.sync = false; break;
		case OPT_SAVE_EXE: o.save_exe = true; break;
		case OPT_SAVE_PRIVATE: o.save_private = true; break;
		case OPT_SAVE_SHARED: o.save_shared = true; break;
		case OPT_SAVE_ALL: o.save_exe = o.save_private = o.save_shared = true; break;
		case OPT_SAVE_NONE: o.save_exe = o.save_private = o.save_shared = false; break;
		case OPT_SOCKETS:
			if (strcmp(optarg, "inherit") && strcmp(optarg, "refuse"))
				return fail_usage("--sockets takes inherit or refuse");
			o.sockets_refuse = !strcmp(optarg, "refuse");
			break;
		case OPT_PTRACED_ERROR: o.ptraced_allow = o.ptraced_skip = false; break;
		case OPT_PTRACED_ALLOW: o.ptraced_allow = true; o.ptraced_skip = false; break;
		case OPT_PTRACED_SKIP: o.ptraced_skip = true; o.ptraced_allow = false; break;
		case OPT_PTRACER_ERROR: o.ptracer_skip = false; break;
		case OPT_PTRACER_SKIP: o.ptracer_skip = true; break;
		case 't': {
			int t;

			if (parse_int(optarg, &t) || t < 0)
				return fail_usage("--time needs a number of seconds");
			o.timeout = t;
			break;
		}
		case 'v': log_level = LOG_INFO; break;
		case 'q': log_level = LOG_QUIET; break;
		case '?':
			if (optopt != '?') {
				return unknown_option(argv[optind - 1], SYNOPSIS);
			}
			__attribute__((fallthrough));	/* -? asks for help */
		case 'h': usage(stdout); return -1;
		case OPT_VERSION: printf("cr_checkpoint (ucr) %s\n", CR_RELEASE_VERSION); return -1;
		case OPT_LIBCR_REQUEST:
			if (parse_int(optarg, &o.requester) || o.requester <= 0)
				return fail_usage("--" UCR_REQUEST_OPTION " needs a pid");
			opts->requester = o.requester;	/* for the result line */
			break;
		case OPT_LIBCR_PROHIBIT_SELF: o.prohibit_self = true; break;
		case OPT_COW: o.cow = true; break;
		case OPT_INCREMENTAL: o.base = optarg; break;
		default: usage(stderr); return EINVAL;
		}
	}
	if (optind != argc - 1 || parse_int(argv[optind], &o.target) || o.target <= 0)
		return fail_usage("one process ID is needed");
	/* the processes run on before the file is written: a signal "after
	 * the checkpoint" would come before it */
	if (o.cow && o.signal)
		return fail_usage("--cow lets the processes run on: it takes no --kill, --stop, "
				  "--term, --abort, --cont or --signal");
	*opts = o;
	return 0;
}

int main(int argc, char **argv)
{
	struct checkpoint_opts o = { .scope = CR_SCOPE_TREE, .fd = -1, .sync = true };
	int r;

	log_init(argv[0]);
	if (list_options(argc, argv, options))
		return 0;
	r = parse_options(argc, argv, &o);
	if (r)
		r = r < 0 ? 0 : -r;
	else
		r = checkpoint_run(&o);
	/* libcr's request reads the whole code, beyond what an exit status holds */
	if (o.requester)
		request_write_result(STDERR_FILENO, -r, 1);
	if (r && log_level >= LOG_INFO)
		log_info("checkpoint of %d failed", (int)o.target);
	/* BLCR exits with the errno-style code of the failure */
	return r ? (-r & 0xff ? -r & 0xff : 1) : 0;
}
