#!/bin/bash
# 73-restart-file-faults: a file changes between cr_restart's check and
# its open.  The test build of cr_restart pauses once every check passed
# (UCR_FAULT=pause:checked), the test removes or replaces the file, and
# the restart goes on: it fails with a message naming the file and the
# cause, no process of the file is left alive, and nothing is left beside
# the files.  A reader's own descriptor is opened in the new process; the
# family's, shared by parent and child, by cr_restart before it creates
# either.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$fbin" "$wl/reader" "$wl/family"
plan 16

mkdir "$T/w"
seq -f 'line %04g of the input text' 1 300 >"$T/w/input"
mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/reader" -n 20 "$T/w/input" "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "reader did not start"; }
checkpoint "reader: cr_checkpoint --kill exits 0" --kill -f "$T/reader.ctx" "$orig"
wait_pid_free "$orig" || die "the reader was not reaped"
cp "$T/w/input" "$T/input.saved"
touch -r "$T/w/input" "$T/input.saved"

# fault_case NAME CTX TEXT CHANGE...: cr_restart CTX paused after its
# checks, CHANGE run, then it goes on: four TAP tests
fault_case() {
	local name=$1 ctx=$2 text=$3 status listing
	shift 3
	start_faulty "$name" pause:checked "$fbin" "$ctx"
	paused "$name" checked
	ok $? "$name: cr_restart pauses after its checks"
	"$@"
	listing=$(ls -A "$T/w")
	go_on "$name"
	wait_exit "$rpid" 30
	status=$?
	failed_cleanly "$status"
	ok $? "$name: the restart fails cleanly (exit $status)"
	grep -qF -- "$text" "$T/$name.err"
	ok $? "$name: its message names the cause: $text" || diag_file "$T/$name.err"
	none_left 10 && no_debris "$T" "$T/w" /tmp && [ "$(ls -A "$T/w")" = "$listing" ]
	ok $? "$name: no process of the file is left, nor a temporary file"
}

removed() { rm "$T/w/input"; }
fault_case gone "$T/reader.ctx" "cannot reopen fd 3 of pid $orig: $T/w/input: No such file" \
	removed
cp -p "$T/input.saved" "$T/w/input"

# the same size, another content and time
replaced() {
	sed 's/line/LINE/' "$T/input.saved" >"$T/w/input.new"
	mv "$T/w/input.new" "$T/w/input"
}
fault_case replaced "$T/reader.ctx" \
	"cannot restore fd 3 of pid $orig: $T/w/input changed since the checkpoint" replaced
cp -p "$T/input.saved" "$T/w/input"

# --- a shared description, opened by cr_restart itself --------------------
printf '%03d\n' $(seq 0 99) >"$T/w/records"
cp -p "$T/w/records" "$T/records.saved"
mkfifo "$T/fready"
spawn "$T/fout" "$T/ferr" "$bin/cr_run" "$wl/family" "$T/fready" "$T/w/records"
fam=$spawned
wait_ready "$T/fready" || { diag_file "$T/ferr"; die "family did not start"; }
kids=$(children_of "$fam")
checkpoint "family: cr_checkpoint --kill exits 0" --kill -f "$T/family.ctx" "$fam"
# shellcheck disable=SC2086 # pids are words
wait_pid_free "$fam" $kids || die "the family was not reaped"
grown() { echo "999" >>"$T/w/records"; }
fault_case family "$T/family.ctx" "$T/w/records changed since the checkpoint" grown
cp -p "$T/records.saved" "$T/w/records"

# and with the files as they were, both restart
start_restart ok "$T/reader.ctx"
wait_exit "$rpid" 30
is "$?" 0 "the files put back, the reader restarts and reads to its end" ||
	diag_file "$T/ok.err"
start_restart fok "$T/family.ctx"
wait_restored "$fam" "$rpid" 30
ok $? "and the family restarts" || diag_file "$T/fok.err"
kill_tree "$rpid"
wait "$rpid" 2>/dev/null || true
