/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcr_omit.so.0: a process that loads it vanishes from checkpoints (a
 * helper that its parent re-creates).  Its agent answers every request
 * with "omit".
 */
void ucr_agent_set_omit(void);

int cr_omit_link_me;

__attribute__((constructor)) static void omit_load(void)
{
	ucr_agent_set_omit();
}

/* Referenced by libcr_omit_link.a, so that -u ..._link_me keeps this library. */
int ucr_cr_omit_anchor;
