#!/bin/bash
# 89-mqueue: POSIX message queues come back with their messages in order
# (priorities kept), their sizes and mode, each open file description
# with its flags (a dup sharing one), and a queue whose name was removed
# without a name still.  The checkpoint takes the messages and gives them
# back: the process that goes on finds them too.  cr_info lists them.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/mqueuer"
plan 8

q=/ucr-test-$$
at_cleanup python3 -c 'import ctypes, sys
ctypes.CDLL(None).mq_unlink(sys.argv[1].encode())' "$q"
checkpointed mq "$wl/mqueuer" "$q"
"$bin/cr_info" "$T/mq.ctx" >"$T/info" 2>&1
grep -q "mqueue [0-9]*: $q, mode 0640, at most 8 messages of 64 bytes, 4 messages (15 bytes) queued" \
	"$T/info" && grep -q "mqueue [0-9]*: $q.gone (removed), mode 0600, .* 1 messages (1 bytes)" "$T/info"
ok $? "cr_info lists the queues, their sizes and messages" || diag_file "$T/info"
restarted mq
restarted mq
"$bin/cr_info" --json "$T/mq.ctx" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(sorted((m["name"], m["messages"], m["unlinked"]) for m in d["mqueues"]))' >"$T/json" 2>&1
is "$(cat "$T/json")" "[('$q', 4, False), ('$q.gone', 1, True)]" "cr_info --json lists them"
