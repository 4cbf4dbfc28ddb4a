#!/bin/bash
# 52-lazy: cr_restart --lazy maps the saved private memory from the context
# file, so the process runs before its pages are read: right after the
# restart the file is mapped and little of the 192 MiB is resident, and the
# memory workload's own check finds every byte (heap, brk, guard pages).
# A checkpoint of the lazily restored process, after its context file was
# deleted, saves those pages as its own: the new file restarts (lazily and
# eagerly) on its own.  A compressed file, a stream and a file damaged
# in its first records are refused with --lazy, and a program's cr_request_restart() gets --lazy from
# UCR_RESTART_LAZY=1.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/memory" "$wl/restarter"
plan 27

# rss_kib PID: the resident memory of PID, in KiB
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# maps_file PID FILE: whether PID maps FILE (deleted or not)
maps_file() {
	awk -v f="$2" '{ p = substr($0, index($0, "/")) }
		p == f || p == f " (deleted)" { found = 1 } END { exit !found }' "/proc/$1/maps"
}

mkfifo "$T/ready"
# text, so that its compressed copy is compressed (random data makes a plain file)
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/memory" -c -m 192 -b 8 "$T/ready"
orig=$spawned
wait_ready "$T/ready" 60 || { diag_file "$T/err"; die "memory did not start"; }
checkpoint "cr_checkpoint --kill exits 0" --kill -f "$T/ctx" "$orig"
wait_pid_free "$orig" || die "the original was not reaped"

# --- lazily, then checkpointed from there with its file deleted ----------------
start_restart lazy --lazy "$T/ctx"
wait_restored "$orig" "$rpid" 30
ok $? "cr_restart --lazy restores it" || diag_file "$T/lazy.err"
maps_file "$orig" "$T/ctx"
ok $? "the restored process maps its context file"
rss=$(rss_kib "$orig")
check "and only ${rss:-?} KiB of its 200 MiB are resident" [ "${rss:-999999}" -lt 65536 ]

checkpoint "a checkpoint of it exits 0" -f "$T/ctx1b" "$orig"
size=$(stat -c %s "$T/ctx1b")
check "the new file holds the pages itself ($((size >> 20)) MiB)" [ "$size" -gt $((190 << 20)) ]
rm -f "$T/ctx"
checkpoint "a checkpoint of it, its context file deleted, exits 0" --kill -f "$T/ctx2" "$orig"
wait_exit "$rpid" 30
wait_pid_free "$orig" || die "the restored process was not reaped"
size=$(stat -c %s "$T/ctx2")
check "that file holds them too ($((size >> 20)) MiB)" [ "$size" -gt $((190 << 20)) ]

start_restart lazy2 --lazy "$T/ctx2"
wait_restored "$orig" "$rpid" 30
ok $? "the new file restarts with --lazy" || diag_file "$T/lazy2.err"
maps_file "$orig" "$T/ctx2" && ! maps_file "$orig" "$T/ctx"
ok $? "mapping the new file, not the deleted one"
: >"$T/out"
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?" 0 "its check exits 0, and so does cr_restart" || diag_file "$T/lazy2.err"
is "$(cat "$T/out")" PASS "memory, brk and guard pages are as they were"
wait_pid_free "$orig" || die "the restored process was not reaped"

# --- the first new file, eagerly, and a compressed copy ----------------------------------------
start_restart eager "$T/ctx1b"
wait_restored "$orig" "$rpid" 30
ok $? "the first new file restarts without --lazy" || diag_file "$T/eager.err"
! maps_file "$orig" "$T/ctx1b"
ok $? "then it maps no context file"
checkpoint "a compressed checkpoint of it exits 0" --compress -f "$T/ctx.z" "$orig"
: >"$T/out"
kill -USR1 "$orig"
wait_exit "$rpid" 30
is "$?:$(cat "$T/out")" 0:PASS "its check passes"
wait_pid_free "$orig" || die "the restored process was not reaped"

restart_refused z "--lazy of a compressed file" "with --lazy: it is compressed" \
	--lazy "$T/ctx.z"
restart_refused stream "--lazy of a stream" "with --lazy: it is not a regular file" \
	--lazy -F 3 3< <(cat "$T/ctx2")
# --lazy leaves the page data's checksums to cr_info (computing them would
# read every page); every other record is checked as ever
cp "$T/ctx2" "$T/bad" && chmod u+w "$T/bad"
printf '\377' | dd of="$T/bad" bs=1 seek=200 conv=notrunc status=none
restart_refused bad "--lazy of a file damaged in its first records" "the file is damaged" \
	--lazy "$T/bad"
off=$(flipped_copy "$T/ctx2" "$T/badpage")
run_cmd 60 "$T/info.out" "$T/info.err" "$bin/cr_info" "$T/badpage"
st=$?
failed_cleanly "$st" && grep -q "checksum mismatch" "$T/info.err"
ok $? "cr_info finds a byte damaged in the page data (at $off), as the man page says"
! alive "$orig"
ok $? "no refusal created a process"

# --- through libcr ---------------------------------------------------------------
UCR_RESTART_LAZY=1 spawn "$T/rs.out" "$T/rs.err" "$wl/restarter" "$T/ctx2"
restarter=$spawned
wait_restored "$orig" "$restarter" 30
ok $? "cr_request_restart() restores it" || diag_file "$T/rs.err"
maps_file "$orig" "$T/ctx2"
ok $? "with UCR_RESTART_LAZY=1, lazily: it maps the file"
: >"$T/out"
kill -USR1 "$orig"
wait_exit "$restarter" 30
is "$?:$(cat "$T/out")" 0:PASS "its check passes, and the restarter reaps it" ||
	diag_file "$T/rs.out"
