/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The resources, in the order every pass walks them: the dump
 * (checkpoint/dump.c), the check and the coordinator's prepare and commit
 * (restart/restart.c), and the new process's restore and plan
 * (restart/child.c).  A new resource is one file in src/res/ with its
 * struct res_ops, and its line here (and its name in the extern list).
 *
 * Where the order matters, and why:
 * - The dump writes a process's records in this order, the one
 *   docs/FORMAT.md fixes and the reader expects: IMG_PROCESS, its
 *   IMG_THREADs, IMG_AUXV, IMG_SIGACTS, then its IMG_FILEs (with the
 *   IMG_PIPE of each pipe after its first end) and its IMG_AREAs.
 * - The plan of "process" sets the whole plan->mm; "auxv" then adds
 *   the auxiliary vector's size to it.
 * - "socket_rights" sends the queues that hold descriptors in flight once
 *   "files" made the open file descriptions they carry.
 * - "epoll" adds the items of the epoll instances once "files" put back
 *   the descriptors they name.
 * - "fs" enters the working directory after "files" reopened the
 *   descriptors by paths that may be relative to cr_restart's own.
 * - "pipes" is prepared before the open files that processes share, as
 *   it always was; "sockets" and "events" too: the open files take their
 *   sockets and event objects.
 * - "sysv" makes the SysV IPC objects before any process: the blob
 *   attaches the segments that "memory" plans by their ids.
 */
#include "res.h"
#include "common/util.h"

/* each defined in its file, src/res/NAME.c */
extern const struct res_ops process_ops, threads_ops, auxv_ops, signals_ops, pipes_ops,
	sockets_ops, inet_ops, events_ops, mqueue_ops, files_ops, socket_rights_ops, locks_ops,
	epoll_ops, fs_ops, memory_ops, sysv_ops;

const struct res_ops *const res_table[] = {
	&process_ops,
	&threads_ops,
	&auxv_ops,
	&signals_ops,
	&pipes_ops,
	&sockets_ops,
	&inet_ops,
	&events_ops,
	&mqueue_ops,
	&files_ops,
	&socket_rights_ops,
	&epoll_ops,
	&fs_ops,
	&locks_ops,
	&memory_ops,
	&sysv_ops,
};
const size_t res_table_len = ARRAY_SIZE(res_table);

bool res_applies(const struct res_ops *ops, bool zombie)
{
	return !zombie || ops->zombie_too;
}
