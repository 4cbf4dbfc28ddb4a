#!/bin/bash
# 26-callbacks: where callbacks run in a multithreaded program.  The
# thread-context callback runs first, in a thread of libcr's own; each
# thread's signal-context callback runs in that thread; each sees 0 from
# cr_checkpoint() when continuing and > 0 after a restart; the hooks run
# once per thread with the event of its kind.  A process whose callbacks
# are still running when another request forwards to it answers EBUSY.
# A thread-context callback that needs a lock the main thread holds most of
# the time still runs: the program's threads run on meanwhile.  Restarted
# under new pids and tids (--no-restore-pid), every callback still runs.
# A request or a forward that reaches a process while another request is
# written (every thread blocking the checkpoint signal) fails at once with
# EBUSY, as it does while a restart's callbacks run.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/cbthreads" "$wl/forwarder"
plan 26

# report_ok FILE RC HOOKS: the cbthreads line says T ran first, in libcr's
# thread, and M and W (in either order) in their own, all seeing RC
report_ok() {
	local line
	line=$(tail -n 1 "$1")
	[[ $line =~ ^T=lib:1:$2\ M=main:([23]):$2\ W=worker:([23]):$2\ hooks=$3$ ]] &&
		[ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ] && return 0
	diag "got: $line"
	return 1
}

# busy_at_once WHAT PID: a checkpoint of PID fails with EBUSY within 2 s
busy_at_once() {
	local start=$EPOCHREALTIME status ms
	run_cmd 60 "$T/at-once.out" "$T/at-once.err" "$bin/cr_checkpoint" -f "$T/at-once.ctx" "$2"
	status=$?
	ms=$(( (${EPOCHREALTIME/./} - ${start/./}) / 1000 ))
	[ "$status" = 16 ] && [ "$ms" -lt 2000 ]
	ok $? "$1 fails at once with EBUSY (exit $status after $ms ms)" ||
		diag_file "$T/at-once.err"
}

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$wl/cbthreads" "$T/ready"
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/out"; die "cbthreads did not start"; }
checkpoint "cr_checkpoint of a program with callbacks in three threads exits 0" \
	-f "$T/ctx" "$orig"
ask_report "$orig" "$T/out"
report_ok "$T/out" 0 001
ok $? "continue: thread context first in libcr's thread, then each thread's own; hooks 0 0 1"
kill_wait "$orig"

start_restart r "$T/ctx"
wait_restored "$orig" "$rpid" 30
ok $? "restart: the process is back" || diag_file "$T/r.err"
ask_report "$orig" "$T/out"
report_ok "$T/out" 1 334
ok $? "restart: the same order and threads, each saw 1; hooks 3 3 4"
kill_wait "$rpid"
kill -KILL "$orig" 2>/dev/null
wait_gone "$orig" 30

start_restart r2 --no-restore-pid "$T/ctx"
wait_restored_child "$rpid" 30
ok $? "restart under a new pid: the process is back" || diag_file "$T/r2.err"
ask_report "$child" "$T/out"
report_ok "$T/out" 1 334
ok $? "under new tids: every callback ran in its thread, each saw 1"
kill_wait "$rpid"
kill -KILL "$child" 2>/dev/null

# --- forwarding to a process that is in another checkpoint ----------------------
mkfifo "$T/block"
spawn "$T/b.out" "$T/b.err" "$wl/cbthreads" "$T/ready" "$T/block"
busy=$spawned
wait_ready "$T/ready" 30 || die "cbthreads did not start"
spawn "$T/ck1.out" "$T/ck1.err" "$bin/cr_checkpoint" -f "$T/busy.ctx" "$busy"
ck1=$spawned
wait_file_lines "$T/b.out" 1 30
is "$(cat "$T/b.out")" blocked "the first checkpoint is held in a callback"
run_cmd 60 "$T/ck2.out" "$T/ck2.err" "$bin/cr_checkpoint" -f "$T/busy2.ctx" "$busy"
is "$?" 16 "meanwhile a second cr_checkpoint of it fails at once with EBUSY"
spawn "$T/fw.out" "$T/fw.err" "$wl/forwarder" "$T/ready" "$busy"
fw=$spawned
wait_ready "$T/ready" 30 || die "forwarder did not start"
checkpoint "a second checkpoint, of a process that forwards to the busy one, exits 0" \
	--pid -f "$T/fw.ctx" "$fw"
is "$(processes "$T/fw.ctx")" 1 "it holds the forwarding process alone"
ask_report "$fw" "$T/fw.out"
is "$(cat "$T/fw.out")" "forward=-1 errno=16 rc=0" "cr_forward_checkpoint() failed with EBUSY"
echo go >"$T/block"
wait_exit "$ck1" 30
ok $? "released, the first checkpoint completes" || diag_file "$T/ck1.err"
kill_wait "$fw"
[ -s "$T/busy.ctx" ]
ok $? "and writes its file"
echo go >"$T/block" &
checkpoint "a third checkpoint of it works: nothing was left behind" -f "$T/busy3.ctx" "$busy"
kill_wait "$busy"

# --- a thread-context callback needs what the program holds --------------------------
spawn "$T/l.out" "$T/l.err" "$wl/cbthreads" "$T/ready" --lock
locker=$spawned
wait_ready "$T/ready" 30 || die "cbthreads --lock did not start"
checkpoint "a checkpoint whose callback takes the main thread's mutex completes" \
	-f "$T/lock.ctx" "$locker"
ask_report "$locker" "$T/l.out"
report_ok "$T/l.out" 0 001
ok $? "the callbacks ran as usual"
kill_wait "$locker"

# --- a request while another is written, every thread blocking the signal --------
# The first checkpoint writes into a pipe nobody reads yet: its dumper stays
# in write() with every thread of the process parked, signals blocked, so
# no thread can take a second request's signal; the second learns from
# /proc that the process is in another request, and fails at once.
mkfifo "$T/go"
spawn "$T/q.out" "$T/q.err" "$wl/cbthreads" "$T/ready" --thread-only
q=$spawned
wait_ready "$T/ready" 30 || die "cbthreads did not start"
"$bin/cr_checkpoint" -F 1 "$q" 2>"$T/q1.err" > >(read -r _ <"$T/go"; cat >"$T/q1.ctx") &
q1=$!
track "$q1"
in_syscall "$q1" 1 30 || diag_file "$T/q1.err"	# write(2)
busy_at_once "a second request" "$q"
spawn "$T/qf.out" "$T/qf.err" "$wl/forwarder" "$T/ready" "$q"
qf=$spawned
wait_ready "$T/ready" 30 || die "forwarder did not start"
start=$EPOCHREALTIME
checkpoint "a checkpoint of a process that forwards to it exits 0" --pid -f "$T/qf.ctx" "$qf"
ms=$(( (${EPOCHREALTIME/./} - ${start/./}) / 1000 ))
ask_report "$qf" "$T/qf.out"
is "$(cat "$T/qf.out") $(( ms < 2000 ))" "forward=-1 errno=16 rc=0 1" \
	"its forward failed at once with EBUSY ($ms ms)"
kill_wait "$qf"
echo go >"$T/go"
wait_exit "$q1" 30
is "$?" 0 "the first completes"
shdpnd=$(awk '/^ShdPnd:/ { print $2 }' "/proc/$q/status")
(( !((16#$shdpnd >> 63) & 1) ))
ok $? "and no signal of the others is left pending"
checkpoint "and a third works: nothing was left behind" -f "$T/q3.ctx" "$q"
kill_wait "$q"

# --- a restart is a request until its callbacks end ------------------------------------
spawn "$T/rb.out" "$T/rb.err" "$wl/cbthreads" "$T/ready" "$T/block"
rb=$spawned
wait_ready "$T/ready" 30 || die "cbthreads did not start"
echo go >"$T/block" &
checkpoint "a program whose callback waits on a FIFO is checkpointed" -f "$T/rb.ctx" "$rb"
kill_wait "$rb"
start_restart rrb "$T/rb.ctx"
wait_file_lines "$T/rb.out" 2 30 || diag_file "$T/rrb.err"
busy_at_once "while its restart callback waits, a checkpoint" "$rb"
echo go >"$T/block"
wait_restored "$rb" "$rpid" 30
ok $? "released, the restart completes" || diag_file "$T/rrb.err"
kill "$rb"
wait_exit "$rpid" 30
is "$?" 143 "and cr_restart ends as the process did (SIGTERM)"
