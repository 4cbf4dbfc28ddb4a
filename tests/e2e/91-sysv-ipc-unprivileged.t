#!/bin/bash
# 91-sysv-ipc-unprivileged: an ordinary user checkpoints the SysV IPC
# workload of 90 and restarts it without privilege: cr_restart makes the
# objects again with their ids in an IPC namespace of its own (it may set
# *_next_id only there), so the restart works while the originals still
# hold those ids outside, and the restored tree passes its check.  A
# checkpoint of the restored tree by the user is refused, saying why.
UCR_TEST_TIMEOUT=${UCR_TEST_TIMEOUT:-240}
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_run" "$wl/sysvipc"
plan 7

export ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0	# as in 33-unprivileged
user_prefix "$wl/sysvipc"

key=$((0x75640000 + ($$ % 30000) * 2))
# the originals' objects, which this test leaves outside
sysv_cleanup() {
	ipcrm -S "$key" 2>/dev/null
	ipcrm -Q "$((key + 1))" 2>/dev/null
	read -r _ shm dest _ <"$T/ids" 2>/dev/null && {
		ipcrm -m "$shm" 2>/dev/null
		ipcrm -m "$dest" 2>/dev/null
	}
}
at_cleanup sysv_cleanup

# wait_kid PARENT COMM TIMEOUT: wait for a child of PARENT named COMM; sets $kid
wait_kid() {
	local i
	for ((i = 0; i <= $3 * 20; i++)); do
		kid=$(pgrep -P "$1" -x "$2" | head -1)
		[ -n "$kid" ] && _waiting_for_usr1 "$kid" && { track "$kid"; return 0; }
		nap 0.05
	done
	diag "no child $2 of $1 waiting within $3 s"
	return 1
}

ufifo "$T/ready"
ufile "$T/sv.out" "$T/sv.err"
spawn "$T/sv.out" "$T/sv.err" "${u[@]}" "$prefix/bin/cr_run" "$T/bin/sysvipc" "$key" "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/sv.out"; die "sysvipc did not start"; }
grep '^ids ' "$T/sv.err" >"$T/ids"
read -r _ shm dest sem msg <"$T/ids"
run_cmd 60 "$T/ck.out" "$T/ck.err" "${u[@]}" "$prefix/bin/cr_checkpoint" -f ctx "$orig"
ok $? "the user checkpoints the tree" || diag_file "$T/ck.err"
kids=$(children_of "$orig")
kill_wait "$orig"
# shellcheck disable=SC2086 # its child, which waits on a semaphore
kill -KILL $kids 2>/dev/null

ufile "$T/r.out" "$T/r.err"
spawn "$T/r.out" "$T/r.err" "${u[@]}" "$prefix/bin/cr_restart" -v ctx
rpid=$spawned
wait_kid "$rpid" sysvipc 30
ok $? "the user restarts it while the ids are taken outside" || diag_file "$T/r.err"
grep -q "restoring in a user, pid, IPC and time namespace" "$T/r.err"
ok $? "in an IPC namespace of its own" || diag_file "$T/r.err"
: >"$T/sv.out"
# again: the user may not enter that IPC namespace (setns wants
# CAP_SYS_ADMIN in its own user namespace too)
run_cmd 60 "$T/ck2.out" "$T/ck2.err" "${u[@]}" "$prefix/bin/cr_checkpoint" -f ctx2 "$kid"
failed_cleanly $? && grep -q "cannot enter the IPC namespace of the processes" "$T/ck2.err"
ok $? "the user's checkpoint of the restored tree is refused, saying why" || diag_file "$T/ck2.err"
kill -USR1 "$kid"
wait_file_lines "$T/sv.out" 1 30
is "$(cat "$T/sv.out")" PASS "the restored tree passes its check" || diag_file "$T/r.err"
wait_exit "$rpid" 30
is "$?" 0 "cr_restart ends with it"
