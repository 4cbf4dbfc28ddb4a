#!/bin/bash
# 28-relocate: cr_restart --relocate OLDPATH=NEWPATH.  A program run from a
# directory, its standard output in a file there, is checkpointed; the
# directory is moved (renamed, with "=" in its new name).  A plain restart
# fails and says what is missing; with --relocate (the "=" escaped) the
# program comes back running the moved executable and writing to the moved
# file.  Malformed --relocate arguments are refused.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/exit7"
plan 8

mkdir "$T/a"
cp -p "$wl/exit7" "$T/a/exit7"
mkfifo "$T/ready"
spawn "$T/a/out" "$T/err" "$bin/cr_run" "$T/a/exit7" "$T/ready"
pid=$spawned
wait_ready "$T/ready" 30 || die "exit7 did not start"
checkpoint "cr_checkpoint exits 0" -f "$T/ctx" "$pid"
kill_wait "$pid"
mv "$T/a" "$T/b=moved"

restart_refused r1 "without --relocate" "$T/a/" "$T/ctx"

start_restart r --relocate "$T/a=$T/b\\=moved" "$T/ctx"
wait_restored "$pid" "$rpid" 30
ok $? "with --relocate the process is back" || diag_file "$T/r.err"
is "$(readlink "/proc/$pid/exe")" "$T/b=moved/exit7" "it runs the moved executable"
is "$(readlink "/proc/$pid/fd/1")" "$T/b=moved/out" "its standard output is the moved file"
kill -USR1 "$pid"
wait_exit "$rpid" 30
is "$?" 7 "it ends as it would have (exit 7)"

bad=0
for arg in nothing-to-split "relative=$T/b" "$T/a=relative"; do
	run_cmd 60 "$T/rb.out" "$T/rb.err" "$bin/cr_restart" --relocate "$arg" "$T/ctx"
	[ $? -eq 22 ] && grep -q relocate "$T/rb.err" || { bad=1; diag "--relocate $arg"; }
done
is "$bad" 0 "--relocate without '=' or with a relative path: EINVAL and a message"
