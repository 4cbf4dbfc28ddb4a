#!/bin/bash
# 37-progress: a checkpoint of a process holding 1 GiB shows a live
# progress line (MiB done of the total, the rate, the time left) when its
# stderr is a terminal (script(1) gives it one), and erases it at the end;
# with stderr a file, or with -q, it prints nothing.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$wl/memory"
plan 5

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
kill_wait "$orig"
