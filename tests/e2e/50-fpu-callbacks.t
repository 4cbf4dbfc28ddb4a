#!/bin/bash
# 50-fpu-callbacks: BLCR's math test, made strict and repeated.  A
# signal-context and a thread-context callback fill the x87 register stack,
# set rounding modes in the x87 control word and MXCSR, and call
# cr_checkpoint(); every value comes back bit for bit, in the process that
# goes on (20 self-checkpoints in a row) and in a process restarted from
# each of the 20 files.  The x87 stack is in no calling convention across
# a call, so only a park that keeps a thread's whole FPU state (XSAVE at
# the park, XRSTOR at the restart) passes the restart legs.  Another
# thread, which the checkpoints interrupt, holds a full x87 stack and the
# 16 vector registers through all of them, on continue and restarted.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/fpcb"
rounds=20
plan $((rounds + 2))

run_cmd 60 "$T/fp.out" "$T/fp.err" "$wl/fpcb" "$T/ctx" "$rounds"
ok $? "$rounds self-checkpoints with the x87 stack full in both callbacks" ||
	diag_file "$T/fp.err"
want=$(for ((i = 1; i <= rounds; i++)); do echo "continue $i PASS"; done; echo "holder PASS")
is "$(cat "$T/fp.out")" "$want" "on continue every value came back, every time, in both threads"

cp "$T/fp.out" "$T/fp.continued"
for ((i = 1; i <= rounds; i++)); do
	# the restored process's stdout is fp.out again, cut back to its size
	# at checkpoint i: its verdict is the last line
	cp "$T/fp.continued" "$T/fp.out"
	run_cmd 30 "$T/r.out" "$T/r.err" "$bin/cr_restart" "$T/ctx.$i"
	status=$?
	last=$(tail -n 1 "$T/fp.out")
	[ "$status" = 0 ] && [ "$last" = "restarted $i PASS" ]
	ok $? "restart $i: the x87 stacks, control words and vector registers are back" || {
		diag "cr_restart exited $status; the program said '$last'"
		diag_file "$T/r.err"
	}
done
