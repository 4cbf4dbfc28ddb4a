#!/bin/bash
# make demo: a real program checkpointed, killed and restarted.
set -eu
cd "$(dirname "$0")/.."
./tools/deps.sh
make -s all
bin=$PWD/build/bin
work=$(mktemp -d /tmp/ucr-demo.XXXXXX)
trap 'kill -9 "${pid:-}" "${rpid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
count() { wc -l < numbers.txt; }

say "start a counter under cr_run: it appends 0, 1, 2, ... to numbers.txt every 10 ms"
"$bin/cr_run" "$OLDPWD/build/tests/counter" numbers.txt &
pid=$!
until [ -s numbers.txt ] && [ "$(count)" -ge 50 ]; do sleep 0.1; done
echo "pid $pid has written $(count) numbers"

say "cr_checkpoint $pid"
"$bin/cr_checkpoint" "$pid"
at=$(count)
ls -l "context.$pid"
echo "checkpoint taken with about $at numbers written; the counter keeps running"
until [ "$(count)" -ge $((at + 50)) ]; do sleep 0.1; done

say "kill -9 $pid after $(count) numbers"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true

say "cr_info context.$pid"
"$bin/cr_info" "context.$pid" | head -12

say "cr_restart context.$pid: the numbers written after the checkpoint are truncated away"
"$bin/cr_restart" "context.$pid" &
rpid=$!
until [ "$(count)" -ge $((at + 100)) ]; do sleep 0.1; done
echo "restored pid $pid (child of cr_restart $rpid) counts on: $(tail -n 1 numbers.txt)"
if awk 'NR - 1 != $1 { exit 1 }' numbers.txt; then
	echo "numbers.txt holds 0..$(tail -n 1 numbers.txt) with no gap and no repeat"
else
	echo "numbers.txt is broken" >&2
	exit 1
fi
kill "$pid"
wait "$rpid" 2>/dev/null || true
say "done"
