/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The link-time half of each library (libcr_link.a, libcr_run_link.a,
 * libcr_omit_link.a), reached through the linker script that stands as
 * libX.so.  `-u X_link_me' pulls this object into the program; its
 * reference to the shared library's anchor keeps the library as a
 * dependency even where the linker drops unused ones (--as-needed, the
 * default of Debian's gcc).  Built once per library with LINK_ME, ANCHOR
 * and the two reference names defined.
 */
extern int ANCHOR;
extern int ucr_cr_anchor;

int LINK_ME;
int *const LINK_ME_REF = &ANCHOR;
/* libcr.so.0 itself, named before libc in the program's dependencies, so
 * that its wrappers of sigaction, sleep and the like come first */
int *const LINK_ME_REF_CR = &ucr_cr_anchor;
