#!/bin/bash
# 21-fifo-stdin: a named FIFO between two processes of the tree keeps its
# unread bytes across a restart; a process reading its stdin from a pipe
# fed by a process outside the checkpoint reads cr_restart's stdin after
# the restart.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/fifopair" "$wl/linecat"
plan 9

# --- a named FIFO inside the tree ----------------------------------------------
mkfifo "$T/ready" "$T/fifo"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/fifopair" "$T/ready" "$T/fifo"
parent=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/out"; die "fifopair did not start"; }
kid=$(children_of "$parent")
track "$kid"
checkpoint "cr_checkpoint of the FIFO's two ends exits 0" -f "$T/ctx" "$parent"
kill -KILL "$kid" "$parent"
kill_wait "$parent"
wait_pid_free "$kid"
start_restart r "$T/ctx"
wait_restored "$parent" "$rpid" 30 && wait_restored "$kid" "$parent" 30
ok $? "restart: the reader is back under the writer" || diag_file "$T/r.err"
kill -USR1 "$kid" "$parent"
wait_exit "$rpid" 30
is "$?" 0 "restart: the reader's check exits 0, and so do the writer and cr_restart"
is "$(cat "$T/out")" PASS "the 180 unread lines were still in the FIFO, in order" ||
	diag_file "$T/r.err"

# --- stdin from a pipe that leads outside ------------------------------------------
mkfifo "$T/in"
"$bin/cr_run" "$wl/linecat" <"$T/in" >"$T/cat.out" 2>"$T/cat.err" &
cat_pid=$!
track "$cat_pid"
exec 7>"$T/in"
echo before >&7
wait_file_lines "$T/cat.out" 1 30
is "$(cat "$T/cat.out")" "got: before" "linecat reads its stdin"
checkpoint "cr_checkpoint of linecat exits 0" -f "$T/ctx2" "$cat_pid"
kill_wait "$cat_pid"
exec 7>&-

printf 'after restart\n' | "$bin/cr_restart" "$T/ctx2" >"$T/r2.out" 2>"$T/r2.err" &
rpid=$!
track "$rpid"
wait_file_lines "$T/cat.out" 2 30
ok $? "restart: linecat reads on" || diag_file "$T/r2.err"
is "$(tail -n 1 "$T/cat.out")" "got: after restart" "it reads cr_restart's stdin"
wait_exit "$rpid" 30
is "$?" 0 "at the end of cr_restart's stdin it exits 0, and so does cr_restart"
