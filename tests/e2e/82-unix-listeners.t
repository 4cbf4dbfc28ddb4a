#!/bin/bash
# 82-unix-listeners: UNIX listeners, at a path and at an abstract name,
# with a connection accepted (bytes queued both ways) and clients not
# accepted yet, in one process and with the clients in a child.  The
# restart binds the listeners again (removing the stale socket file that
# the killed process left at the path), connects the accepted connection
# through its listener so that its names stay, and connects again the
# clients that waited, in their order: the program accepts them, and new
# clients connect.  A path where another socket listens refuses the
# restart before any process starts.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/socklisten"
plan 17

for mode in self tree; do
	checkpointed "$mode" "$wl/socklisten" "$mode" "$T/$mode.sock"
	[ -S "$T/$mode.sock" ]
	ok $? "$mode: the killed process left its socket file"
	restarted "$mode"
	restarted "$mode"
done

# a listener of someone else at the path: the restart is refused
python3 -c 'import signal, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen()
print("up", flush=True)
signal.pause()' "$T/self.sock.other" >"$T/py.out" 2>&1 &
py=$!
track "$py"
wait_file_lines "$T/py.out" 1 30
rm -f "$T/self.sock"
ln "$T/self.sock.other" "$T/self.sock"
run_cmd 60 "$T/x.out" "$T/x.err" "$bin/cr_restart" "$T/self.ctx"
st=$?
check "a path where another socket listens: the restart fails (exit $st)" failed_cleanly "$st"
grep -q "cannot bind socket [0-9]* again at $T/self.sock: another socket listens there" "$T/x.err"
ok $? "and says so, naming the path" || diag_file "$T/x.err"
kill_wait "$py"
! alive "$orig"
ok $? "and starts no process"
