#!/bin/bash
# 98-request-killed: a program that asked libcr for a checkpoint of
# another process (cr_request_checkpoint) is killed (SIGKILL) while the
# target's callback runs.  The request outlives its requester, as BLCR's
# did: the target's callback goes on and its checkpoint succeeds, the
# target runs on unharmed, and the file the program gave is a whole
# context file that restarts, with nothing left beside it.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_restart" "$bin/cr_info" "$wl/restartcb" "$wl/requester"
plan 7

mkfifo "$T/ready"
mkdir "$T/ctxdir"
spawn "$T/out" "$T/err" "$wl/restartcb" "$T/ready" hold
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/err"; die "restartcb did not start"; }
spawn "$T/rq.out" "$T/rq.err" "$wl/requester" "$orig" "$T/ctxdir/ctx"
requester=$spawned
# the callback takes 3 s
wait_callbacks "$orig"
kill -KILL "$requester"
wait "$requester" 2>/dev/null

wait_file_lines "$T/out" 1 10
is "$(cat "$T/out")" "callback rc=0" "the callback goes on, the checkpoint it takes part in succeeds"
check "the target runs on" alive "$orig"
# the helper that libcr started finishes the file once the target is
# released: a bounded poll for it to be whole
for ((i = 0; i < 200; i++)); do
	"$bin/cr_info" "$T/ctxdir/ctx" >"$T/info" 2>&1 && break
	nap 0.05
done
ok $? "the program's file is a whole context file" || diag_file "$T/info"
is "$(ls -A "$T/ctxdir")" "ctx" "nothing is left beside it"
kill -USR1 "$orig"
wait_exit "$orig" 30
is "$?" 0 "the target runs to its end"
wait_pid_free "$orig"
# restarted, the callback sees the restart and execs /bin/true
run_cmd 60 "$T/r.out" "$T/r.err" "$bin/cr_restart" "$T/ctxdir/ctx"
ok $? "the file restarts" || diag_file "$T/r.err"
