/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcr_omit.so.0: a process that loads it vanishes from checkpoints (a
 * helper that its parent re-creates).  Its agent, libcr.so.0 loaded as
 * libcr_run.so.0 loads it (preload.c), answers every request with "omit".
 */
#include <dlfcn.h>

__attribute__((visibility("hidden"))) void *preload_agent(void);

int cr_omit_link_me;

__attribute__((constructor)) static void omit_load(void)
{
	void (*set_omit)(void) = (void (*)(void))dlsym(preload_agent(), "ucr_agent_set_omit");

	if (set_omit)
		set_omit();
}

/* Referenced by libcr_omit_link.a, so that -u ..._link_me keeps this library. */
int ucr_cr_omit_anchor;
