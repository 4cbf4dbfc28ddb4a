/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cr_info's pieces: its main file (cr_info.c) and the sockets' listing. */
#ifndef UCR_CMD_INFO_H
#define UCR_CMD_INFO_H

#include "image/image.h"

/* cr_info.c: s as a JSON string (docs/cr_info-json.md). */
void json_string(const char *s);
/* info_sockets.c: the UNIX, TCP and UDP sockets, as text and as the
 * "sockets" member of --json. */
void info_sockets_text(const struct image *img);
void info_sockets_json(const struct image *img);

#endif
