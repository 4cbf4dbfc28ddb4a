#!/bin/bash
# 34-orphan: a process whose parent was the child reaper at the checkpoint
# (an orphan in a checkpointed process group) has the reaper as its parent
# again after the restart, not cr_restart, as under BLCR; the group's
# leader is cr_restart's child, and cr_restart ends as it does.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/orphan"
plan 6

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/orphan" "$T/ready"
orig=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/err"; die "orphan did not start"; }
orphan=$(awk '$1 == "orphan" { print $2 }' "$T/out")
[ -n "$orphan" ] || die "no orphan pid in the output"
track "$orphan"
reaper=$(ppid_of "$orphan")
# the test sees init as the reaper; under a child subreaper it is another
[ "$reaper" = 1 ] || die "the orphan's parent is $reaper, not init: a subreaper above the test?"

checkpoint "cr_checkpoint --pgid exits 0" --pgid -f "$T/ctx" "$orig"
kill -KILL "$orphan"
kill_wait "$orig"
wait_pid_free "$orphan" "$orig" || die "the killed processes were not reaped"

start_restart r "$T/ctx"
wait_restored "$orig" "$rpid" 30
ok $? "the leader is restored as cr_restart's child" || diag_file "$T/r.err"
wait_restored "$orphan" "$reaper" 30
ok $? "the orphan is restored as the reaper's child" ||
	{ diag "its parent: $(ppid_of "$orphan")"; diag_file "$T/r.err"; }
kill -USR1 "$orphan"
wait_file_lines "$T/out" 2 30
is "$(tail -n 1 "$T/out")" "orphan ppid=$reaper" "getppid() in the orphan is the reaper"
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?" 0 "cr_restart ends as the leader did (exit 0)"
is "$(tail -n 1 "$T/out")" "leader done" "the leader went on"
