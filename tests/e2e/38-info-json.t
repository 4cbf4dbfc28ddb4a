#!/bin/bash
# 38-info-json: cr_info for tools and for checks.  `cr_info --json' of a
# two-process tree joined by a pipe is one JSON document (python3's
# json.tool parses it) listing both processes with their threads, memory
# by kind, and the pipe, which both processes' descriptors name;
# `cr_info --verify' says ok of the file and exits 0, and of a copy with
# one byte flipped says damaged, naming the record, and exits non-zero.
# The text output shows memory by kind too.  A tree joined by socketpairs:
# its sockets are listed, each with its peer, and its descriptors name them.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_info" "$wl/pipeseq" "$wl/sockpair"
plan 11

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/pipeseq" "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "pipeseq did not start"; }
kid=$(pgrep -P "$orig" | head -1)
checkpoint "cr_checkpoint of the two processes exits 0" --kill --save-private -f "$T/ctx" "$orig"
wait_exit "$orig" 30

run_cmd 60 "$T/json" "$T/json.err" "$bin/cr_info" --json "$T/ctx"
ok $? "cr_info --json exits 0" || diag_file "$T/json.err"
run_cmd 60 "$T/parsed" "$T/parsed.err" python3 -m json.tool "$T/json"
ok $? "its output is one JSON document" || diag_file "$T/parsed.err"
summary=$(python3 - "$T/json" <<'EOS'
import json, sys
d = json.load(open(sys.argv[1]))
procs = sorted(d["processes"], key=lambda p: p["pid"])
pipe_ids = {p["id"] for p in d["pipes"]}
named = [sorted({f["pipe"] for f in p["files"] if f["kind"] == "pipe"} & pipe_ids) != []
         for p in procs]
print(" ".join(f'{p["pid"]}:{p["name"]}:{len(p["threads"])}' for p in procs),
      len(d["pipes"]), all(named),
      all(p["memory"]["by_kind"]["stack"]["saved"] > 0 for p in procs),
      d["scope"], d["save_exe"], d["save_private"], d["save_shared"], d["cpu"]["xcr0"] > 0)
EOS
)
is "$summary" "$orig:pipeseq:1 $kid:pipeseq:1 1 True True tree False True False True" \
	"it lists both processes with their threads, the pipe both name, memory by kind, the options, the CPU"

run_cmd 60 "$T/text" "$T/text.err" "$bin/cr_info" "$T/ctx"
grep -qE '^ +stack +[0-9]+ KiB mapped, +[0-9]+ KiB saved' "$T/text" &&
	grep -qx '  options: --tree --save-private' "$T/text"
ok $? "the text output shows memory by kind and the options" || diag_file "$T/text"

run_cmd 60 "$T/v" "$T/v.err" "$bin/cr_info" --verify "$T/ctx"
is "$?:$(cat "$T/v")" "0:$T/ctx: ok, every record checked" "cr_info --verify of the file: ok, exit 0"

flipped_copy "$T/ctx" "$T/flipped" >/dev/null
run_cmd 60 "$T/vf" "$T/vf.err" "$bin/cr_info" --verify "$T/flipped"
st=$?
check "cr_info --verify of a copy with one byte flipped fails (exit $st)" failed_cleanly "$st"
grep -qE "damaged: .*record at offset [0-9]+" "$T/vf"
ok $? "and says damaged, naming the record" || diag_file "$T/vf"
[ "$(wc -l <"$T/vf")" = 1 ]
ok $? "in one line, the verdict alone"

# sockets: each listed once, with a peer that has it for its peer (or none,
# for the one whose peer was closed), and named by the descriptors
mkfifo "$T/sready"
spawn "$T/sout" "$T/serr" "$bin/cr_run" "$wl/sockpair" tree "$T/sready"
sorig=$spawned
wait_ready "$T/sready" || { diag_file "$T/sout"; die "sockpair did not start"; }
checkpoint "cr_checkpoint of two processes joined by sockets exits 0" --kill -f "$T/sctx" "$sorig"
wait_exit "$sorig" 30
"$bin/cr_info" --json "$T/sctx" >"$T/sjson" 2>&1
summary=$(python3 - "$T/sjson" <<'EOS'
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["id"]: x for x in d["sockets"]}
paired = all(x["peer"] == 0 or s[x["peer"]]["peer"] == x["id"] for x in s.values())
named = {f["socket"] for p in d["processes"] for f in p["files"] if f["kind"] == "socket"}
print(len(s), paired, named == set(s), sorted(x["type"] for x in s.values() if x["peer"] == 0),
      sum(x["messages"] for x in s.values() if x["type"] == "datagram"),
      sorted(x["shutdown"] for x in s.values() if x["shutdown"]))
EOS
)
is "$summary" "9 True True ['stream'] 10 [1, 2, 3]" \
	"it lists the sockets, paired, named by the descriptors, with their messages and shutdowns" ||
	diag_file "$T/sjson"
