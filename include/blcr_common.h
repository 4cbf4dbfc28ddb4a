/*
 * Constants and types of the BLCR interface shared by libcr and the
 * cr_checkpoint / cr_restart commands.
 *
 * Names and numeric values follow Berkeley Lab Checkpoint/Restart 0.8.x so that
 * programs and scripts written for BLCR keep working; only the version macros
 * are ucr's own.
 */

#ifndef _BLCR_COMMON_H
#define _BLCR_COMMON_H	1

#include <sys/types.h>

/*
 * Signal used to deliver checkpoint requests.  BLCR took SIGRTMAX, which is
 * 64 on Linux x86_64.  glibc's SIGRTMAX is a function call (it depends on how
 * many real-time signals the thread library keeps for itself), so it cannot
 * appear in a constant expression; the number is spelled out instead.
 */
#define CR_SIGNUM	64

/* Release of ucr. */
#define CR_RELEASE_MAJOR	0
#define CR_RELEASE_MINOR	1
#define CR_RELEASE_PATCH	0
#define CR_RELEASE_VERSION	"0.1.0"

/* Version of libcr; LIBCR_MAJOR is the soname number (libcr.so.0). */
#define LIBCR_MAJOR	0
#define LIBCR_MINOR	1
#define LIBCR_PATCH	0
#define LIBCR_VERSION	"0.1.0"

/*
 * Error codes, reported through errno or as negated return values.  They sit
 * well above the kernel's errno range so they can never be mistaken for one.
 * CR_ETEMPFAIL is 2354 and CR_ENOINIT is 2365; new codes are only appended.
 */
#define CR_ERROR_DEF(name, desc)	name,
enum {
	CR_MIN_ERRCODE = 2353,
#include "blcr_errcodes.h"
	CR_MAX_ERRCODE
};
#undef CR_ERROR_DEF

/* Word-sized boolean, suitable for atomic operations. */
typedef long cr_bool_t;

/* Context file formats; only one has ever been supported. */
typedef enum {
	cr_format_vmadump = 0
} cr_format_t;

/* What a checkpoint request covers. */
typedef enum {
	CR_SCOPE_PROC,	/* one process, every thread in it */
	CR_SCOPE_PGRP,	/* every process of a process group */
	CR_SCOPE_SESS,	/* every process of a session */
	CR_SCOPE_TREE	/* a process and all its descendants */
} cr_scope_t;

/*
 * Flags a callback passes to cr_checkpoint().  BLCR declares these as enum
 * constants (not macros), and so do we.
 */
enum {
	CR_CHECKPOINT_READY = 0,	/* go ahead and checkpoint */
	CR_CHECKPOINT_TEMP_FAILURE = 1,	/* cancel the request, everyone continues */
	CR_CHECKPOINT_PERM_FAILURE = 2,	/* cancel the request, kill its processes */
	CR_CHECKPOINT_OMIT = 4		/* checkpoint the others, without this process */
};

/*
 * The failure flags with a caller-chosen error code (1..65535) carried in the
 * upper 16 bits; it replaces CR_ETEMPFAIL / CR_EPERMFAIL as the reported error.
 */
#define CR_CHECKPOINT_TEMP_FAILURE_CODE(_v)	(CR_CHECKPOINT_TEMP_FAILURE | ((_v) << 16))
#define CR_CHECKPOINT_PERM_FAILURE_CODE(_v)	(CR_CHECKPOINT_PERM_FAILURE | ((_v) << 16))

#define CR_CHECKPOINT_ABORT_MASK \
	(CR_CHECKPOINT_TEMP_FAILURE | CR_CHECKPOINT_PERM_FAILURE | CR_CHECKPOINT_OMIT)

/*
 * Pass as the destination descriptor to write "context.<id>" in the
 * requester's working directory.  Not -1, so that an unchecked failed open()
 * is not taken for this request.
 */
#define CR_DEST_CWD	(-4096)

/* Checkpoint request flags (cr_checkpoint_args_t.cr_flags), or'ed together. */
#define CR_CHKPT_PROHIBIT_SELF	0x00000001	/* EDEADLK if the caller is in scope */
#define CR_CHKPT_PTRACED_ALLOW	0x00000002	/* treat ptraced targets like others */
#define CR_CHKPT_PTRACED_SKIP	0x00000004	/* leave ptraced targets out */
#define CR_CHKPT_PTRACER_SKIP	0x00000008	/* leave out targets that ptrace others */
#define CR_CHKPT_ASYNC_ERR	0x00000010	/* report request errors when reaping */
#define CR_CHKPT_DUMP_EXEC	0x00000200	/* save the executable */
#define CR_CHKPT_DUMP_PRIVATE	0x00000400	/* save private file mappings */
#define CR_CHKPT_DUMP_SHARED	0x00000800	/* save shared file mappings */
#define CR_CHKPT_DUMP_ALL \
	(CR_CHKPT_DUMP_EXEC | CR_CHKPT_DUMP_PRIVATE | CR_CHKPT_DUMP_SHARED)

/* Restart-time path relocation: every restored path under oldpath moves. */
struct cr_rstrt_relocate_pair {
	const char *oldpath;
	const char *newpath;
};

struct cr_rstrt_relocate {
	unsigned int count;
	struct cr_rstrt_relocate_pair path[];
};

/* Bytes to allocate for a struct cr_rstrt_relocate holding _cnt pairs. */
#define CR_RSTRT_RELOCATE_SIZE(_cnt) \
	(sizeof(struct cr_rstrt_relocate) + (_cnt) * sizeof(struct cr_rstrt_relocate_pair))

/* Most pairs BLCR accepted in one request (ucr may accept more). */
#define CR_MAX_RSTRT_RELOC	16

/* Restart request flags (cr_restart_args_t.cr_flags), or'ed together. */
#define CR_RSTRT_ASYNC_ERR	0x00000001	/* report request errors when reaping */
#define CR_RSTRT_RESTORE_PID	0x00000002	/* give back the original pids */
#define CR_RSTRT_RESTORE_PGID	0x00000004	/* give back the process groups */
#define CR_RSTRT_RESTORE_SID	0x00000008	/* give back the sessions */

/* Hold settings for cr_hold_ctrl(). */
#define CR_HOLD_READ	(-1)	/* only read the current setting */
#define CR_HOLD_NONE	0	/* resume as soon as the thread's own callbacks end */
#define CR_HOLD_CONT	1	/* wait for all callbacks when continuing */
#define CR_HOLD_RSTRT	2	/* wait for all callbacks when restarting */
#define CR_HOLD_BOTH	(CR_HOLD_CONT | CR_HOLD_RSTRT)
#define CR_HOLD_DFLT	4	/* thread scope only: use the process setting */

#endif /* _BLCR_COMMON_H */
