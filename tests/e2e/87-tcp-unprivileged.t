#!/bin/bash
# 87-tcp-unprivileged: an ordinary user checkpoints TCP and UDP over
# loopback (one process, and a tree) and restarts it: the restart, in
# namespaces of its own, makes the connections again in a network
# namespace of its own, where it may use TCP repair mode; the streams go
# on with no gap and no repeat, the clients that waited are accepted.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/tcpflow"
export ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0	# as 33-unprivileged.t
make_user
u=(setpriv --reuid="$user_uid" --regid="$user_gid" --clear-groups --)
if ! as_user test -x "$bin/cr_restart" -a -x "$wl/tcpflow" -a -r "$build/lib/libcr.so.0"; then
	echo "1..0 # SKIP the build is not where user $user can run it"
	exit 0
fi
if ! as_user unshare --user --net true 2>/dev/null; then
	echo "1..0 # SKIP this kernel does not let user $user create a network namespace"
	exit 0
fi
plan 10

mkdir "$T/u" && chown "$user:$user" "$T/u"
for mode in self tree; do
	mkfifo -m 666 "$T/$mode.ready"
	: >"$T/u/$mode.wl" && : >"$T/u/$mode.wlerr" &&
		chown "$user:$user" "$T/u/$mode.wl" "$T/u/$mode.wlerr"
	spawn "$T/u/$mode.wl" "$T/u/$mode.wlerr" "${u[@]}" "$bin/cr_run" "$wl/tcpflow" "$mode" 4 50000 \
		"$T/$mode.ready"
	orig=$spawned
	wait_ready "$T/$mode.ready" || { diag_file "$T/u/$mode.wlerr"; die "tcpflow did not start"; }
	kids=$(children_of "$orig")
	run_cmd 60 "$T/ck.out" "$T/ck.err" "${u[@]}" "$bin/cr_checkpoint" --tree --kill \
		-f "$T/u/$mode.ctx" "$orig"
	ok $? "$mode: the user checkpoints TCP and UDP sockets with --kill" || diag_file "$T/ck.err"
	# shellcheck disable=SC2086 # pids are words
	wait_pid_free "$orig" $kids || die "tcpflow was not reaped"
	: >"$T/u/$mode.wl"
	spawn "$T/r.out" "$T/$mode.r.err" "${u[@]}" "$bin/cr_restart" -v "$T/u/$mode.ctx"
	rpid=$spawned
	back=
	for ((i = 0; i < 600; i++)); do
		back=$(pgrep -P "$rpid" -x tcpflow | head -1)
		[ -n "$back" ] && break
		nap 0.05
	done
	wait_restored "${back:-0}" "$rpid" 30
	ok $? "$mode: the user restarts it" || diag_file "$T/$mode.r.err"
	grep -q "restoring in a user, pid, network and time namespace" "$T/$mode.r.err"
	ok $? "$mode: in a network namespace of its own" || diag_file "$T/$mode.r.err"
	"${u[@]}" kill -USR1 "${back:-0}"
	wait_file_lines "$T/u/$mode.wl" 1 30
	is "$(cat "$T/u/$mode.wl")" PASS "$mode: restarted, its check says PASS" ||
		diag_file "$T/$mode.r.err"
	wait_exit "$rpid" 30
	is "$?" 0 "$mode: cr_restart ends as the program did"
done
