#!/bin/bash
# 15-threads: multithreaded programs.  8 workers with thread-local counters
# under a shared mutex and condition variable come back from a restart with
# their tids; every worker advances, and pthread_join of each returns its
# value.  Then 200 threads: checkpoint and restart succeed (the checkpoint
# time is reported).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/threads"
plan 12

tids() { ls "/proc/$1/task" 2>/dev/null | sort -n | tr '\n' ' '; }

# run_threads N: checkpoint, check after continue, restart, check again
run_threads() {
	local n=$1 t0 t1 before after
	mkfifo "$T/ready.$n"
	spawn "$T/out.$n" "$T/err.$n" "$bin/cr_run" "$wl/threads" -n "$n" "$T/ready.$n"
	orig=$spawned
	wait_ready "$T/ready.$n" 60 || { diag_file "$T/out.$n"; die "threads did not start"; }
	before=$(tids "$orig")
	t0=$(date +%s%N)
	checkpoint "$n threads: cr_checkpoint exits 0" -f "$T/ctx.$n" "$orig"
	t1=$(date +%s%N)
	diag "checkpoint of $n threads: $(( (t1 - t0) / 1000000 )) ms, $(stat -c %s "$T/ctx.$n") bytes"
	kill_wait "$orig"

	start_restart "r.$n" "$T/ctx.$n"
	wait_restored "$orig" "$rpid" 60
	ok $? "$n threads: the process is restored" || diag_file "$T/r.$n.err"
	after=$(tids "$orig")
	is "$after" "$before" "$n threads: every thread is back with its tid"
	kill -USR1 "$orig"
	wait_exit "$rpid" 60
	is "$?" 0 "$n threads: the restored check exits 0, and so does cr_restart"
	is "$(cat "$T/out.$n")" PASS "$n threads: workers advance, keep their tids, and join" ||
		diag_file "$T/r.$n.err"
}

run_threads 8
run_threads 200

# the same file again, under a new pid: tids are new, and glibc's record
# of each thread's tid must follow (pthread_join, gettid)
start_restart r3 --no-restore-pid "$T/ctx.8"
wait_restored_child "$rpid" 60
ok $? "--no-restore-pid: the 8-thread process is restored under a new pid" ||
	diag_file "$T/r3.err"
kill -USR1 "$child"
wait_exit "$rpid" 60
is "$?" 0 "--no-restore-pid: its workers advance and join (PASS, exit 0)" ||
	diag_file "$T/out.8"
