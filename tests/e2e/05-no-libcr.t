#!/bin/bash
# 05-no-libcr: a process started without cr_run has no agent: the checkpoint
# fails cleanly with one line on stderr, the process is not harmed (in
# particular not killed by the checkpoint signal), and no file is written.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$wl/counter"
plan 8

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$wl/counter" -r "$T/ready" -n 10 "$T/count"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "counter did not start"; }

mkdir "$T/cwd"
(cd "$T/cwd" && run_cmd 60 "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" "$orig")
status=$?
check "cr_checkpoint fails cleanly (exit status $status)" failed_cleanly "$status"
is "$(wc -l <"$T/ck.err")" 1 "it prints one line on stderr" || diag_file "$T/ck.err"
check "which says the process is not checkpointable" \
	grep -qiE 'checkpointable|libcr' "$T/ck.err"
check "the process is alive" alive "$orig"
n=$(lines "$T/count")
check "and still counts" wait_file_lines "$T/count" $((n + 5)) 5
is "$(ls -A "$T/cwd")" "" "no context file (nor any other) is left in the cwd"

kill -USR1 "$orig"
wait_exit "$orig" 10
is "$?" 0 "the counter's own check of its file exits 0"
is "$(cat "$T/out")" PASS "and says PASS"
