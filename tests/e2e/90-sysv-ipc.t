#!/bin/bash
# 90-sysv-ipc: SysV shared memory (one segment attached in pieces by a
# parent and twice by its child, one marked for removal), a semaphore set
# and a message queue used by a two-process tree come back from the
# restart with their ids and keys, their bytes, values and messages in
# order, and the two processes go on using them.  Every byte of the file
# counts.  A restart whose id or key is taken is refused, with nothing made.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/sysvipc" \
	"$build/tests/tools/flipcheck"
plan 16

# keys of this test's own: KEY for the set, KEY + 1 for the queue
key=$((0x75630000 + ($$ % 30000) * 2))
blocker=()	# the objects made to take an id or a key: "-s ID", "-q ID"

# every object the workload or this test made, whatever happened
sysv_cleanup() {
	local o
	ipcrm -S "$key" 2>/dev/null
	ipcrm -Q "$((key + 1))" 2>/dev/null
	read -r _ shm dest _ <"$T/sv.ids" 2>/dev/null && {
		ipcrm -m "$shm" 2>/dev/null
		ipcrm -m "$dest" 2>/dev/null
	}
	for o in "${blocker[@]}"; do
		# shellcheck disable=SC2086 # "-s ID"
		ipcrm $o 2>/dev/null
	done
}
at_cleanup sysv_cleanup

# sysv_has KIND ID: /proc/sysvipc/KIND lists ID
sysv_has() {
	awk -v id="$2" 'NR > 1 && $2 == id { found = 1 } END { exit !found }' "/proc/sysvipc/$1"
}

checkpointed sv "$wl/sysvipc" "$key"
grep '^ids ' "$T/sv.wlerr" >"$T/sv.ids"
read -r _ shm dest sem msg <"$T/sv.ids"
"$bin/cr_info" --json "$T/sv.ctx" >"$T/sv.json" 2>&1
listed=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))["sysv"]
print(sorted((s["id"], s["size"], s["removed"]) for s in d["shm"]),
      [(s["id"], s["key"], s["values"]) for s in d["sem"]],
      [(m["id"], m["key"], [(x["type"], x["len"]) for x in m["messages"]]) for m in d["msg"]])' \
	"$T/sv.json" 2>&1)
is "$listed" "$(printf '[(%d, 20580, False), (%d, 4096, True)] [(%d, %d, [3, 0, 7, 1000])] [(%d, %d, [(5, 5), (2, 17), (9, 3000)])]' \
	"$shm" "$dest" "$sem" "$key" "$msg" "$((key + 1))")" \
	"cr_info --json lists the segments, the set's values and the queue's messages" ||
	diag_file "$T/sv.json"
"$bin/cr_info" "$T/sv.ctx" | grep -q "sysv shm $shm: "
ok $? "cr_info lists them as text"

run_cmd 300 "$T/flip.out" "$T/flip.err" "$build/tests/tools/flipcheck" "$T/sv.ctx"
is "$?:$(tail -n 1 "$T/flip.out" | sed 's/flipped [0-9]*, //')" "0:accepted 0" \
	"every flipped byte of it is refused ($(tail -n 1 "$T/flip.out"))" || diag_file "$T/flip.out"

# an id taken: the semaphore set's, by a set made with it (IPC_CREAT is
# 01000; perl has the calls, ipcmk cannot choose a key)
echo "$sem" >/proc/sys/kernel/sem_next_id
perl -e 'semget(0, 1, 01600) or exit 1' && blocker+=("-s $sem")
restart_refused taken "the set's id taken" "SysV semaphore set $sem: its id is in use" \
	"$T/sv.ctx"
sysv_has shm "$shm" || sysv_has shm "$dest" || sysv_has msg "$msg" ||
	ipcs -q | grep -q "$(printf '0x%08x' $((key + 1)))"
ok $((!$?)) "nothing was made of the refused restart"
ipcrm -s "$sem" && blocker=()

# a key taken: the queue's, by a queue of another id
perl -e 'msgget($ARGV[0], 01600) or exit 1' "$((key + 1))" && blocker+=("-Q $((key + 1))")
restart_refused keytaken "the queue's key taken" \
	"$(printf 'SysV message queue %d: its key %#x is in use' "$msg" $((key + 1)))" "$T/sv.ctx"
ipcrm -Q "$((key + 1))" && blocker=()

restart_began sv
sysv_has shm "$shm" && sysv_has shm "$dest" && sysv_has sem "$sem" && sysv_has msg "$msg"
ok $? "the objects are back with their ids"
# cr_restart made them, so it did their last operations: it counts as one
# of the processes for a checkpoint of the restored tree
run_cmd 60 "$T/again.out" "$T/again.err" "$bin/cr_checkpoint" -f "$T/again.ctx" "$orig" &&
	"$bin/cr_info" --json "$T/again.ctx" >"$T/again.json" &&
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))["sysv"]
sys.exit(len(d["shm"]) != 2 or len(d["sem"]) != 1 or len(d["msg"]) != 1)' "$T/again.json"
ok $? "a checkpoint of the restored tree saves them all again" || diag_file "$T/again.err"
awk -v id="$dest" 'NR > 1 && $2 == id && $1 == 0 && int($3 / 1000) % 2 { f = 1 } END { exit !f }' \
	/proc/sysvipc/shm
ok $? "the segment marked for removal is marked again"
restart_checked sv
sysv_has shm "$shm" || sysv_has sem "$sem" || sysv_has msg "$msg" || sysv_has shm "$dest"
ok $((!$?)) "the restored processes removed them, as they would have"
