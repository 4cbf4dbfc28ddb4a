#!/bin/bash
# 65-restart-self: a program restarts, with cr_request_restart(), a copy
# of its own executable (the ordinary case of a program restarting a saved
# copy of itself): the restored root is its child, with the saved pid,
# and runs on to its end.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$wl/restarter"
plan 4

mkfifo "$T/ready"
spawn "$T/w.out" "$T/w.err" "$wl/restarter" -w "$T/ready"
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/w.err"; die "restarter -w did not start"; }
checkpoint "cr_checkpoint --kill exits 0" --kill -f "$T/ctx" "$orig"
wait_pid_free "$orig" || die "the checkpointed process was not reaped"

spawn "$T/r.out" "$T/r.err" "$wl/restarter" "$T/ctx"
rpid=$spawned
wait_file_lines "$T/r.out" 1 30
is "$(head -n 1 "$T/r.out")" "restored root=$orig" \
	"cr_request_restart() of its own executable restores it, with its pid" ||
	diag_file "$T/r.err"
child_of "$orig" "$rpid"
ok $? "as the caller's child"
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$(tail -n 1 "$T/r.out")" "root exited 0" "and the copy runs to its end"
