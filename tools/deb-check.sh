#!/bin/bash
# tools/deb-check.sh DEBDIR COUNTER: installs the packages built in DEBDIR
# (make deb), checks that the installed commands checkpoint and restart a
# counter (COUNTER, tests/workloads/counter.c built), and removes them again.
# Run as root, by CI after make check.
set -euo pipefail
trap 'echo "deb-check: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
debs=$(realpath "$1") counter=$(realpath "$2")
work=$(mktemp -d)
pid= rpid=
cleanup() {
	[ -n "$rpid" ] && kill -KILL "$rpid" 2>/dev/null
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	dpkg -r ucr libcr-dev libcr0 >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
dpkg -i "$debs"/ucr_*_amd64.deb "$debs"/libcr0_*_amd64.deb "$debs"/libcr-dev_*_amd64.deb >/dev/null
cd "$work"
mkfifo ready nap
/usr/bin/cr_run "$counter" -r ready -n 20 count </dev/null >out 2>err &
pid=$!
timeout 30 cat ready >/dev/null
/usr/bin/cr_checkpoint --kill -f ctx "$pid"
{ wait "$pid"; } 2>/dev/null || true
pid=
before=$(wc -l <count)
/usr/bin/cr_restart ctx </dev/null >/dev/null 2>rerr &
rpid=$!
for ((i = 0; i < 200 && $(wc -l <count) < before + 20; i++)); do
	read -r -t 0.05 <>nap || true	# 50 ms, with no process started
done
after=$(wc -l <count)
kill -USR1 "$(pgrep -P "$rpid" -x counter)"
wait "$rpid"
rpid=
if [ "$(cat out)" != PASS ] || [ "$after" -lt $((before + 20)) ]; then
	echo "deb-check: the installed packages did not restart the counter ($before, then $after numbers)" >&2
	cat rerr >&2
	exit 1
fi
pkg-config --libs libcr >/dev/null
echo "deb-check: the installed packages checkpoint and restart a counter ($before, then $after numbers)"
