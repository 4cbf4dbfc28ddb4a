/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The builder: cr_restart's core, callable from a program too. */
#ifndef UCR_RESTART_H
#define UCR_RESTART_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "res/res.h"
#include "userns.h"

/* --relocate FROM=TO: a path at or under FROM is restored under TO. */
struct restart_reloc {
	const char *from, *to;
};

struct restart_opts {
	const char *path;	/* the context file, or NULL with fd */
	int fd;			/* >= 0: read from this descriptor */
	bool restore_pid;
	bool restore_pgid, restore_sid;
	int signal;		/* sent to the restored root once it runs, 0 none */
	const struct restart_reloc *relocs;	/* the first that matches applies */
	size_t n_relocs;
	/* >= 0: serving libcr's cr_request_restart() (common/request_abi.h):
	 * the roots are our parent's children (CLONE_PARENT), the requester
	 * restored callbacks see is our parent, and the roots a failure
	 * kills, which only it can reap, are named on this descriptor */
	int request_fd;
	enum ucr_omit omit;	/* --omit-*: what later checkpoints do with us */
	bool lazy;		/* --lazy: private memory mapped from the file */
};

/* Marks the calling process as a cr_restart waiting for what it restored
 * (common/agent_abi.h), for the dumper to apply its --omit-* choice. */
void restart_mark_waiting(enum ucr_omit omit);

/*
 * Restores the processes of a context file as children of the caller.
 * Returns the pid of the restored root (> 0), or a negative errno after one
 * message on stderr; then no process was left behind.
 */
pid_t restart_run(const struct restart_opts *o);

/* chain.c: a context file, and an increment's bases. */
/* Whether the user may restart the file at fd: 0, or -EACCES after a line. */
int chain_check_owner(int fd, const char *name);
/* Loads img's bases (img->base_img...), each checked; 0 or -errno after a
 * line.  chain_free frees them, whatever chain_load returned. */
int chain_load(struct image *img, const char *name, unsigned int flags);
void chain_free(struct image *img);
/*
 * The page data of every file of the chain, loaded unchecked: start
 * forks a process that computes its checksums while the restart goes on
 * (the restorers read the pages meanwhile), end waits for its result.  No
 * restored process runs, and no written file is truncated, before
 * chain_check_end returned 0; -EBADMSG after a line naming the damaged
 * file.  chain_check_end may be called again, or on a check zeroed and
 * never started: it then does nothing.
 */
struct chain_check {
	const struct image *img, *bad;
	const char *name;
	pid_t checker;		/* the process checking, or 0 */
	int result_fd;		/* where it says the result */
	bool started, pending;
	int r;
	char err[512];
};
void chain_check_start(struct chain_check *c, const struct image *img, const char *name);
int chain_check_end(struct chain_check *c);
/* Each file of the chain as a helper the processes inherit (rst_fd). */
int chain_open(struct image *img, struct rst_shared *sh);
void chain_close(struct image *img);

/*
 * The whole restart, as every new process inherits it: it reads its own
 * part and creates its own children (child.c).
 */
struct restart {
	const struct restart_opts *o;
	struct image *img;
	struct rst_ctx *procs;		/* one per image process */
	struct rst_shared shared;	/* helpers, inherited by all */
	int status_fd;			/* write end: each blob reports here */
	int go_fd;			/* read end: a byte each, once files are ready */
	int status_parent, go_parent;	/* cr_restart's ends, closed in the children */
	int log_fd;			/* the children's messages, above the helpers' base */
	struct agent_restart_info info;
	struct restart_ns ns;		/* without privilege: our own namespaces */
	bool roots_sibling;		/* roots as our parent's children */
	pid_t *holders;			/* placeholders of groups and sessions (ids.c) */
	size_t n_holders;
	bool holder_sibling;		/* they are our parent's children */
	struct log_progress progress;	/* of the pages read, on a terminal */
};

/* child.c: creates process i (and, from it, its children); returns its pid
 * in the caller, never returns in the new process.  A root is created as
 * the caller's sibling when serving a request (o->request_fd). */
pid_t child_create(struct restart *rs, size_t i, bool root);
/* child.c: clone3, with that pid if pid > 0, as our sibling if asked. */
pid_t child_clone(pid_t pid, bool sibling);
/* child.c: creates root i, whose parent was the child reaper, under the
 * reaper again; its pid as seen in the namespace of the roots. */
pid_t child_create_orphan(struct restart *rs, size_t i);

/* restart.c: creates every root (process without a parent in the file);
 * their pids in roots, *ret_n of them even on failure; 0 or -errno. */
int restart_create_roots(struct restart *rs, size_t *ret_n, pid_t *roots);

/* report.c: the restorers' verdicts, 0 once all n images of img are in
 * place (meanwhile the progress of the pages they read; a lock taken by
 * another process meanwhile is named from img); then the "restored" of
 * n agents, whose sockets go in socks, to be answered by report_confirm():
 * with ok, each process goes on; without, each ends itself. */
int report_wait_restorers(const struct image *img, int status_fd, size_t n,
			  struct log_progress *progress);
int report_wait_agents(int listen_fd, size_t n, int *socks);
void report_confirm(int *socks, size_t n, bool ok);

/* ids.c: --restore-pgid and --restore-sid without the original pids.
 * ids_check() before any process exists (EBUSY: an id is in use);
 * ids_create_roots() creates the roots, with placeholders where needed;
 * ids_release() ends the placeholders once the restart is over or failed. */
int ids_check(struct restart *rs);
int ids_create_roots(struct restart *rs, size_t *ret_n, pid_t *roots);
void ids_release(struct restart *rs);

#endif
