/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A thread's resume point (struct agent_jmpbuf in agent_abi.h):
 * agent_save_context() is a setjmp that keeps the callee-saved registers,
 * the stack pointer and the return address, and saves the thread's whole
 * FPU state (x87 stack, tags and control word, MXCSR, the vector
 * registers) into jb->fpu with XSAVE of the components in jb->fpu_mask
 * (FXSAVE when that is 0).  The caller sets both fields first.
 *
 * agent_resume_thread(jmpbuf) is the last step of a restart, for every
 * thread: the restorer jumps here (this code is part of the restored image)
 * and the thread "returns" 1 from agent_save_context(), on its own stack,
 * with its FPU state as it was: XRSTOR of the same components (cr_restart
 * refuses a CPU whose XCR0 differs).  The agent unmaps the restorer once
 * every thread has left it.
 */
	.text
	.globl agent_save_context
	.hidden agent_save_context
	.type agent_save_context, @function
agent_save_context:
	movq %rbx, 0(%rdi)
	movq %rbp, 8(%rdi)
	movq %r12, 16(%rdi)
	movq %r13, 24(%rdi)
	movq %r14, 32(%rdi)
	movq %r15, 40(%rdi)
	leaq 8(%rsp), %rax
	movq %rax, 48(%rdi)
	movq (%rsp), %rax
	movq %rax, 56(%rdi)
	movq 64(%rdi), %rcx
	movl 72(%rdi), %eax
	movl 76(%rdi), %edx
	testl %eax, %eax
	jz 1f
	xsave64 (%rcx)
	jmp 2f
1:	fxsave64 (%rcx)
2:	xorl %eax, %eax
	ret
	.size agent_save_context, .-agent_save_context

	.globl agent_resume_thread
	.hidden agent_resume_thread
	.type agent_resume_thread, @function
agent_resume_thread:
	movq 64(%rdi), %rcx
	movl 72(%rdi), %eax
	movl 76(%rdi), %edx
	testl %eax, %eax
	jz 1f
	xrstor64 (%rcx)
	jmp 2f
1:	fxrstor64 (%rcx)
2:	movq 0(%rdi), %rbx
	movq 8(%rdi), %rbp
	movq 16(%rdi), %r12
	movq 24(%rdi), %r13
	movq 32(%rdi), %r14
	movq 40(%rdi), %r15
	movq 48(%rdi), %rsp
	movl $1, %eax
	jmpq *56(%rdi)
	.size agent_resume_thread, .-agent_resume_thread

/*
 * long agent_clone_on(unsigned long flags, void *stack_top,
 *                     void (*fn)(long), long arg): clone(2) with flags,
 * the new process on stack_top (16-byte aligned), where it calls fn(arg),
 * which never returns; the caller gets the new pid or -errno.  The new
 * process writes nothing on the caller's stack (hold.c: its memory must
 * stay as the parked process had it).
 */
	.globl agent_clone_on
	.hidden agent_clone_on
	.type agent_clone_on, @function
agent_clone_on:
	pushq %r12
	pushq %r13
	movq %rdx, %r12
	movq %rcx, %r13
	xorl %edx, %edx
	xorl %r10d, %r10d
	xorl %r8d, %r8d
	movl $56, %eax		/* __NR_clone: flags, stack, parent_tid, child_tid, tls */
	syscall
	testq %rax, %rax
	jz 1f
	popq %r13
	popq %r12
	ret
1:	xorl %ebp, %ebp
	movq %r13, %rdi
	callq *%r12
	ud2
	.size agent_clone_on, .-agent_clone_on

	.section .note.GNU-stack,"",@progbits
