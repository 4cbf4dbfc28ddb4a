#!/bin/bash
# 10-exit-status: cr_restart stays the parent of the restored process and
# ends as it does: with its exit status (7, twice from the same file), or
# killed by the same signal (SIGKILL, SIGTERM).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/exit7"
plan 7

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/exit7" "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "exit7 did not start"; }
checkpoint "cr_checkpoint exits 0" -f "$T/ctx" "$orig"
kill_wait "$orig"

# round N SIGNAL STATUS WHAT: restart, send SIGNAL to the restored process,
# expect cr_restart's wait status STATUS
round() {
	local n=$1 sig=$2 want=$3 what=$4
	start_restart "r$n" "$T/ctx"
	signal_restored "$sig" "$orig" "$rpid" 30
	is "$?" "$want" "restart $n, SIG$sig: cr_restart $what" ||
		diag_file "$T/r$n.err" "cr_restart stderr"
}

round 1 USR1 7 "exits 7 like the restored process"
round 2 USR1 7 "exits 7 again (same context file)"
round 3 KILL 137 "dies by SIGKILL like the restored process"
round 4 TERM 143 "dies by SIGTERM like the restored process"

# The same with the pid changed.
start_restart r5 --no-restore-pid "$T/ctx"
status=255
if wait_restored_child "$rpid" 30; then
	ok 0 "--no-restore-pid: the process is restored under cr_restart"
	kill -USR1 "$child"
	wait_exit "$rpid" 30
	status=$?
else
	ok 1 "--no-restore-pid: the process is restored under cr_restart"
	kill_tree "$rpid"
fi
is "$status" 7 "--no-restore-pid, SIGUSR1: cr_restart exits 7" ||
	diag_file "$T/r5.err" "cr_restart stderr"
