#!/bin/bash
# 76-restorer-thread-fault: the restorer of a process of eight threads
# fails to create its fourth thread, after three others exist (the test
# build's UCR_FAULT=thread:PID:3 makes that clone3 fail with EAGAIN; the
# blob reports it as it reports a real failure).  The restart fails naming
# the pid and the thread; the threads already created end with their
# process, nothing of it runs on, and no temporary file is left.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$fbin" "$wl/threads"
plan 8

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/threads" -n 8 "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "threads did not start"; }
checkpoint "cr_checkpoint --kill exits 0" --kill -f "$T/ctx" "$orig"
wait_pid_free "$orig" || die "threads was not reaped"
mapfile -t tids < <("$bin/cr_info" "$T/ctx" | awk '$1 == "tid" && $NF != "main" { print $2 }')
is "${#tids[@]}" 8 "the file holds eight threads beside the main one"

start_faulty thread "thread:$orig:3" "$fbin" "$T/ctx"
wait_exit "$rpid" 30
status=$?
check "the restart fails cleanly (exit $status)" failed_cleanly "$status"
tid=$(sed -n "s/.*restore of pid $orig failed creating thread \([0-9]*\): Resource temporarily unavailable$/\1/p" \
	"$T/thread.err")
[ -n "$tid" ] && [[ " ${tids[*]} " == *" $tid "* ]]
ok $? "its message names pid $orig and thread $tid, one of its own" || diag_file "$T/thread.err"
is "$(wc -l <"$T/thread.err")" 1 "in one line"
none_left 10 && no_debris "$T" /tmp
ok $? "no process of the file is left, nor a temporary file"
wait_pid_free "$orig" "${tids[@]}"

start_restart ok "$T/ctx"
wait_restored "$orig" "$rpid" 30
ok $? "without the fault, it restarts" || diag_file "$T/ok.err"
: >"$T/out"
ask_report "$orig" "$T/out"
is "$(cat "$T/out")" PASS "and its check says PASS"
wait_exit "$rpid" 30 >/dev/null || true
