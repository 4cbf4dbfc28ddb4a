#!/bin/bash
# 51-back-to-back: a program checkpoints itself 100 times in a row, as
# BLCR's cr_tryenter_cs does, each request made as soon as the previous one
# was reaped; none is refused as busy and the callback runs every time.
# The workload holds libcr's callback thread back (one CPU, nice 19, a
# spinning thread) where it finishes a request after releasing the other
# threads.  While the agent counted itself busy until the very end, most
# of the 100 were refused, as some of cr_tryenter_cs's were, whose output
# lines went missing with their callbacks.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$wl/backtoback"
plan 2

run_cmd 60 "$T/out" "$T/err" "$wl/backtoback" 100
ok $? "100 self-checkpoints back to back all succeed" || diag_file "$T/err"
is "$(cat "$T/out")" "requests 100 refused 0 callbacks 100" \
	"no request was refused, the callback ran in each"
