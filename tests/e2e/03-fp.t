#!/bin/bash
# 03-fp: a chaotic floating-point loop (double on SSE, long double on x87)
# in upward rounding, checkpointed mid-way, killed and restarted, ends with
# the same bits as an uninterrupted run: registers, MXCSR and the x87
# control word are restored.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/fp"
plan 10

# Reference runs, without ucr, in parallel: upward (the mode under test)
# and to-nearest (to show the result depends on the mode).
spawn "$T/ref.out" "$T/ref.err" "$wl/fp" -m up
ref_pid=$spawned
spawn "$T/near.out" "$T/near.err" "$wl/fp" -m near
near_pid=$spawned
wait_exit "$ref_pid" 60
is "$?" 0 "the reference run exits 0"
wait_exit "$near_pid" 60
ref=$(cat "$T/ref.out")
near=$(cat "$T/near.out")
diag "reference:  $ref" "tonearest:  $near"
check "the reference run ends in upward rounding" \
	grep -q 'mxcsr=5f80 fpucw=0b7f round=upward$' "$T/ref.out"
check "rounding to nearest gives other bits (the test can see the mode)" \
	test "${ref%% mxcsr=*}" != "${near%% mxcsr=*}"

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/fp" -m up -r "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "fp did not start"; }
checkpoint "cr_checkpoint exits 0 while fp computes" -f "$T/ctx" "$orig"
check "fp was still computing after the checkpoint" alive "$orig"
check "and had printed nothing yet" test ! -s "$T/out"
kill_wait "$orig"

start_restart r "$T/ctx"
wait_exit "$rpid" 30
is "$?" 0 "restart: fp runs to its end and cr_restart exits 0" ||
	diag_file "$T/r.err" "cr_restart stderr"
is "$(cat "$T/out")" "$ref" "restart: the result is the uninterrupted one, bit for bit"

# And once more from the same file.
start_restart r2 "$T/ctx"
wait_exit "$rpid" 30
is "$?" 0 "second restart: exits 0" || diag_file "$T/r2.err" "cr_restart stderr"
is "$(cat "$T/out")" "$ref" "second restart: the same bits again"
