#!/bin/bash
# 68-time-bound: cr_checkpoint --time SEC bounds the whole request, the
# callbacks included: a callback that takes longer makes the checkpoint
# fail at SEC with ETIMEDOUT (110), no file is left, and the process then
# goes on (its cr_checkpoint() in the callback says the request failed).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$wl/restartcb"
plan 5

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$wl/restartcb" "$T/ready" hold
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/err"; die "restartcb did not start"; }
t0=$(date +%s%N)
run_cmd 30 "$T/c.out" "$T/c.err" "$bin/cr_checkpoint" --time 1 -f "$T/ctx" "$orig"
st=$? ms=$((($(date +%s%N) - t0) / 1000000))
is "$st" 110 "a callback of 3 s under --time 1: ETIMEDOUT" || diag_file "$T/c.err"
[ "$ms" -lt 2500 ]
ok $? "at the bound, not at the callback's end ($ms ms)"
check "no context file is left" test ! -e "$T/ctx"
wait_file_lines "$T/out" 1 10
[[ $(cat "$T/out") == "callback rc=-"* ]]
ok $? "the callback's cr_checkpoint() then says it failed ($(cat "$T/out"))"
kill -USR1 "$orig"
wait_exit "$orig" 30
is "$?" 0 "and the process goes on to its end"
