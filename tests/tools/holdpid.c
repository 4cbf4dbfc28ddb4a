/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * holdpid PID FIFO: takes the exact pid PID (clone3 with set_tid) with a
 * child that sleeps until holdpid ends (its parent-death signal), says
 * "ready" on FIFO and waits.  A test occupies the pid a restart is about
 * to give back, without cycling through pids.
 */
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t want, self = getpid(), kid;
	struct clone_args args = { .exit_signal = SIGCHLD };
	FILE *ready;

	if (argc != 3 || (want = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: holdpid PID FIFO\n");
		return 2;
	}
	args.set_tid = (unsigned long)&want;
	args.set_tid_size = 1;
	kid = syscall(SYS_clone3, &args, sizeof(args));
	if (kid < 0) {
		perror("holdpid: clone3");
		return 1;
	}
	if (kid == 0) {
		/* ends with holdpid, which the test kills by its pid */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != self)
			_exit(1);
		for (;;)
			pause();
	}
	ready = fopen(argv[2], "we");
	if (!ready || fprintf(ready, "ready\n") < 0 || fclose(ready) != 0)
		return 1;
	waitpid(kid, NULL, 0);
	return 0;
}
