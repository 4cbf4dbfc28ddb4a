#!/bin/bash
# 87-sockets-unprivileged: an ordinary user checkpoints sockets with bytes
# in flight and restarts them: TCP and UDP over loopback (one process, and
# a tree), in a network namespace of the restart's own, where it may use
# TCP repair mode; UNIX socketpairs of every type across a tree, and a
# UNIX listener and a datagram server with their clients.  Each stream
# goes on with no gap and no repeat, datagrams keep their boundaries, the
# clients that waited are accepted.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/tcpflow" "$wl/sockpair" \
	"$wl/socklisten" "$wl/dgserver"
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
plan 22

mkdir "$T/u" && chown "$user:$user" "$T/u"

# cycle NAME NETNS WORKLOAD ARGS...: WORKLOAD ARGS READY run by the user
# under cr_run, checkpointed with --kill, restarted (in a network namespace
# of its own when NETNS is yes), asked to check itself: four or five TAP
# tests
cycle() {
	local name=$1 netns=$2 orig kids rpid back i
	shift 2
	mkfifo -m 666 "$T/$name.ready"
	: >"$T/u/$name.wl" && : >"$T/u/$name.wlerr" &&
		chown "$user:$user" "$T/u/$name.wl" "$T/u/$name.wlerr"
	spawn "$T/u/$name.wl" "$T/u/$name.wlerr" "${u[@]}" "$bin/cr_run" "$@" "$T/$name.ready"
	orig=$spawned
	wait_ready "$T/$name.ready" || { diag_file "$T/u/$name.wlerr"; die "$name did not start"; }
	kids=$(children_of "$orig")
	run_cmd 60 "$T/ck.out" "$T/ck.err" "${u[@]}" "$bin/cr_checkpoint" --tree --kill \
		-f "$T/u/$name.ctx" "$orig"
	ok $? "$name: the user checkpoints it with --kill" || diag_file "$T/ck.err"
	# shellcheck disable=SC2086 # pids are words
	wait_pid_free "$orig" $kids || die "$name was not reaped"
	: >"$T/u/$name.wl"
	spawn "$T/r.out" "$T/$name.r.err" "${u[@]}" "$bin/cr_restart" -v "$T/u/$name.ctx"
	rpid=$spawned
	back=
	for ((i = 0; i < 600; i++)); do
		back=$(pgrep -P "$rpid" -x "$(basename "$1")" | head -1)
		[ -n "$back" ] && break
		nap 0.05
	done
	wait_restored "${back:-0}" "$rpid" 30
	ok $? "$name: the user restarts it" || diag_file "$T/$name.r.err"
	if [ "$netns" = yes ]; then
		grep -q "restoring in a user, pid, network and time namespace" "$T/$name.r.err"
		ok $? "$name: in a network namespace of its own" || diag_file "$T/$name.r.err"
	fi
	"${u[@]}" kill -USR1 "${back:-0}"
	wait_file_lines "$T/u/$name.wl" 1 30
	is "$(cat "$T/u/$name.wl")" PASS "$name: restarted, its check says PASS" ||
		diag_file "$T/$name.r.err"
	wait_exit "$rpid" 30
	is "$?" 0 "$name: cr_restart ends as the program did"
}

cycle tcp-self yes "$wl/tcpflow" self 4 50000
cycle tcp-tree yes "$wl/tcpflow" tree 6 50000
cycle pairs no "$wl/sockpair" tree
cycle listener no "$wl/socklisten" tree "$T/u/l.sock"
cycle dgserver no "$wl/dgserver" tree "$T/u/d.sock"
