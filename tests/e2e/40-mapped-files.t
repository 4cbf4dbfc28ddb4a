#!/bin/bash
# 40-mapped-files: a file mapped shared and writable is the program's own
# to change: written through its mapping after the checkpoint (and its
# mtime moved), the restart takes it as it is, and the mapping shows the
# file's bytes, one file behind the mapping and the descriptor.  A file
# mapped privately that changed (a page it did not write) is refused,
# naming it, with no process.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/mapfile"
plan 9

# mapped NAME FILE [MAPFILE-OPTIONS]: mapfile of FILE checkpointed to
# $T/NAME.ctx, checked after continue, killed, and FILE's mtime moved;
# sets $orig
mapped() {
	local name=$1 file=$2
	shift 2
	mkfifo "$T/$name.ready"
	spawn "$T/$name.wl" "$T/$name.wlerr" "$bin/cr_run" "$wl/mapfile" "$@" "$file" \
		"$T/$name.ready"
	orig=$spawned
	wait_ready "$T/$name.ready" || { diag_file "$T/$name.wl"; die "mapfile did not start"; }
	checkpoint "$name: cr_checkpoint exits 0" -f "$T/$name.ctx" "$orig"
	ask_report "$orig" "$T/$name.wl"
	is "$(cat "$T/$name.wl")" PASS "$name: after continue, its check says PASS"
	kill_wait "$orig"
	touch -m -d @1000000000 "$file"
	wait_pid_free "$orig"
}

# --- shared and writable: changed by the program, restarted ----------------
mapped shared "$T/shared"
start_restart r1 "$T/shared.ctx"
wait_restored "$orig" "$rpid" 30
ok $? "shared: the file it wrote does not stop the restart" || diag_file "$T/r1.err"
: >"$T/shared.wl"
ask_report "$orig" "$T/shared.wl"
is "$(cat "$T/shared.wl")" PASS "shared: restarted, the mapping is the file's, at its offset" ||
	diag_file "$T/r1.err"
kill_wait "$rpid"
kill -KILL "$orig" 2>/dev/null
wait_pid_free "$orig"

# --- private: changed by someone else, refused -------------------------------
mapped private "$T/private" -p -s 16384
restart_refused r2 private "mapped file $T/private changed" "$T/private.ctx"
! alive "$orig"
ok $? "private: no process was created"
