#!/bin/bash
# 29-stream: a context file through pipes, and compressed.  cr_checkpoint
# -F writes it to a pipe; cr_info and cr_restart -F read it from one (as
# BLCR's do), and the program comes back.  A truncated stream is refused
# before any process is created.  cr_checkpoint --compress writes a smaller
# file (zstd) that cr_info and cr_restart read as they read any other, also
# from a pipe; a damaged one is refused.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/exit7"
plan 13

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/exit7" "$T/ready"
pid=$spawned
wait_ready "$T/ready" 30 || die "exit7 did not start"
timeout 60 "$bin/cr_checkpoint" -F 1 "$pid" 2>"$T/ck.err" | cat >"$T/piped"
is "${PIPESTATUS[0]}" 0 "cr_checkpoint -F 1 into a pipe exits 0" || diag_file "$T/ck.err"
kill_wait "$pid"

timeout 60 cat "$T/piped" | timeout 60 "$bin/cr_info" /dev/stdin >"$T/info" 2>&1
ok $? "cr_info reads the context file from a pipe" || diag_file "$T/info"
is "$(grep -c '^process' "$T/info")" 1 "and finds the process in it"

head -c 100000 "$T/piped" >"$T/short"
timeout 60 "$bin/cr_restart" -F 3 3< <(cat "$T/short") </dev/null >"$T/s.out" 2>"$T/s.err"
status=$?
failed_cleanly "$status" && ! alive "$pid"
ok $? "a truncated stream is refused (exit $status) and nothing is created" ||
	diag_file "$T/s.err"

"$bin/cr_restart" -F 3 3< <(cat "$T/piped") </dev/null >"$T/r.out" 2>"$T/r.err" &
rpid=$!
track "$rpid"
wait_restored "$pid" "$rpid" 30
ok $? "cr_restart -F reads it from a pipe: the process is back" || diag_file "$T/r.err"
kill -USR1 "$pid"
wait_exit "$rpid" 30
is "$?" 7 "and ends as it would have (exit 7)"

# --- compressed ------------------------------------------------------------------
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/exit7" "$T/ready"
pid=$spawned
wait_ready "$T/ready" 30 || die "exit7 did not start"
checkpoint "cr_checkpoint --compress exits 0" --compress -f "$T/z.ctx" "$pid"
checkpoint "(and a plain one, to compare)" -f "$T/plain.ctx" "$pid"
zsize=$(stat -c %s "$T/z.ctx")
psize=$(stat -c %s "$T/plain.ctx")
check "the compressed file is smaller ($zsize < $psize bytes)" [ "$zsize" -lt "$psize" ]
"$bin/cr_info" "$T/z.ctx" >"$T/z.info" 2>&1
grep -q "zstd-compressed" "$T/z.info" && [ "$(grep -c '^process' "$T/z.info")" = 1 ]
ok $? "cr_info reads it and says it is compressed" || diag_file "$T/z.info"
kill_wait "$pid"

cp "$T/z.ctx" "$T/bad.ctx"
chmod u+w "$T/bad.ctx"
printf 'X' | dd of="$T/bad.ctx" bs=1 seek=$((zsize / 2)) conv=notrunc status=none
run_cmd 60 "$T/b.out" "$T/b.err" "$bin/cr_restart" "$T/bad.ctx"
status=$?
failed_cleanly "$status" && ! alive "$pid" && grep -q "damaged\|checksum" "$T/b.err"
ok $? "a damaged compressed file is refused (exit $status), and says so" || diag_file "$T/b.err"

"$bin/cr_restart" -F 3 3< <(cat "$T/z.ctx") </dev/null >"$T/r2.out" 2>"$T/r2.err" &
rpid=$!
track "$rpid"
wait_restored "$pid" "$rpid" 30
ok $? "cr_restart -F of the compressed file from a pipe: the process is back" ||
	diag_file "$T/r2.err"
kill -USR1 "$pid"
wait_exit "$rpid" 30
is "$?" 7 "and ends as it would have (exit 7)"
