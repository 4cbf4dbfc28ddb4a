/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A thread's resume point (struct agent_jmpbuf in agent_abi.h):
 * agent_save_context() is a setjmp that keeps the callee-saved registers,
 * the stack pointer, the return address, MXCSR and the x87 control word.
 *
 * agent_resume_trampoline(blob, blob_len, jmpbuf) is the last step of a
 * restart: the restorer jumps here (this code is part of the restored
 * image), it unmaps the restorer blob, whose stack it no longer uses, and
 * "returns" 1 from agent_save_context().  Only registers are used between
 * the munmap and the jump: the syscall clobbers rax, rcx and r11 only.
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

	.globl agent_resume_trampoline
	.hidden agent_resume_trampoline
	.type agent_resume_trampoline, @function
agent_resume_trampoline:
	movl $11, %eax		/* __NR_munmap (rdi, rsi) */
	syscall
	ldmxcsr 64(%rdx)
	fldcw 68(%rdx)
	movq 0(%rdx), %rbx
	movq 8(%rdx), %rbp
	movq 16(%rdx), %r12
	movq 24(%rdx), %r13
	movq 32(%rdx), %r14
	movq 40(%rdx), %r15
	movq 48(%rdx), %rsp
	movl $1, %eax
	jmpq *56(%rdx)
	.size agent_resume_trampoline, .-agent_resume_trampoline

	.section .note.GNU-stack,"",@progbits
