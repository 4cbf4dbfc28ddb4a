#!/bin/bash
# 61-system-checkpoint: a program that checkpoints itself with
# system("cr_checkpoint ... $PID") has the checkpointer in its scope, as
# its child.  After a restart system() returns again, and must find that
# child exited 0, as BLCR's cr_checkpoint arranges: ucr saves the
# checkpointer as a child that exited 0, for --tree and --pgid scopes.
# With --pid the program alone is saved, and system() reports the lost
# child (-1, ECHILD) as under BLCR.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/sysckpt"
plan 9

# cycle SCOPE EXPECTED [WRAPPER...]: the program (started under WRAPPER)
# checkpoints itself with SCOPE and ends; restarted, it must print
# EXPECTED as what its system() returned
cycle() {
	local scope=$1 expected=$2 orig
	shift 2
	rm -f "$T/ctx"
	: >"$T/out"	# now: spawn's own truncation comes later, in the background
	spawn "$T/out" "$T/err" "$@" "$bin/cr_run" "$wl/sysckpt" "$bin/cr_checkpoint" -f "$T/ctx" "$scope"
	orig=$spawned
	wait_file_lines "$T/out" 1 30
	is "$(cat "$T/out")" "system: exited=1 status=0" "$scope: system(\"cr_checkpoint\") returns 0" ||
		diag_file "$T/err"
	kill -USR1 "$orig"
	wait_exit "$orig" 30
	wait_pid_free "$orig" || die "the program was not reaped"

	# the line came after the checkpoint: the restored process writes
	# its own at the same offset, 0
	: >"$T/out"
	start_restart "r" "$T/ctx"
	wait_file_lines "$T/out" 1 30
	is "$(cat "$T/out")" "$expected" "$scope: after the restart, system() returns as under BLCR" ||
		diag_file "$T/r.err"
	child_of "$orig" "$rpid" && kill -USR1 "$orig"
	wait_exit "$rpid" 30
	is "$?" 0 "$scope: cr_restart ends as the program did"
}

cycle --tree "system: exited=1 status=0"
cycle --pid "system: -1 errno=No child processes"
# a background job of a script is in the script's group, with processes
# that have no agent: setsid gives the program a group of its own
cycle --pgid "system: exited=1 status=0" setsid
