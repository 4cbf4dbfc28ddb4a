#!/bin/bash
# 16-signals-timers: pending signals (a queued real-time signal keeps its
# value, a raised standard one stays pending), ITIMER_REAL and a POSIX
# timer keep firing at their rate with the same timer_t, a handler runs on
# its sigaltstack, and a robust mutex whose owner thread exits is reported
# EOWNERDEAD: after a checkpoint that continues, and after a restart.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/sigtimers" "$wl/robust"
plan 10

# both NAME: continue and restart, each checked by the workload itself
both() {
	local name=$1 what=$2
	mkfifo "$T/ready.$name"
	spawn "$T/out.$name" "$T/err.$name" "$bin/cr_run" "$wl/$name" "$T/ready.$name"
	orig=$spawned
	wait_ready "$T/ready.$name" 30 || { diag_file "$T/out.$name"; die "$name did not start"; }
	checkpoint "$name: cr_checkpoint exits 0" -f "$T/ctx.$name" "$orig"
	kill -USR1 "$orig"
	wait_exit "$orig" 30
	is "$?" 0 "$name: after the checkpoint, $what" || diag_file "$T/out.$name"

	start_restart "r.$name" "$T/ctx.$name"
	wait_restored "$orig" "$rpid" 30
	ok $? "$name: restored" || diag_file "$T/r.$name.err"
	kill -USR1 "$orig"
	wait_exit "$rpid" 30
	is "$?" 0 "$name: after the restart, $what (exit 0)"
	is "$(cat "$T/out.$name")" PASS "$name: after the restart, PASS" ||
		diag_file "$T/r.$name.err"
	rm -f "$T/ctx.$name"
}

both sigtimers "pending signals, both timers and the altstack handler are right"
both robust "the dead owner's robust mutex is reported EOWNERDEAD"
