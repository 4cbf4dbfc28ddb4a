#!/bin/bash
# 75-restorer-area-fault: the restorer of one process of a tree fails to
# map an area, midway through the image (the test build's
# UCR_FAULT=area:PID:N makes its mmap fail with ENOMEM, and the blob
# reports it as it reports a real failure).  The restart fails naming the
# pid, the step and the area's address; every process already created is
# killed, and no temporary file is left.  Then the same file restarts.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$fbin" "$wl/tree"
plan 10

tree_saved tree 2 2
mapfile -t pids < <(saved_pids "$T/tree.ctx")

# area_fault NAME PID N: area N of PID cannot be mapped: four TAP tests
area_fault() {
	local name=$1 pid=$2 n=$3 status addr
	addr=$(awk -v pid="$pid" -v n="$n" '
		$1 == "process" { sub(":", "", $2); here = $2 == pid; k = 0 }
		here && $1 ~ /^[0-9a-f]+-[0-9a-f]+$/ { if (k++ == n) { split($1, a, "-"); print a[1]; exit } }
		' "$T/tree.ctx.areas")
	start_faulty "$name" "area:$pid:$n" "$fbin" "$T/tree.ctx"
	wait_exit "$rpid" 30
	status=$?
	failed_cleanly "$status"
	ok $? "$name: the restart fails cleanly (exit $status)"
	grep -qE "restore of pid $pid failed mapping the area at 0x0*$addr: Cannot allocate memory" \
		"$T/$name.err"
	ok $? "$name: its message names pid $pid, the step and the area at 0x$addr" ||
		diag_file "$T/$name.err"
	is "$(wc -l <"$T/$name.err")" 1 "$name: in one line"
	none_left 10 && no_debris "$T" /tmp
	ok $? "$name: no process of the file is left, nor a temporary file"
	# shellcheck disable=SC2046 # pids are words
	wait_pid_free "${pids[@]}"
}

"$bin/cr_info" "$T/tree.ctx" >"$T/tree.ctx.areas" 2>&1
area_fault child "${pids[1]}" 3
area_fault root "${pids[0]}" 1

start_restart ok "$T/tree.ctx"
wait_restored "$orig" "$rpid" 30
ok $? "without the fault, the tree restarts" || diag_file "$T/ok.err"
kill_tree "$rpid"
wait "$rpid" 2>/dev/null || true
