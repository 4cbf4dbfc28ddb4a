#!/bin/bash
# 83-event-fds: eventfds (a counter, a dup sharing it, a semaphore),
# timerfds (armed for long with an interval, ticking, disarmed) and a
# signalfd come back from the restart as they were: the counters, the
# flags, the intervals, the time left, the mask.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/events"
plan 8

checkpointed ev "$wl/events"
"$bin/cr_info" --json "$T/ev.ctx" >"$T/ev.json" 2>&1
kinds=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(e["kind"] for e in d["events"])),
      sorted(e["count"] for e in d["events"] if e["kind"] == "eventfd"))' "$T/ev.json")
is "$kinds" "eventfd eventfd signalfd timerfd timerfd timerfd [5, 42]" \
	"cr_info lists the event objects, the dup once, with their counts" || diag_file "$T/ev.json"
"$bin/cr_info" "$T/ev.ctx" | grep -q 'fd [0-9]* *event '
ok $? "and the descriptors as event objects"
restarted ev
restarted ev
