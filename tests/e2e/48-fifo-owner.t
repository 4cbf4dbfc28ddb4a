#!/bin/bash
# 48-fifo-owner: a FIFO of a throwaway user's process whose name is gone
# at restart is made again by root's restart with its owner and mode, not
# root's; the process finds its bytes in it and runs as the user.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/fifoself"
plan 6

user_prefix "$wl/fifoself"
ufifo ready
ufile out err
spawn out err "${u[@]}" "$prefix/bin/cr_run" "$T/bin/fifoself" "$T/u/fifo" "$T/u/ready"
orig=$spawned
wait_ready ready || { diag_file err; die "fifoself did not start"; }
is "$(stat -c '%U:%G %a' fifo)" "$user:$user 604" "the user's process made its FIFO, mode 604"
checkpoint "root checkpoints it with --kill" --kill -f "$T/ctx" "$orig"
wait_pid_free "$orig" || die "it did not go"
rm fifo
start_restart r "$T/ctx"
wait_restored "$orig" "$rpid" 30
ok $? "root restarts it" || diag_file "$T/r.err"
is "$(stat -c '%U:%G %a' fifo 2>&1)" "$user:$user 604" "its FIFO is made again, the user's, mode 604"
: >out
ask_report "$orig" out
is "$(cat out):$(stat -c %U "/proc/$orig")" "PASS:$user" \
	"it finds its bytes there, and runs as the user"
