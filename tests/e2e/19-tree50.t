#!/bin/bash
# 19-tree50: a tree of 50 processes (a root, 7 children, 6 grandchildren
# each) comes back from a restart with the same shape and pids.  The
# checkpoint and restart times are reported.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/tree"
plan 5

# shape PID: "pid:ppid" of PID and all its descendants, sorted
shape() {
	local todo=("$1") p out=()
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		out+=("$p:$(ppid_of "$p")")
		# shellcheck disable=SC2207
		todo+=($(children_of "$p"))
	done
	printf '%s\n' "${out[@]}" | sort
}
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/tree" "$T/ready" 7 6
root=$spawned
wait_ready "$T/ready" 60 || { diag_file "$T/out"; die "tree did not start"; }
before=$(shape "$root")
all=$(cut -d: -f1 <<<"$before")
for p in $all; do track "$p"; done
is "$(wc -l <<<"$before")" 50 "50 processes run"

t0=$(date +%s%N)
checkpoint "cr_checkpoint of the tree exits 0" -f "$T/ctx" "$root"
diag "checkpoint of 50 processes: $(ms "$t0") ms, $(stat -c %s "$T/ctx") bytes"
# shellcheck disable=SC2086
kill -KILL $all
kill_wait "$root"
# shellcheck disable=SC2086
wait_pid_free $all

t0=$(date +%s%N)
start_restart r "$T/ctx"
wait_restored "$root" "$rpid" 60
ok $? "restart: the root is back under cr_restart" || diag_file "$T/r.err"
# every other process back in its wait for SIGUSR1, under its parent
while IFS=: read -r p parent; do
	[ "$p" = "$root" ] || wait_restored "$p" "$parent" 30 || break
done <<<"$before"
diag "restart of 50 processes: $(ms "$t0") ms"
after=$(shape "$root" | sed "s/^$root:$rpid\$/$root:ROOT/")
is "$after" "$(sed "s/^$root:.*\$/$root:ROOT/" <<<"$before")" \
	"restart: the same 50 pids under the same parents"
# shellcheck disable=SC2086
kill -USR1 $all
wait_exit "$rpid" 30
is "$?" 0 "every process ends on SIGUSR1, the root with 0, and so does cr_restart"
