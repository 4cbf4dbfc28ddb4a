#!/bin/bash
# 37-progress: a checkpoint of a process holding 1 GiB shows a live
# progress line (MiB done of the total, the rate, the time left) when its
# stderr is a terminal (script(1) gives it one), and erases it at the end;
# with stderr a file, or with -q, it prints nothing.  cr_restart shows
# the same line while the images are read.  With -v both commands say
# each phase with its time.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$wl/memory"
plan 8

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/memory" -m 1024 -b 8 "$T/ready"
orig=$spawned
wait_ready "$T/ready" 60 || { diag_file "$T/err"; die "memory did not start"; }

run_cmd 120 "$T/s.out" "$T/s.err" script -q -e -c \
	"$bin/cr_checkpoint --nosync -f $T/ctx1 $orig" "$T/typescript"
ok $? "cr_checkpoint on a terminal exits 0" || diag_file "$T/s.err"
rm -f "$T/ctx1"
# the terminal's bytes: lines redrawn after a carriage return
tr '\r' '\n' <"$T/typescript" >"$T/lines"
n=$(grep -cE '^.\[Kcr_checkpoint: memory [0-9]+ of [0-9]+ MiB, [0-9]+ MiB/s, [0-9]+ s left$' "$T/lines")
check "it shows progress lines with a rate and the time left ($n of them)" [ "$n" -ge 1 ]
grep -q $'\r\033\[K$' <(tr -d '\n' <"$T/typescript" | sed 's/Script done.*//')
ok $? "and erases the line at the end" || diag_file "$T/lines"

run_cmd 120 "$T/f.out" "$T/f.err" "$bin/cr_checkpoint" --nosync -f "$T/ctx2" "$orig"
is "$?:$(wc -c <"$T/f.err")" "0:0" "with stderr a file it prints nothing"
rm -f "$T/ctx2"
run_cmd 120 "$T/q.out" "$T/q.err" script -q -e -c \
	"$bin/cr_checkpoint -q --nosync -f $T/ctx3 $orig" "$T/typescript.q"
grep -q 'MiB/s' "$T/typescript.q"
ok $((! $?)) "with -q, on a terminal too, it prints nothing"

run_cmd 120 "$T/v.out" "$T/v.err" "$bin/cr_checkpoint" -v --kill -f "$T/ctx4" "$orig"
phases=$(sed -nE 's/^cr_checkpoint: (.*) in [0-9]+\.[0-9] ms$/\1/p' "$T/v.err" | tr '\n' ',')
is "$phases" "1 processes found and checked,1 processes parked, their callbacks run,dumped,synced and committed,1 processes resumed," \
	"cr_checkpoint -v says each phase with its time" || diag_file "$T/v.err"
wait_pid_free "$orig" || die "the checkpointed process was not reaped"

# the restored process is killed once it runs again (--kill)
run_cmd 120 "$T/rs.out" "$T/rs.err" script -q -c \
	"$bin/cr_restart -v --kill $T/ctx4" "$T/typescript.r"
tr '\r' '\n' <"$T/typescript.r" >"$T/rlines"
n=$(grep -cE '^.\[Kcr_restart: memory [0-9]+ of [0-9]+ MiB, [0-9]+ MiB/s, [0-9]+ s left$' "$T/rlines")
check "cr_restart on a terminal shows progress lines while it reads the images ($n)" [ "$n" -ge 1 ] ||
	diag_file "$T/rlines"
grep -qE '^(.\[K)?cr_restart: 1 images read in [0-9]+\.[0-9] ms' "$T/rlines"
ok $? "and cr_restart -v says its phases" || diag_file "$T/rlines"
wait_pid_free "$orig" || die "the restored process was not reaped"
