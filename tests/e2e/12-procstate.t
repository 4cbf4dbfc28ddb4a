#!/bin/bash
# 12-procstate: what a restart gives back of the process itself: cwd,
# umask, a lowered soft limit, signal dispositions (a handler with its flags
# and mask, an ignored signal), the blocked-signal mask, and what /proc shows
# of the program (exe, cmdline, comm).
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/procstate"
plan 5

mkdir "$T/work dir"
mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/procstate" "$T/ready" "$T/work dir"
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/out"; die "procstate did not start"; }

checkpoint "cr_checkpoint exits 0" -f "$T/ctx" "$orig"
kill_wait "$orig"

start_restart r "$T/ctx"
wait_restored "$orig" "$rpid" 30
ok $? "the process is restored and waits for SIGUSR1" || diag_file "$T/r.err"
is "$(readlink "/proc/$orig/exe")" "$wl/procstate" "/proc/PID/exe names the program"
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?" 0 "the restored process's check exits 0, and so does cr_restart"
is "$(cat "$T/out")" PASS "cwd, umask, limits, signal state and /proc identity are as they were" ||
	diag_file "$T/r.err"
