#!/bin/bash
# 57-advice: the madvise() flags of memory come back with it
# (MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DONTFORK,
# MADV_WIPEONFORK), with its contents; memory that huge pages backed is
# backed by huge pages again.  --cow keeps a process whose memory fork
# does not copy parked, saying why.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_info" "$wl/advice"
plan 7

mkfifo "$T/ready"
spawn "$T/out" "$T/err" "$bin/cr_run" "$wl/advice" "$T/ready"
orig=$spawned
wait_ready "$T/ready" || { diag_file "$T/err"; die "advice did not start"; }
thp_before=$(sed -n 's/^thp=//p' "$T/out")

run_cmd 60 "$T/cow.out" "$T/cow.err" "$bin/cr_checkpoint" -v --cow -f "$T/cow.ctx" "$orig"
is "$?" 0 "--cow of a process with memory fork does not copy exits 0" || diag_file "$T/cow.err"
grep -q -- "--cow: pid $orig has memory at .* that fork does not copy; the processes stay parked" \
	"$T/cow.err"
ok $? "saying that it stays parked, and why" || diag_file "$T/cow.err"

checkpoint "cr_checkpoint --kill exits 0" --kill -f "$T/ctx" "$orig"
wait_pid_free "$orig" || die "advice was not reaped"
start_restart r "$T/ctx"
usr1_restored "$orig" "$rpid" 30
is "$?" 0 "restarted, its check exits 0" || diag_file "$T/r.err"
grep -q '^PASS' "$T/out"
ok $? "every area has its contents and its madvise() flag again" || diag_file "$T/out"
thp_after=$(sed -n 's/^PASS thp=//p' "$T/out")
diag "huge pages of the MADV_HUGEPAGE area: ${thp_before:-?} KiB before, ${thp_after:-?} KiB after"
if [ "${thp_before:-0}" -gt 0 ]; then
	check "huge pages back it again, as they did" [ "${thp_after:-0}" -gt 0 ]
else
	ok 0 "# SKIP the kernel gave the original no huge pages"
fi
run_cmd 30 "$T/info.out" "$T/info.err" "$bin/cr_info" "$T/ctx"
grep -q "hugepage" "$T/info.out" && grep -q "wipeonfork" "$T/info.out"
ok $? "cr_info shows the areas' advice" || diag_file "$T/info.out"
