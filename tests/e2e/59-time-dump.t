#!/bin/bash
# 59-time-dump: cr_checkpoint --time SEC bounds the dump too: a checkpoint
# whose writes block (into a pipe nobody reads) fails at SEC with
# ETIMEDOUT (110), saying so, and the process runs on with its memory
# intact; with time enough, the same checkpoint into a file succeeds.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$wl/memory"
plan 6

mkfifo "$T/ready" "$T/pipe"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/memory" -m 64 -b 1 "$T/ready"
orig=$spawned
wait_ready "$T/ready" 60 || { diag_file "$T/err"; die "memory did not start"; }

# the checkpoint holds both ends of the pipe, and nobody reads it: the
# dump blocks
t0=$EPOCHREALTIME
run_cmd 30 "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" --time 2 --fd 3 "$orig" 3<>"$T/pipe"
st=$?
took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
is "$st" 110 "a dump that blocks past --time 2 fails with ETIMEDOUT (after $took s)" ||
	diag_file "$T/ck.err"
check "at its time, not later" awk -v t="$took" 'BEGIN { exit !(t < 6) }'
grep -q -- "--time) ran out while the context file" "$T/ck.err"
ok $? "saying so" || diag_file "$T/ck.err"

checkpoint "with time enough, a checkpoint into a file succeeds" --time 60 -f "$T/ctx" "$orig"
kill -USR1 "$orig"
wait_exit "$orig" 30
is "$?" 0 "the process ran on, and its check exits 0"
is "$(tail -n 1 "$T/out")" PASS "its memory is intact"
