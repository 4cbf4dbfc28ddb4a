/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcr_run.so.0: makes a program checkpointable without using the API.
 * What cr_run preloads.  It loads libcr.so.0 (the agent) beside it with
 * dlopen(RTLD_LOCAL) and exports nothing of the API: only its link-me
 * symbol and the calls the agent interposes (preload.c), so that
 * libcr.so.0 stays the one copy a dlopen() finds, and cr_init() is not in
 * the program's global scope.
 */
int cr_run_link_me;

/* Referenced by libcr_run_link.a, so that -u ..._link_me keeps this library. */
int ucr_cr_run_anchor;
