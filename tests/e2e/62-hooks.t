#!/bin/bash
# 62-hooks: cr_restart's --run-on-* hooks fire on BLCR's classes of
# failure (bad arguments or a context file that cannot be opened;
# temporary: a pid in use; environmental: a file the restart needs is
# missing; permanent: a file that is no context file, or damaged), run
# through the shell, and a hook's non-zero status becomes cr_restart's.
# A failing success hook's status is cr_restart's at once (the restored
# process runs on), as under BLCR; one that succeeds changes nothing.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/counter"
plan 13

# restart_status ARGS...: cr_restart ARGS in the foreground; prints its status
restart_status() {
	run_cmd 60 "$T/r.out" "$T/r.err" "$bin/cr_restart" "$@"
	echo "$?"
}

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/counter" -r "$T/ready" -n 5 "$T/count"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "the counter did not start"; }
checkpoint "cr_checkpoint exits 0" -f "$T/ctx" "$orig"

is "$(restart_status --run-on-fail-args='exit 41' --no-such-option "$T/ctx")" 41 \
	"a bad option runs --run-on-fail-args"
is "$(restart_status --run-on-fail-args='exit 42' "$T/none")" 42 \
	"a context file that does not exist runs --run-on-fail-args"
is "$(restart_status --run-on-fail-temp='exit 43' "$T/ctx")" 43 \
	"the pid in use runs --run-on-fail-temp"
is "$(restart_status --run-on-fail-perm='exit 44' "$T/ctx")" 16 \
	"but not another class's hook (EBUSY, 16)"
is "$(restart_status --run-on-failure='exit 45' "$T/ctx")" 45 \
	"--run-on-failure runs on every class"
is "$(restart_status --run-on-fail-perm='exit 46' /dev/null)" 46 \
	"/dev/null, no context file, runs --run-on-fail-perm"
flipped_copy "$T/ctx" "$T/bad" >/dev/null
is "$(restart_status --run-on-fail-perm='exit 47' "$T/bad")" 47 \
	"a damaged context file runs --run-on-fail-perm"

kill_wait "$orig"
wait_pid_free "$orig" || die "the counter was not reaped"
mv "$T/count" "$T/count.away"
is "$(restart_status --run-on-fail-env='exit 48' "$T/ctx")" 48 \
	"its open file gone runs --run-on-fail-env"
mv "$T/count.away" "$T/count"

is "$(restart_status --run-on-success='exit 49' "$T/ctx")" 49 \
	"a failing success hook's status is cr_restart's, at once"
track "$orig"
check "and the restored counter runs on" alive "$orig"
kill_wait "$orig"
wait_pid_free "$orig" || die "the restored counter was not reaped"

start_restart ok --run-on-success="echo hooked >'$T/hook'" "$T/ctx"
wait_file_lines "$T/hook" 1 30
is "$(cat "$T/hook" 2>/dev/null)" hooked "a success hook runs once the restart is done" ||
	diag_file "$T/ok.err"
child_of "$orig" "$rpid" || die "the counter is not cr_restart's child"
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?" 0 "and cr_restart still ends as the counter did"
