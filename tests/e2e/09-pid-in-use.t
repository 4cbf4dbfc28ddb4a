#!/bin/bash
# 09-pid-in-use: restarting while the original still runs fails with a
# message about the pid and leaves the original alone; --no-restore-pid
# restarts it beside the original under a new pid, and both work.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/memory"
plan 12

mkfifo "$T/ready"
# stdout O_APPEND: the original and the restored copy each add their line.
spawn "+$T/out" "$T/err" "$bin/cr_run" "$wl/memory" -m 16 -b 4 "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "memory did not start"; }
checkpoint "cr_checkpoint exits 0" -f "$T/ctx" "$orig"

run_cmd 60 "$T/r1.out" "$T/r1.err" "$bin/cr_restart" "$T/ctx"
status=$?
check "restart with the pid in use fails cleanly (exit status $status)" \
	failed_cleanly "$status"
check "its message is about the pid" grep -qiE 'pid|in use' "$T/r1.err" ||
	diag_file "$T/r1.err" "cr_restart stderr"
check "and names it ($orig)" grep -qw "$orig" "$T/r1.err"
check "the original still runs" alive "$orig"

start_restart r2 --no-restore-pid "$T/ctx"
wait_restored_child "$rpid" 30
ok $? "--no-restore-pid: it is restored as cr_restart's child, waiting for SIGUSR1" ||
	diag_file "$T/r2.err" "cr_restart stderr"
new=${child:-none}
check "--no-restore-pid: under a new pid ($new)" test "$new" != "$orig"
is "$(children_of "$rpid")" "$new" "--no-restore-pid: it is cr_restart's only child"
status=255
if [ -n "$child" ]; then
	kill -USR1 "$child"
	wait_exit "$rpid" 30
	status=$?
else
	kill_tree "$rpid"
fi
is "$status" 0 "--no-restore-pid: its memory check exits 0, and so does cr_restart" ||
	diag_file "$T/r2.err" "cr_restart stderr"
is "$(cat "$T/out")" PASS "--no-restore-pid: it says PASS"

kill -USR1 "$orig"
wait_exit "$orig" 30
is "$?" 0 "the original's memory check exits 0 too"
is "$(cat "$T/out")" $'PASS\nPASS' "and it says PASS"
