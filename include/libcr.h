/*
 * libcr: the application interface of ucr, compatible with BLCR's libcr.h.
 *
 * Struct layouts, member order, type widths and constant values are BLCR's:
 * binaries built against BLCR's header must run unchanged against libcr.so.0.
 */

#ifndef _CRLIB_H
#define _CRLIB_H	1

#include <errno.h>	/* BLCR's header made errno visible; callers rely on it */
#include <signal.h>
#include <sys/time.h>	/* struct timeval */
#include <sys/types.h>	/* pid_t */

#include "blcr_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Version of an argument structure, stored in its first member so that the
 * library can tell which members an older caller knows about.
 */
typedef int cr_version_t;
#define CR_CHECKPOINT_ARGS_VERSION	1
#define CR_RESTART_ARGS_VERSION		1

/* Most callbacks one context can hold. */
#define CR_MAX_CALLBACKS	0x1FFFFFF

/* A checkpoint callback; gets the arg given at registration. */
typedef int (*cr_callback_t)(void *);

/* Returned by cr_init(); used with the critical-section calls. */
typedef int cr_client_id_t;

/* Returned by cr_register_callback(). */
typedef int cr_callback_id_t;

/* A lock that may be taken from signal handlers. */
typedef unsigned int cr_spinlock_t;
#define CR_SPINLOCK_INITIALIZER	0U

/* Opaque handles for pending checkpoint and restart requests. */
typedef unsigned long cr_checkpoint_handle_t;
typedef unsigned long cr_restart_handle_t;

/* Where a callback runs; cr_register_callback() needs exactly one of them. */
#define CR_THREAD_CONTEXT	0x4000000	/* in a libcr thread, process-wide */
#define CR_SIGNAL_CONTEXT	0x2000000	/* in the registering thread */

/* Client id a callback passes to the critical-section calls. */
#define CR_ID_CALLBACK	((cr_client_id_t)(-1))

/* What cr_status() reports. */
enum {
	CR_STATE_IDLE,		/* no checkpoint under way */
	CR_STATE_PENDING,	/* a checkpoint was requested, not yet started */
	CR_STATE_ACTIVE		/* a checkpoint is being taken */
};

/* The request being served, as a callback sees it before cr_checkpoint(). */
struct cr_checkpoint_info {
	int signal;		/* sent to the processes afterwards, 0 for none */
	const char *dest;	/* path of the context file */
	pid_t requester;	/* who asked */
	pid_t target;		/* the pid, pgid or sid named by the request */
	cr_scope_t scope;	/* how target is to be read */
};

/* The restart under way, as a callback sees it after cr_checkpoint() > 0. */
struct cr_restart_info {
	pid_t requester;	/* pid of cr_restart */
	const char *src;	/* path of the context file */
};

/* A checkpoint request; fill with cr_initialize_checkpoint_args_t() first. */
typedef struct cr_checkpoint_args {
	cr_version_t cr_version;	/* CR_CHECKPOINT_ARGS_VERSION */
	cr_scope_t cr_scope;		/* what target names */
	pid_t cr_target;		/* pid, pgid or sid; 0 is the caller */
	int cr_fd;			/* destination descriptor, or CR_DEST_CWD */
	int cr_signal;			/* sent to the processes afterwards, or 0 */
	unsigned int cr_timeout;	/* seconds to give the targets, 0 = no limit */
	unsigned int cr_flags;		/* CR_CHKPT_* */
} cr_checkpoint_args_t;

/* A restart request; fill with cr_initialize_restart_args_t() first. */
typedef struct cr_restart_args {
	cr_version_t cr_version;	/* CR_RESTART_ARGS_VERSION */
	int cr_fd;			/* source descriptor */
	int cr_signal;			/* sent before the callbacks run, or 0 */
	unsigned int cr_flags;		/* CR_RSTRT_* */
	struct cr_rstrt_relocate *cr_relocate;	/* path moves, or NULL */
} cr_restart_args_t;

/* Events a cr_register_hook() hook can be attached to. */
typedef enum {
	/* continuing after a checkpoint, in a thread that ... */
	CR_HOOK_CONT_SIGNAL_CONTEXT = 0,	/* ... has signal callbacks or a CS */
	CR_HOOK_CONT_THREAD_CONTEXT,		/* ... runs the thread callbacks */
	CR_HOOK_CONT_NO_CALLBACKS,		/* ... has no callbacks */
	/* restarting from a checkpoint, in a thread that ... */
	CR_HOOK_RSTRT_SIGNAL_CONTEXT,
	CR_HOOK_RSTRT_THREAD_CONTEXT,
	CR_HOOK_RSTRT_NO_CALLBACKS,
	CR_NUM_HOOKS				/* count, not an event */
} cr_hook_event_t;

typedef void (*cr_hook_fn_t)(cr_hook_event_t);
#define CR_HOOK_FN_ERROR	((cr_hook_fn_t)(~0UL))

/* Which setting cr_hold_ctrl() reads or changes. */
enum {
	CR_HOLD_SCOPE_THREAD,	/* the calling thread's own */
	CR_HOLD_SCOPE_INIT,	/* threads that called cr_init() */
	CR_HOLD_SCOPE_UNINIT	/* threads that did not */
};

/* What cr_poll_checkpoint*() return when a step other than waiting fails. */
#define CR_POLL_CHKPT_ERR_PRE	(-1)	/* the wait failed */
#define CR_POLL_CHKPT_ERR_POST	(-2)	/* the reap failed */
#define CR_POLL_CHKPT_ERR_LOG	(-3)	/* reading the messages failed */

/* The same for cr_poll_restart*(). */
#define CR_POLL_RSTRT_ERR_PRE	(-1)
#define CR_POLL_RSTRT_ERR_POST	(-2)
#define CR_POLL_RSTRT_ERR_LOG	(-3)

/* ---- set-up ---------------------------------------------------------------- */

/*
 * Set up libcr for the calling thread; needed once per thread before the
 * other calls, except inside callbacks.  Returns an id >= 0 for the
 * critical-section calls, or < 0 on failure.  Not async-signal-safe.
 */
extern cr_client_id_t cr_init(void);

/*
 * Register func(arg) to run at checkpoint time; flags hold exactly one of
 * CR_THREAD_CONTEXT and CR_SIGNAL_CONTEXT.  Returns an id, or -1 with errno
 * set (CR_ENOINIT, ENOMEM, ENOSPC, EINVAL, EBUSY).
 */
extern cr_callback_id_t cr_register_callback(cr_callback_t func, void *arg, int flags);

/*
 * From a callback: split it into the part before the checkpoint and the part
 * after.  flags is CR_CHECKPOINT_READY or one of the abort flags.  Returns 0
 * when continuing, > 0 when restarting, or a negated CR_E* code on failure.
 */
extern int cr_checkpoint(int flags);

/* CR_STATE_IDLE, CR_STATE_PENDING or CR_STATE_ACTIVE; -1 with errno
 * CR_ENOINIT before cr_init() in this thread. */
extern int cr_status(void);

/*
 * From a callback, before its cr_checkpoint(): the request being served.
 * NULL outside callbacks.  Points to thread-local storage.
 */
extern const struct cr_checkpoint_info *cr_get_checkpoint_info(void);

/*
 * From a callback, after its cr_checkpoint() returned > 0: the restart that
 * brought the process back.  NULL outside callbacks.
 */
extern const struct cr_restart_info *cr_get_restart_info(void);

/* Fill an argument structure with its defaults: scope -1 and cr_fd -1 (the
 * caller must set them), target 0 (the caller), no signal, no timeout, no
 * flags; for a restart, CR_RSTRT_RESTORE_PID.  0, or -1 with EINVAL for an
 * unknown version. */
extern int cri_init_checkpoint_args_t(cr_version_t version, cr_checkpoint_args_t *args);
extern int cri_init_restart_args_t(cr_version_t version, cr_restart_args_t *args);
#define cr_initialize_checkpoint_args_t(_args) \
	cri_init_checkpoint_args_t(CR_CHECKPOINT_ARGS_VERSION, (_args))
#define cr_initialize_restart_args_t(_args) \
	cri_init_restart_args_t(CR_RESTART_ARGS_VERSION, (_args))

/* Spinlocks that signal handlers and callbacks may take: trylock returns
 * non-zero when it took the lock. */
extern void cr_spinlock_init(cr_spinlock_t *lock);
extern void cr_spinlock_lock(cr_spinlock_t *lock);
extern void cr_spinlock_unlock(cr_spinlock_t *lock);
extern int cr_spinlock_trylock(cr_spinlock_t *lock);

/* Critical sections: a checkpoint requested while any thread is inside one
 * waits until it leaves.  cr_enter_cs() may block while a checkpoint is
 * pending or running; cr_tryenter_cs() returns > 0 instead (and the
 * section is then not entered).  Nestable; CR_ID_CALLBACK inside callbacks.
 * 0 on success, -1 with errno on misuse (CR_ENOINIT: before cr_init() in
 * this thread; EINVAL: bad id, or leaving a section that was not entered). */
extern int cr_enter_cs(cr_client_id_t id);
extern int cr_leave_cs(cr_client_id_t id);
extern int cr_tryenter_cs(cr_client_id_t id);

/*
 * Replace registration id (of the same context) by func(arg); a NULL func
 * disables it.  0, or -1 with errno (CR_ENOINIT, EINVAL, EBUSY).
 */
extern int cr_replace_callback(cr_callback_id_t id, cr_callback_t func, void *arg, int flags);

/* From inside a callback: replace the running callback's registration.
 * 0, or -1 with errno CR_ENOTCB outside a callback. */
extern int cr_replace_self(cr_callback_t func, void *arg, int flags);

/*
 * Run hook(event) in every thread the event reaches, from then on; NULL
 * removes it.  Returns the previous hook, or CR_HOOK_FN_ERROR with errno
 * (CR_ENOINIT: cr_init() not called; EINVAL: bad event, or
 * CR_HOOK_FN_ERROR as the hook).
 */
extern cr_hook_fn_t cr_register_hook(cr_hook_event_t event, cr_hook_fn_t hook);

/*
 * Whether threads of a scope (CR_HOLD_SCOPE_*) wait after their callbacks
 * until all callbacks of the process are done, on continue, on restart or
 * both (CR_HOLD_*).  CR_HOLD_READ only reads.  Returns the previous setting,
 * or -1 with errno.
 */
extern int cr_hold_ctrl(int scope, int flags);

/* Keep the calling thread's libcr state past its exit (a reference count);
 * the count before the call, or -1 with errno (CR_ENOINIT; ERANGE when
 * cr_dec_persist() finds 0). */
extern int cr_inc_persist(void);
extern int cr_dec_persist(void);

/* ---- requests from a program --------------------------------------------- */

/*
 * Start a checkpoint of args->cr_scope/cr_target into args->cr_fd (or
 * CR_DEST_CWD).  When the caller is in the scope, returns after its own
 * callbacks ran and it was saved.  0 with *handle set, or -1 with errno
 * (ESRCH, EPERM, EBADF, EINVAL, EDEADLK, EBUSY, CR_ENOSUPPORT, ...).
 */
extern int cr_request_checkpoint(cr_checkpoint_args_t *args, cr_checkpoint_handle_t *handle);

/* From a callback before its cr_checkpoint(): add scope/target to the
 * request being served.  0, or -1 with errno (CR_ENOTCB, EDEADLK, EBUSY). */
extern int cr_forward_checkpoint(cr_scope_t scope, pid_t target);

/* Wait for a request, at most *timeout (NULL: forever).  > 0 done, 0 timed
 * out, < 0 with errno (EINVAL, EINTR). */
extern int cr_wait_checkpoint(cr_checkpoint_handle_t *handle, struct timeval *timeout);

/* Copy up to len bytes of the request's messages into msg, NUL-terminated.
 * Returns the size the whole log needs, NUL included (0: no messages). */
extern int cr_log_checkpoint(cr_checkpoint_handle_t *handle, unsigned int len, char *msg);

/* The request's result, releasing the handle: > 0 success, or -1 with
 * errno (EAGAIN not done, CR_ERESTARTED, CR_ETEMPFAIL, ...). */
extern int cr_reap_checkpoint(cr_checkpoint_handle_t *handle);

/* Wait, log and reap in one: > 0 done, 0 not yet, or CR_POLL_CHKPT_ERR_*.
 * *msg_p gets a malloc()ed copy of the messages, or NULL. */
extern int cr_poll_checkpoint_msg(cr_checkpoint_handle_t *handle, struct timeval *timeout,
				  char **msg_p);
extern int cr_poll_checkpoint(cr_checkpoint_handle_t *handle, struct timeval *timeout);

/*
 * Restart from args->cr_fd in the caller's context: the restored root
 * becomes the caller's child.  The same pattern as the checkpoint calls.
 */
extern int cr_request_restart(cr_restart_args_t *args, cr_restart_handle_t *handle);
extern int cr_wait_restart(cr_restart_handle_t *handle, struct timeval *timeout);
extern int cr_log_restart(cr_restart_handle_t *handle, unsigned int len, char *msg);
/* > 0 is the restored root's pid; -1 with errno on failure or EAGAIN. */
extern int cr_reap_restart(cr_restart_handle_t *handle);
extern int cr_poll_restart_msg(cr_restart_handle_t *handle, struct timeval *timeout,
			       char **msg_p);
extern int cr_poll_restart(cr_restart_handle_t *handle, struct timeval *timeout);

/* Deprecated BLCR shortcuts: checkpoint the calling process (its tree) into
 * context.PID in the cwd, a named file, or a descriptor, and wait. */
extern void cr_request(void);
extern void cr_request_file(const char *filename);
extern void cr_request_fd(int fd);

/* ---- information ------------------------------------------------------------ */

/* Text for a CR_E* code or an ordinary errno value, like strerror(). */
extern const char *cr_strerror(int errnum);

#ifdef __cplusplus
}
#endif

#endif /* _CRLIB_H */
