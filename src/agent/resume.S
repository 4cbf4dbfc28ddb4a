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

	.section .note.GNU-stack,"",@progbits
