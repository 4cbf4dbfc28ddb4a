#!/bin/bash
# 78-restart-killed-unprivileged: cr_restart without privilege restores
# in a user, pid and time namespace of its own, whose pid 1 (ucr-init)
# ends when cr_restart does until the restart is over.  cr_restart is
# killed (SIGKILL) once it has created the tree, while the restorers run,
# and once every image is back: each time ucr-init is gone, and with it
# every process of the namespace; no temporary file is left.  Then the
# tree restarts there.
UCR_TEST_TIMEOUT=${UCR_TEST_TIMEOUT:-180}
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$fbin" "$wl/tree"
# a sanitized cr_restart's LeakSanitizer tracer would land in the pid
# namespace (33-unprivileged.t)
export ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0
make_user
# the user's commands, exec'd by setpriv: $! is the command's pid
u=(setpriv --reuid="$user_uid" --regid="$user_gid" --clear-groups --)
if ! as_user test -x "$fbin" -a -x "$wl/tree" -a -r "$build/lib/libcr.so.0"; then
	echo "1..0 # SKIP the build is not where user $user can run it"
	exit 0
fi
plan 14

mkdir "$T/u" && chown "$user:$user" "$T/u"
mkfifo -m 666 "$T/ready"
: >"$T/u/wl" && : >"$T/u/wlerr" && chown "$user:$user" "$T/u/wl" "$T/u/wlerr"
spawn "$T/u/wl" "$T/u/wlerr" "${u[@]}" "$bin/cr_run" "$wl/tree" "$T/ready" 2 2
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/u/wlerr"; die "tree did not start"; }
run_cmd 60 "$T/ck.out" "$T/ck.err" "${u[@]}" "$bin/cr_checkpoint" --kill -f "$T/u/ctx" "$orig"
ok $? "the user checkpoints the tree with --kill" || diag_file "$T/ck.err"
# shellcheck disable=SC2046 # pids are words
wait_pid_free $(saved_pids "$T/u/ctx") || die "the tree was not reaped"

# init_of RPID: the pid of the ucr-init that cr_restart RPID started
init_of() {
	local c comm
	_children "$1"
	for c in "${_kids[@]}"; do
		{ read -r comm <"/proc/$c/comm"; } 2>/dev/null
		[ "$comm" = ucr-init ] && { echo "$c"; return 0; }
	done
	return 1
}

# killed NAME POINT: the user's cr_restart killed at POINT: four TAP tests
killed() {
	local name=$1 point=$2 init
	start_faulty "$name" "pause:$point" "${u[@]}" "$fbin" "$T/u/ctx"
	paused "$name" "$point"
	ok $? "$name: cr_restart pauses at $point"
	init=$(init_of "$rpid")
	ok $? "$name: its namespace's pid 1 runs (${init:-none})"
	kill -KILL "$rpid"
	wait_exit "$rpid" 10 >/dev/null
	wait_gone "${init:-0}" 10
	ok $? "$name: killed, cr_restart takes ucr-init with it"
	none_left 30 && no_debris "$T" "$T/u" /tmp
	ok $? "$name: no process of the namespace is left, nor a temporary file"
}

killed created created
killed go go
killed restored restored

spawn "$T/ok.out" "$T/ok.err" "${u[@]}" "$bin/cr_restart" "$T/u/ctx"
rpid=$spawned
wait_restored_child "$rpid" 30 >/dev/null
for ((i = 0; i < 600; i++)); do
	[ "$(pgrep -c -f "$T/ready")" -ge 7 ] && break
	nap 0.05
done
is "$(pgrep -c -f "$T/ready")" 7 "then the tree's seven processes restart" || diag_file "$T/ok.err"
kill_tree "$rpid"
wait "$rpid" 2>/dev/null || true
