#!/bin/bash
# 18-family: a parent and its child incrementing a counter in shared
# anonymous memory under a process-shared mutex both see and change the
# same memory after a restart; a file opened before the fork and read
# alternately keeps its one shared offset; a child that exited before the
# checkpoint and was not reaped is reaped after the restart with its status.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/family"
plan 7

for i in $(seq 0 99); do printf '%03d\n' "$i"; done >"$T/records"
mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/family" "$T/ready" "$T/records"
parent=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/out"; die "family did not start"; }
read -r dead kid <<<"$(children_of "$parent")"
track "$kid"

checkpoint "cr_checkpoint of the family exits 0" -f "$T/ctx" "$parent"
"$bin/cr_info" "$T/ctx" >"$T/info"
grep -q "process $dead: zombie" "$T/info"
ok $? "the exited child is saved as a zombie" || diag_file "$T/info"
is "$(grep -c 'shared-anon .* 4 KiB saved' "$T/info")" 1 "the shared page is saved once"
kill -KILL "$kid" "$parent"
kill_wait "$parent"
wait_pid_free "$kid" "$dead"

start_restart r "$T/ctx"
wait_restored "$parent" "$rpid" 30
ok $? "restart: the parent is back" || diag_file "$T/r.err"
is "$(children_of "$parent" | tr ' ' '\n' | sort -n | tr '\n' ' ')" "$dead $kid " \
	"restart: both children are back under it with their pids"
kill -USR1 "$parent"
wait_exit "$rpid" 30
is "$?" 0 "restart: the parent's checks exit 0, and so does cr_restart"
is "$(cat "$T/out")" PASS "shared memory, the mutex, the shared offset and the zombie's status hold" ||
	diag_file "$T/r.err"
