#!/bin/bash
# 23-cs: a critical section delays a checkpoint until it is left, and
# cr_tryenter_cs() refuses to enter while the checkpoint is pending; the
# checkpoint then happens inside cr_leave_cs(), and a restart resumes there.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/cs" "$wl/forkcs"
plan 16

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$wl/cs" "$T/ready" "$T/ctx"
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/out"; die "cs did not start"; }
"$bin/cr_checkpoint" -f "$T/ctx" "$orig" 2>"$T/ck.err" &
cpid=$!
track "$cpid"
wait_file_lines "$T/out" 3 30
is "$(sed -n 1p "$T/out")" "pending nofile" \
	"inside the section the program sees the checkpoint pending, not taken"
is "$(sed -n 2p "$T/out")" busy "cr_tryenter_cs refuses while it is pending"
is "$(sed -n 3p "$T/out")" "left idle" "leaving the section lets it happen, and it is over"
wait_exit "$cpid" 30
is "$?" 0 "cr_checkpoint exits 0" || diag_file "$T/ck.err"
kill_wait "$orig"

start_restart r "$T/ctx"
wait_restored "$orig" "$rpid" 30
ok $? "restart: the process is back" || diag_file "$T/r.err"
is "$(tail -n 1 "$T/out")" "left idle" "restart: it goes on from its cr_leave_cs()"
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?" 0 "restart: it exits 0, and so does cr_restart"

# --- a fork while another thread is inside a section ---------------------------------
# The child has no such thread: its checkpoint must not wait for it.
spawn "$T/f.out" "$T/f.err" "$wl/forkcs" "$T/ready"
fparent=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/f.out"; die "forkcs did not start"; }
fkid=$(children_of "$fparent")
track "$fkid"
run_cmd 60 "$T/fk.out" "$T/fk.err" "$bin/cr_checkpoint" -t 10 --pid -f "$T/fk.ctx" "$fkid"
ok $? "the child of a fork made inside a section is checkpointed" || diag_file "$T/fk.err"
kill -USR1 "$fkid"
wait_exit "$fparent" 30
is "$?" 0 "the parent's worker left its section and both exit"
is "$(cat "$T/f.out")" "child cs=0" "the child enters a section at once: none is held"

# --- a request for oneself from inside a section ---------------------------------
# It returns at once, pending; the thread-context callback waits for the
# section to end, and the last cr_leave_cs() lets the checkpoint run.
spawn "$T/s.out" "$T/s.err" "$wl/cs" "$T/ready" "$T/s.ctx" --self
self=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/s.out"; die "cs --self did not start"; }
wait_file_lines "$T/s.out" 3 30
is "$(sed -n 1p "$T/s.out")" "pending cb=0" \
	"a self-request inside a section returns at once, pending; no callback ran"
is "$(sed -n 2p "$T/s.out")" busy "cr_tryenter_cs refuses while it is pending"
is "$(sed -n 3p "$T/s.out")" "reaped cb=1 rc=1" \
	"leaving the section ran the checkpoint and its callback; the reap succeeds" ||
	diag_file "$T/s.err"
kill_wait "$self"
wait_pid_free "$self"

start_restart sr "$T/s.ctx"
wait_restored "$self" "$rpid" 30
ok $? "restart of the self-request: the process is back" || diag_file "$T/sr.err"
is "$(tail -n 1 "$T/s.out")" "reaped cb=1 rc=-2 errno=CR_ERESTARTED" \
	"restart: it goes on from its cr_leave_cs() and the reap says CR_ERESTARTED"
kill -USR1 "$self"
wait_exit "$rpid" 30
is "$?" 0 "restart: it exits 0"
