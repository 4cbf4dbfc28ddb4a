/*
 * ucr error codes, one CR_ERROR_DEF(name, description) per line.
 *
 * No include guard on purpose: blcr_common.h expands this list into the
 * CR_E* enum, and libcr expands it again into the cr_strerror() table.
 * Define CR_ERROR_DEF before including and undefine it after.
 *
 * Only append.  The values are fixed by position (CR_MIN_ERRCODE + 1 onwards)
 * and are shared with BLCR, so reordering would change the ABI.
 */

CR_ERROR_DEF(CR_ETEMPFAIL, "Checkpoint cancelled by a temporary failure")
CR_ERROR_DEF(CR_EPERMFAIL, "Checkpoint cancelled by a permanent failure, job killed")
CR_ERROR_DEF(CR_ENOSUPPORT, "Checkpoint library missing from one or more processes")
CR_ERROR_DEF(CR_EVERSION, "Interface version not supported")
CR_ERROR_DEF(CR_EOMITTED, "Process left out of the checkpoint by a callback")
CR_ERROR_DEF(CR_EBADARCH, "Context file made for another architecture")
CR_ERROR_DEF(CR_EPTRACED, "A target process is being ptraced")
CR_ERROR_DEF(CR_EPTRACER, "A target process is ptracing other processes")
CR_ERROR_DEF(CR_ERSTRTABRT, "Restart aborted, job killed")
CR_ERROR_DEF(CR_ERESTARTED, "Request not valid across a restart")
CR_ERROR_DEF(CR_ENOTCB, "Only valid from inside a checkpoint callback")
CR_ERROR_DEF(CR_ENOINIT, "Calling thread has not called cr_init()")
