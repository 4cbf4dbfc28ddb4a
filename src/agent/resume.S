/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A thread's resume point (struct agent_jmpbuf in agent_abi.h):
 * agent_save_context() is a setjmp that keeps the callee-saved registers,
 * the stack pointer, the return address, MXCSR and the x87 control word.
 *
 * agent_resume_thread(jmpbuf) is the last step of a restart, for every
 * thread: the restorer jumps here (this code is part of the restored image)
 * and the thread "returns" 1 from agent_save_context(), on its own stack.
 * The agent unmaps the restorer once every thread has left it.
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
	stmxcsr 64(%rdi)
	fnstcw 68(%rdi)
	xorl %eax, %eax
	ret
	.size agent_save_context, .-agent_save_context

	.globl agent_resume_thread
	.hidden agent_resume_thread
	.type agent_resume_thread, @function
agent_resume_thread:
	ldmxcsr 64(%rdi)
	fldcw 68(%rdi)
	movq 0(%rdi), %rbx
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
