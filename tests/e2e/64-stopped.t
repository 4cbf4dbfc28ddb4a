#!/bin/bash
# 64-stopped: a process in a job-control stop (^Z, SIGSTOP) is
# checkpointed at once: it is woken for its part of the request and
# stopped again when it is over (with --cont it runs on).  A restart of it
# comes back stopped, after its restart callbacks, unless cr_restart is
# asked for --cont.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/counter"
plan 10

# wait_state PID STATE: within 10 s, PID's state is STATE (T: stopped)
wait_state() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(state_of "$1")" = "$2" ] && return 0
		nap 0.05
	done
	diag "pid $1 is in state $(state_of "$1"), not $2"
	return 1
}

# counts PID: the counter PID writes numbers within 5 s
counts() {
	local n
	n=$(lines "$T/count")
	wait_file_lines "$T/count" $((n + 5)) 5
}

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/counter" -r "$T/ready" -n 5 "$T/count"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "the counter did not start"; }
kill -STOP "$orig"
wait_state "$orig" T || die "the counter did not stop"

t0=$(date +%s%N)
checkpoint "cr_checkpoint of a stopped process exits 0" -f "$T/ctx" "$orig"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 1000 ]
ok $? "within 1 s ($ms ms)"
check "and the process is stopped again" wait_state "$orig" T
"$bin/cr_info" "$T/ctx" >"$T/info"
grep -q "^process $orig (counter), stopped" "$T/info"
ok $? "cr_info says it was stopped" || diag_file "$T/info"

checkpoint "cr_checkpoint --cont of a stopped process exits 0" --cont -f "$T/ctx2" "$orig"
check "with --cont it runs on" counts "$orig"
kill_wait "$orig"
wait_pid_free "$orig" || die "the counter was not reaped"

start_restart r "$T/ctx"
check "restarted, it comes back stopped" wait_state "$orig" T
child_of "$orig" "$rpid" && kill -CONT "$orig"
check "and counts once continued" counts "$orig"
kill_wait "$orig"
wait_pid_free "$orig" || die "the restored counter was not reaped"

start_restart r2 --cont "$T/ctx"
check "with cr_restart --cont it runs" counts "$orig" || diag_file "$T/r2.err"
child_of "$orig" "$rpid" && kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?" 0 "and its count is whole (the counter's own check)"
