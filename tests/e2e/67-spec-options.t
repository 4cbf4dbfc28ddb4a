#!/bin/bash
# 67-spec-options: every option of BLCR's cr_checkpoint, cr_restart and
# cr_run (../shared/spec/blcr-interface.md, sections 4 to 6), with its
# argument, is taken by ucr's parser: the command goes on to fail (or
# succeed) for what it was given to work on, never for the option.  An
# option BLCR does not know gives the usage line and BLCR's exit status,
# 255.  --kmsg-* choose which messages are printed.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_run" "$bin/cr_checkpoint" "$bin/cr_restart" "$wl/unsaved"
plan 9

cd "$T" || die "cannot cd to $T"
mkdir "$T/dir"

# Each line: the options, as the shell splits them; both commands take
# the signal and message ones.
both='--run
-S 10
--signal 10
--stop
--term
--abort
--kill
--cont
--kmsg-none
--kmsg-error
--kmsg-warning'
checkpoint_options=$both'
-T
--tree
-p
--pid
--process
-g
--pgid
--group
-s
--sid
--session
-c
--cwd
-d dir
--dir dir
-f out
--file out
-F 1
--fd 1
--atomic
--backup
--backup=old
--clobber
--noclobber
--sync
--nosync
--save-exe
--save-private
--save-shared
--save-all
--save-none
--ptraced-error
--ptraced-skip
--ptraced-allow
--ptracer-error
--ptracer-skip
-t 5
--time 5
-v
--verbose
-q
--quiet
-?
-h
--help
--version'
restart_options=$both'
-f /dev/null
--file /dev/null
-F 0
--fd 0
-d dir
--dir dir
--omit-maybe
--omit-always
--omit-never
--run-on-success=true
--run-on-fail-args=true
--run-on-fail-temp=true
--run-on-fail-env=true
--run-on-fail-perm=true
--run-on-failure=true
--relocate /old=/new
--relocate /o\=ld=/new
--restore-pid
--no-restore-pid
--restore-pgid
--no-restore-pgid
--restore-sid
--no-restore-sid
-q
--quiet
-?
-h
--help
--version'
run_options='--omit
--run
--
--help
--version'

# taken CMD TARGET OPTIONS-LINES: the lines that CMD's parser refused
taken() {
	local cmd=$1 target=$2 line st refused=
	while read -r line; do
		# shellcheck disable=SC2086 # the line is split as a shell would
		timeout -k 2 30 "$bin/$cmd" $line $target </dev/null >"$T/o.out" 2>"$T/o.err"
		st=$?
		if [ "$st" = 255 ] || [ "$st" = 124 ] || grep -q "unknown option" "$T/o.err"; then
			refused="$refused [$line: $st $(head -n 1 "$T/o.err")]"
		fi
	done <<<"$3"
	echo "${refused:-none}"
}

# a pid that cannot exist: beyond pid_max
nopid=$(($(cat /proc/sys/kernel/pid_max) + 1))
is "$(taken cr_checkpoint "$nopid" "$checkpoint_options")" none \
	"cr_checkpoint takes each of BLCR's options ($(wc -l <<<"$checkpoint_options"))"
is "$(taken cr_restart /dev/null "$restart_options")" none \
	"cr_restart takes each of BLCR's options ($(wc -l <<<"$restart_options"))"
is "$(taken cr_run true "$run_options")" none \
	"cr_run takes each of BLCR's options ($(wc -l <<<"$run_options"))"

for cmd in cr_checkpoint cr_restart; do
	run_cmd 10 "$T/u.out" "$T/u.err" "$bin/$cmd" --no-such-option 1
	st=$?
	is "$st $(sed -n 2p "$T/u.err" | cut -d' ' -f1-2)" "255 Usage: $cmd" \
		"$cmd --no-such-option: the usage line, and BLCR's exit status 255" ||
		diag_file "$T/u.err"
done

# a pidfd is not saved: a warning, printed or not as --kmsg-* say
mkfifo "$T/ready"
spawn "$T/e.out" "$T/e.err" "$bin/cr_run" "$wl/unsaved" "$T/ready"
evpid=$spawned
wait_ready "$T/ready" 30 || { diag_file "$T/e.err"; die "unsaved did not start"; }
warned() {
	run_cmd 60 "$T/k.out" "$T/k.err" "$bin/cr_checkpoint" "$@" -f "$T/k.ctx" "$evpid" &&
		grep -c "is not saved" "$T/k.err"
}
is "$(warned --kmsg-warning)" 1 "--kmsg-warning prints the warning"
is "$(warned --kmsg-error)" 0 "--kmsg-error, the default, does not"
is "$(warned --kmsg-none)" 0 "--kmsg-none does not either"
run_cmd 10 "$T/n.out" "$T/n.err" "$bin/cr_checkpoint" --kmsg-none "$nopid"
is "$? $(wc -c <"$T/n.err")" "3 0" "and --kmsg-none silences errors too (ESRCH, 3, said by the status alone)"
kill -USR1 "$evpid"
wait_exit "$evpid" 30
