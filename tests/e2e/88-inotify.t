#!/bin/bash
# 88-inotify: an inotify instance comes back with its watches at their
# descriptors, one removed before the checkpoint staying removed (its
# descriptor not reused), and reports what happens in a watched directory
# after the restart.  cr_info lists the watches with their paths.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/inotifier"
plan 8

mkdir "$T/w"
checkpointed ino "$wl/inotifier" "$T/w"
"$bin/cr_info" "$T/ino.ctx" >"$T/info" 2>&1
grep -q "inotify, 3 watches" "$T/info" && grep -q "wd 1 mask 0x100 $T/w/a$" "$T/info" &&
	grep -q "wd 3 mask 0x80000200 $T/w/c$" "$T/info" && grep -q "wd 4 mask 0x100 $T/w$" "$T/info"
ok $? "cr_info lists the watches, their descriptors, masks and paths" || diag_file "$T/info"
rm -f "$T/w/a/x"
restarted ino
rm -f "$T/w/a/x"
restarted ino
"$bin/cr_info" --json "$T/ino.ctx" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print([e["kind"] for e in d["events"]])' >"$T/json" 2>&1
is "$(cat "$T/json")" "['inotify']" "cr_info --json names the instance"
