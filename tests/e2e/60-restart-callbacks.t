#!/bin/bash
# 60-restart-callbacks: a restart is done when the images are back, before
# any code of the program runs.  A program whose restart callback execs
# (LAM's mpirun did) restarts and ends as that exec does, at once, 20 runs
# in a row; cr_restart does not wait for callbacks.  The signal that
# --stop asks for still comes after the restart callbacks, as under BLCR:
# a callback that takes its time has finished when the process stops.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/restartcb"
plan 7

# saved MODE: restartcb MODE, checkpointed with --kill into $T/MODE.ctx,
# its output in $T/MODE.out; sets $orig
saved() {
	local mode=$1
	mkfifo "$T/$mode.ready"
	spawn "$T/$mode.out" "$T/$mode.err" "$wl/restartcb" "$T/$mode.ready" "$mode"
	orig=$spawned
	wait_ready "$T/$mode.ready" 30 || { diag_file "$T/$mode.err"; die "restartcb did not start"; }
	checkpoint "cr_checkpoint --kill exits 0 ($mode)" --kill -f "$T/$mode.ctx" "$orig"
	wait_pid_free "$orig" || die "the checkpointed process was not reaped"
}

saved exec

runs=0 slowest=0
for ((i = 0; i < 20; i++)); do
	t0=$(date +%s%N)
	run_cmd 20 "$T/r.out" "$T/r.err" "$bin/cr_restart" "$T/exec.ctx"
	st=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -gt "$slowest" ] && slowest=$ms
	[ "$st" = 0 ] || { diag "run $((i + 1)): cr_restart exited with $st"; diag_file "$T/r.err"; break; }
	wait_pid_free "$orig" || break
	runs=$((runs + 1))
done
is "$runs" 20 "a restart whose callback execs /bin/true exits 0, 20 runs in a row"
[ "$slowest" -lt 10000 ]
ok $? "none waited for the callback (slowest run: $slowest ms)"

saved slow
start_restart stop --stop "$T/slow.ctx"
for ((i = 0; i < 400; i++)); do
	[ "$(state_of "$orig")" = T ] && break
	nap 0.05
done
is "$(state_of "$orig")" T "cr_restart --stop: the restored process stops" || diag_file "$T/stop.err"
is "$(tr '\n' ' ' <"$T/slow.out")" "callback begins callback ends " \
	"and only once its restart callback ended"
child_of "$orig" "$rpid" && kill -USR1 "$orig" && kill -CONT "$orig"
wait_exit "$rpid" 30
is "$?" 0 "cr_restart ends as the process did"
