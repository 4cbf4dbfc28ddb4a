#!/bin/bash
# 70-requester-killed: cr_checkpoint is killed (SIGKILL) while the
# target's callback runs.  The target goes on by itself once its callback
# is over (the callback's cr_checkpoint() says the request failed), is not
# left parked nor busy (a new checkpoint of it succeeds), and no file is
# left where the context file was to go.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$wl/restartcb"
plan 5

mkfifo "$T/ready"
mkdir "$T/ctxdir"
spawn "$T/out" "$T/err" "$wl/restartcb" "$T/ready" hold
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/err"; die "restartcb did not start"; }
spawn "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" -f "$T/ctxdir/ctx" "$orig"
dumper=$spawned
# the callback takes 3 s
wait_callbacks "$orig"
kill -KILL "$dumper"
wait "$dumper" 2>/dev/null

wait_file_lines "$T/out" 1 10
[[ $(cat "$T/out") == "callback rc=-"* ]]
ok $? "the callback goes on, its request failed ($(cat "$T/out"))"
is "$(ls -A "$T/ctxdir")" "" "nothing is left where the context file was to go"
: >"$T/out"
checkpoint "a new checkpoint of the target succeeds" -f "$T/ctx2" "$orig"
kill -USR1 "$orig"
wait_exit "$orig" 30
is "$?" 0 "and the target runs to its end"
