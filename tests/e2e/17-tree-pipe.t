#!/bin/bash
# 17-tree-pipe: a parent writes a sequence into a pipe faster than its child
# reads it.  The tree (the default scope) is checkpointed with bytes in the
# pipe, both are killed, and the restart rebuilds parent and child with
# their pids and parenthood and the pipe with its bytes: the child goes on
# with no gap and no repeat.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/pipeseq"
plan 9

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/pipeseq" "$T/ready"
parent=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/out"; die "pipeseq did not start"; }
kid=$(children_of "$parent")
track "$kid"

checkpoint "cr_checkpoint of the tree exits 0" -f "$T/ctx" "$parent"
"$bin/cr_info" "$T/ctx" >"$T/info" 2>&1
is "$(grep -c '^process' "$T/info")" 2 "the context file holds both processes"
bytes=$(awk '/^  pipe [0-9]+:/ { print $3 }' "$T/info")
ok "$([ "${bytes:-0}" -gt 0 ]; echo $?)" "the pipe's bytes are saved ($bytes)" ||
	diag_file "$T/info"
at=$(lines "$T/out")
kill -KILL "$kid" "$parent"
kill_wait "$parent"
wait_pid_free "$kid"

start_restart r "$T/ctx"
wait_file_lines "$T/out" $((at + 5)) 30
ok $? "restart: the child reads on past where it was" || diag_file "$T/r.err"
is "$(ppid_of "$kid")" "$parent" "restart: the child has its pid and its parent"
is "$(ppid_of "$parent")" "$rpid" "restart: the parent is cr_restart's child"
track "$parent"
kill -USR1 "$kid"
wait_exit "$rpid" 30
status=$?
is "$(grep -c FAIL "$T/out")" 0 "no number was lost or read twice" || diag_file "$T/out"
is "$(tail -n 1 "$T/out")" PASS "the child's last word is PASS"
# the parent ends on the broken pipe when its child is gone, and cr_restart
# ends as it does
is "$status" 141 "cr_restart ends as the restored root did (SIGPIPE)"
