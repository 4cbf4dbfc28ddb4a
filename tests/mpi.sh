# shellcheck shell=bash
# shellcheck disable=SC2154 # $bin, $T and $spawned are lib.sh's
# tests/mpi.sh: what the MPI tests (94-mpi-mpich.t, 95-mpi-openmpi.t) share;
# sourced after lib.sh.  They run the programs of examples/mpi/, copied
# into $T, so that every process of a job, restored ones included, names
# $T on its command line (lib.sh's cleanup and none_left tell them so).

# mpi_skip_unless COMMAND... : the test is skipped unless each COMMAND is
# on PATH or an executable file (the MPI implementation is optional)
mpi_skip_unless() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 && continue
		echo "1..0 # SKIP $c is not installed or not built"
		exit 0
	done
}

# capped NAME: a FIFO $T/NAME whose reader keeps the first MiB written to
# it in $T/NAME.txt and then goes, so that a writer gets EPIPE: a
# launcher that loops on an error message after a failed restart cannot
# fill the disk
capped() {
	mkfifo "$T/$1" || die "cannot make $T/$1"
	head -c 1048576 <"$T/$1" >"$T/$1.txt" &
	track $!
}

# answer_of FILE... : the last line of the FILEs that starts with the
# program's name and "ranks=", the final answer
answer_of() {
	grep -h -E '^[a-z]+: ranks=' "$@" 2>/dev/null | tail -n 1
}

# cr_checkpoint's options beyond --tree --kill, for a test to set
mpi_checkpoint_options=()

# mpi_job NAME LAUNCH... : six tests.  LAUNCH (the launcher, its options
# and a program with its arguments) runs to its end, for the answer; the
# answer's count equals its closed form.  Then it runs again under
# cr_run, and once rank 0 has printed two of its ten progress lines,
# cr_checkpoint --tree --kill saves the whole job (launcher, its helper
# processes, the ranks) before it could print its answer; cr_restart
# brings it back, and the job ends with status 0 and the same answer.
#
# The launcher starts under setsid, leading a session and process group
# of its own, which the restart gives back (--restore-pgid, --restore-sid):
# launchers signal their process group, Hydra's proxy kills it on an error,
# and without those options the restored processes would share the group
# of cr_restart and of this test.
mpi_job() {
	local name=$1 want got st
	shift
	run_cmd 120 "$T/$name.ref" "$T/$name.ref.err" "$@"
	ok $? "$name: an uninterrupted run exits 0" || diag_file "$T/$name.ref.err"
	want=$(answer_of "$T/$name.ref")
	[[ $want =~ =([0-9]+)\ \(expected\ ([0-9]+)\) ]] &&
		[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
	ok $? "$name: its answer's count is the closed form's" || diag "answer: '$want'"

	capped "$name.err"
	capped "$name.r.err"
	spawn "$T/$name.out" "$T/$name.err" setsid "$bin/cr_run" "$@"
	local job=$spawned
	wait_file_lines "$T/$name.out" 2 60 || diag_file "$T/$name.err.txt"
	# --kmsg-warning: the descriptors not saved are named in $name.c.err
	run_cmd 60 "$T/$name.c.out" "$T/$name.c.err" "$bin/cr_checkpoint" --tree --kill \
		--kmsg-warning "${mpi_checkpoint_options[@]}" -f "$T/$name.ctx" "$job"
	st=$?
	ok "$st" "$name: cr_checkpoint --tree --kill of the job mid-run exits 0" ||
		diag_file "$T/$name.c.err"
	wait_exit "$job" 30
	[ "$st" = 0 ] && [ -z "$(answer_of "$T/$name.out")" ]
	ok $? "$name: the job was killed before its answer" || diag_file "$T/$name.out"
	if [ "$st" != 0 ]; then
		ok 1 "$name: the restarted job exits 0 (no context file)"
		ok 1 "$name: and prints the uninterrupted run's answer (no context file)"
		return 1
	fi
	local pid pids
	pids=$(saved_pids "$T/$name.ctx")
	# shellcheck disable=SC2086 # pids are words
	wait_pid_free $pids || die "$name: the job was not reaped"
	# the restored processes, to kill at the end: those that outlive
	# cr_restart (the ranks of a launcher that died) are no descendants
	for pid in $pids; do
		track "$pid"
	done

	# No process may start from here until cr_restart ends: it could take
	# a pid the restart is about to give back (wait_exit starts none).
	spawn "$T/$name.r.out" "$T/$name.r.err" "$bin/cr_restart" --restore-pgid --restore-sid \
		"$T/$name.ctx"
	rpid=$spawned
	wait_exit "$rpid" 90
	st=$?
	is "$st" 0 "$name: the restarted job exits 0" ||
		{ diag_file "$T/$name.r.err.txt" "cr_restart's stderr"; diag_file "$T/$name.r.out"; }
	# The launcher's output continues in its file; the ranks' descriptors
	# that led outside (Open MPI's terminals) are cr_restart's after it.
	got=$(answer_of "$T/$name.out" "$T/$name.r.out")
	is "$got" "$want" "$name: and prints the uninterrupted run's answer"
}
