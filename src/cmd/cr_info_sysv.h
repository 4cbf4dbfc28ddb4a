/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cr_info's listing of the SysV IPC objects of a context file. */
#ifndef UCR_CR_INFO_SYSV_H
#define UCR_CR_INFO_SYSV_H

#include "image/image.h"

/* For people: a "sysv: N" line, then one line per object. */
void info_sysv_text(const struct image *img);
/* For tools: the value of "sysv" (docs/cr_info-json.md). */
void info_sysv_json(const struct image *img);

#endif
