/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcr_run.so.0: makes a program checkpointable without using the API.
 * It needs libcr.so.0 (the agent), and exports nothing but its link-me
 * symbol, so that `-lcr_run -u cr_run_link_me' or LD_PRELOAD loads the
 * agent while libcr.so.0 stays the one copy a dlopen() finds.
 */
int cr_run_link_me;

/* Referenced by libcr_run_link.a, so that -u ..._link_me keeps this library. */
int ucr_cr_run_anchor;
