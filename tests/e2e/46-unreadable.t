#!/bin/bash
# 46-unreadable: a file that became unreadable to the user who restarts
# (chmod 000 after the checkpoint) makes the restart fail with one line
# naming the process, the file and the reason, before any process exists:
# a data file the program reads through a descriptor, and a file it only
# maps.  Made readable again, the same context file restarts and the
# program reads on where it was.  All as a throwaway unprivileged user
# (root reads any file), with ucr installed in a prefix, as test 33 does.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_run" "$wl/reader" "$wl/mapfile"
plan 11

# Built with sanitizers, cr_restart would never end: see test 33.
export ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0

user_prefix "$wl/reader" "$wl/mapfile"

# saved NAME WORKLOAD ARGS...: WORKLOAD ARGS FIFO run by the user under
# cr_run (stdout $T/u/NAME.out), checkpointed by the user with --kill into
# NAME.ctx: one TAP test; sets $orig
saved() {
	local name=$1
	shift
	ufifo "$name.ready"
	ufile "$name.out" "$name.err"
	spawn "$name.out" "$name.err" "${u[@]}" "$prefix/bin/cr_run" "$@" "$T/u/$name.ready"
	orig=$spawned
	wait_ready "$name.ready" || { diag_file "$name.err"; die "$name did not start"; }
	run_cmd 60 "$T/$name.ck.out" "$T/$name.ck.err" "${u[@]}" "$prefix/bin/cr_checkpoint" \
		--kill -f "$name.ctx" "$orig"
	ok $? "$name: the user checkpoints it with --kill" || diag_file "$T/$name.ck.err"
	wait_gone "$orig" 30
}

# unreadable NAME FILE WORKLOAD: a restart of NAME.ctx by the user fails,
# naming pid, FILE and the reason, and creates no process
unreadable() {
	local name=$1 file=$2 comm=$3 st
	run_cmd 30 "$T/$name.r.out" "$T/$name.r.err" "${u[@]}" "$prefix/bin/cr_restart" "$name.ctx"
	st=$?
	failed_cleanly "$st"
	ok $? "$name: with $file unreadable, the restart fails cleanly (exit $st)"
	is "$(wc -l <"$T/$name.r.err") $(grep -c "pid $orig.*$file: Permission denied" "$T/$name.r.err")" \
		"1 1" "$name: in one line naming pid $orig, the file and why" ||
		diag_file "$T/$name.r.err"
	[ -z "$(pgrep -u "$user" -x "$comm")" ] && ! alive "$orig"
	ok $? "$name: and no process was created"
}

# --- a file read through a descriptor --------------------------------------------
seq 1 300 >input && chown "$user:$user" input
saved read "$T/bin/reader" -i 20 -n 50 "$T/u/input"
chmod 000 input
unreadable read "$T/u/input" reader
chmod 644 input
ufile "$T/read.r2.out" "$T/read.r2.err"
spawn "$T/read.r2.out" "$T/read.r2.err" "${u[@]}" "$prefix/bin/cr_restart" read.ctx
wait_exit "$spawned" 60
is "$?" 0 "read: readable again, it restarts and reads to the end" || diag_file "$T/read.r2.err"
is "$(cat read.out)" "$(seq 1 300 | awk '{ print NR ": " $0 }')" \
	"read: every line once, numbered on from where it was"

# --- a file that is only mapped ---------------------------------------------------
ufile mapped
saved map "$T/bin/mapfile" -p -c -s 16384 "$T/u/mapped"
chmod 000 mapped
unreadable map "$T/u/mapped" mapfile
