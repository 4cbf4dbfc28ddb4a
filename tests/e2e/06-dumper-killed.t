#!/bin/bash
# 06-dumper-killed: cr_checkpoint is killed (SIGKILL) while it writes the
# context file of a 512 MiB process.  The target must resume by itself
# within a second, intact, and nothing may be left where the context file
# was to go: no file, no temporary file.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$wl/memory"
plan 7

mkfifo "$T/ready"
mkdir "$T/ctxdir"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/memory" -m 512 -t "$T/tick" "$T/ready"
orig=$spawned
wait_ready "$T/ready" 60 || { diag_file "$T/err"; die "memory did not start"; }

spawn "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" -f "$T/ctxdir/ctx" "$orig"
dumper=$spawned

# dumper_writing: the dumper has a file in ctxdir open (under any name, or
# none: O_TMPFILE) and has written at least 1 MiB to it; the target is then
# parked.  Nothing else tells, so poll (bounded).
dumper_writing() {
	local fd target
	for fd in "/proc/$dumper/fd/"*; do
		target=$(readlink "$fd" 2>/dev/null) || continue
		[[ $target == "$T/ctxdir/"* ]] || continue
		[ "$(stat -L -c %s "$fd" 2>/dev/null || echo 0)" -ge 1048576 ] && return 0
	done
	return 1
}
for ((i = 0; i < 3000; i++)); do
	dumper_writing && break
	alive "$dumper" || break
	nap 0.01
done
check "cr_checkpoint is writing the context file" dumper_writing
ticks=$(lines "$T/tick")
kill -KILL "$dumper"
wait "$dumper" 2>/dev/null
is "$?" 137 "cr_checkpoint is killed before it finished" ||
	diag_file "$T/ck.err" "cr_checkpoint stderr"

check "the target resumes by itself within 1 s" \
	wait_file_lines "$T/tick" $((ticks + 3)) 1
check "the target is alive" alive "$orig"
kill -USR1 "$orig"
wait_exit "$orig" 30
is "$?" 0 "its memory check exits 0"
is "$(cat "$T/out")" PASS "its memory is intact" || diag_file "$T/out"
is "$(ls -A "$T/ctxdir")" "" "no context file nor temporary file is left"
