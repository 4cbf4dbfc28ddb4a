#!/bin/bash
# 11-info: cr_info describes a context file: the process (pid, program),
# its memory areas and its open files.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_info" "$wl/counter"
plan 9

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/counter" -r "$T/ready" -n 5 "$T/count"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "counter did not start"; }
checkpoint "cr_checkpoint exits 0" -f "$T/ctx" "$orig"

run_cmd 60 "$T/info.out" "$T/info.err" "$bin/cr_info" "$T/ctx"
ok $? "cr_info exits 0" || diag_file "$T/info.err" "cr_info stderr"
check "it names the pid ($orig)" grep -qw "$orig" "$T/info.out"
check "it names the program ($wl/counter)" grep -qF "$wl/counter" "$T/info.out"
check "it lists memory areas ([heap] or [stack])" grep -qE '\[(heap|stack)\]' "$T/info.out"
check "it lists the counter's open file ($T/count)" grep -qF "$T/count" "$T/info.out"
diag_file "$T/info.out" "cr_info output"

run_cmd 60 "$T/info2.out" "$T/info2.err" "$bin/cr_info" "$T/missing"
status=$?
check "cr_info of a missing file fails cleanly (exit status $status)" failed_cleanly "$status"
check "and names the file" grep -qF "$T/missing" "$T/info2.err"

kill -USR1 "$orig"
wait_exit "$orig" 10
is "$?" 0 "the counter was left running and its check exits 0"
