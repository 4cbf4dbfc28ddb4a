/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* userns.c: restarting without privilege, inside namespaces of our own. */
#ifndef UCR_USERNS_H
#define UCR_USERNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct restart_ns {
	bool active;		/* we are in a user namespace of the restart's */
	pid_t init;		/* pid 1 of its pid namespace, or -1 */
};

/* Whether this process lacks what a restart in its own namespaces needs. */
bool userns_needed(void);
/*
 * Moves us into a new user namespace (the user mapped to themselves) and
 * our future children into a new time namespace in which CLOCK_MONOTONIC
 * reads parked_ns now, and, with new_pids, into a new pid namespace whose
 * pid 1 it starts; with new_net, us and them into a new network namespace
 * with its loopback up (TCP repair mode needs CAP_NET_ADMIN over it); with
 * new_ipc, into a new IPC namespace.  0, or a negative errno after one
 * message.
 */
int userns_enter(struct restart_ns *ns, bool new_pids, bool new_net, bool new_ipc,
		 int64_t parked_ns);
/* In a restored root created in that pid namespace, before it restores:
 * a /proc of its own namespace, in a mount namespace of its own.  0, or a
 * negative errno after one message. */
int userns_child_setup(void);
/* The restart is over: pid 1 may end once it is alone in its namespace. */
void userns_restarted(const struct restart_ns *ns);
/* Ends the pid namespace: every process in it. */
void userns_kill(struct restart_ns *ns);
/* The pid, in ours, of the process that is inner in the namespace. */
pid_t userns_outer_pid(const struct restart_ns *ns, pid_t inner);

#endif
