#!/bin/bash
# 27-late-park: a thread that blocks the checkpoint signal behind libcr's
# back (raw system call) makes the checkpoint fail once parking times out;
# the process runs on.  When the thread lets the signal in at last, the
# park signal left pending from the failed request is dropped, not
# delivered to the program's disposition (which would kill it), and the
# next checkpoint works.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$wl/rawblock"
plan 6

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/rawblock" "$T/ready"
pid=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/out"; die "rawblock did not start"; }
run_cmd 60 "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" -f "$T/ctx" "$pid"
status=$?
failed_cleanly "$status"
ok $? "a checkpoint that cannot park a thread fails (exit $status)" || diag_file "$T/ck.err"
[ ! -e "$T/ctx" ]
ok $? "and leaves no file"
ask_report "$pid" "$T/out"
is "$(cat "$T/out")" unblocked "the thread lets the signal in"
kill -USR1 "$pid"
wait_file_lines "$T/out" 2 30
is "$(tail -n 1 "$T/out")" alive "the process lives on: the late park signal was dropped"
checkpoint "the next checkpoint works" -f "$T/ctx" "$pid"
[ -s "$T/ctx" ]
ok $? "and writes its file"
kill_wait "$pid"
