#!/bin/bash
# 56-untouched: memory a process never touched, or only read (the kernel's
# shared zero page), adds nothing to its context file: a 4 GiB mapping
# never touched, and 1 GiB only read, give the file of 16 MiB never
# touched, within 64 KiB.  Restarted, the process reads them as zeros and
# finds the rest of its memory intact.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/memory"
plan 7

# saved NAME ARGS...: memory -m 32 ARGS under cr_run, checkpointed with
# --kill into $T/NAME.ctx (the time it took in $took); sets $orig
saved() {
	local name=$1 t0
	shift
	mkfifo "$T/$name.ready"
	spawn "$T/$name.out" "$T/$name.err" "$bin/cr_run" "$wl/memory" -m 32 -b 1 "$@" \
		"$T/$name.ready"
	orig=$spawned
	wait_ready "$T/$name.ready" 60 || { diag_file "$T/$name.err"; die "memory did not start"; }
	t0=$EPOCHREALTIME
	checkpoint "$name: cr_checkpoint --kill exits 0" --kill -f "$T/$name.ctx" "$orig"
	took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
	wait_pid_free "$orig" || die "$name was not reaped"
}

# near A B: A and B differ by less than 64 KiB (a few pages of stack and
# libc vary from run to run)
near() { local d=$(($1 - $2)); [ "${d#-}" -lt 65536 ]; }

saved small -u 16
small=$(stat -c %s "$T/small.ctx")
saved big -u 4096
big=$(stat -c %s "$T/big.ctx")
diag "16 MiB never touched: $small bytes; 4 GiB: $big bytes, checkpoint $took ms"
check "a 4 GiB mapping never touched adds nothing to the file" near "$big" "$small"
saved read -u 1024 -r
read=$(stat -c %s "$T/read.ctx")
diag "1 GiB only read: $read bytes"
check "1 GiB only read adds nothing either" near "$read" "$small"

start_restart r "$T/read.ctx"
usr1_restored "$orig" "$rpid" 30
is "$?" 0 "restarted, its check exits 0" || diag_file "$T/r.err"
is "$(cat "$T/read.out")" PASS "the read memory reads as zeros, the rest is intact"
