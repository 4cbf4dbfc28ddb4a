#!/bin/bash
# 24-link-forms: how programs get libcr from an install.  pkg-config's
# libcr.pc names the install's directories and is enough to build with; a
# program that uses every function and macro of the installed libcr.h builds
# with -Wall -Werror against the installed headers and library alone, links
# and runs.  Then the link forms besides -lcr (13-libcr.t has those): a
# program linked with -lcr_omit is refused cleanly and runs on; one that
# dlopen()s libcr.so.0 is checkpointed and restarted; and under cr_run (and
# cr_run --omit) the same dlopen() finds the libcr cr_run loaded, one copy,
# while dlsym(RTLD_DEFAULT, "cr_init") finds nothing, before and after.
# BLCR's LD_PRELOAD=libcr_run.so.0 alone puts libcr's wrappers in effect.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
need "$bin/cr_checkpoint" "$bin/cr_restart" "$bin/cr_run" "$wl/sigview"
plan 27

link=$top/tests/link
# bcc ARGS...: the compiler, bounded in time like every command here
bcc() { timeout -k 1 120 cc "$@"; }
prefix=$T/prefix
mkfifo "$T/ready"

run_cmd 300 "$T/install.out" "$T/install.err" make -C "$top" -s install B="$build" PREFIX="$prefix"
ok $? "make install PREFIX=... installs" || { diag_file "$T/install.err"; die "no install"; }

# --- pkg-config --------------------------------------------------------------
pc() {
	PKG_CONFIG_PATH=$prefix/lib/pkgconfig timeout -k 1 10 pkg-config "$@" 2>&1
}
command -v pkg-config >/dev/null || diag "pkg-config is not installed (tools/deps.sh installs it)"
version=$(sed -n 's/^VERSION *:\{0,1\}= *//p' "$top/Makefile")
is "$(pc --modversion libcr)" "$version" "pkg-config finds libcr $version in the install"
read -r -a words <<<"$(pc --cflags --libs libcr)"
flags=${words[*]}	# one space between words, none at the end
is "$flags" "-I$prefix/include -L$prefix/lib -lcr" \
	"pkg-config --cflags --libs libcr gives the install's include and lib directories"
# shellcheck disable=SC2086 # the flags are words
bcc -std=gnu11 -Wall -Werror -o "$T/pc" "$link/pkgconfig.c" $flags 2>"$T/cc-pc.err"
ok $? "a program builds with cc \$(pkg-config --cflags --libs libcr)" || diag_file "$T/cc-pc.err"
LD_LIBRARY_PATH=$prefix/lib run_cmd 10 "$T/pc.out" "$T/pc.err" "$T/pc"
is "$? $(cat "$T/pc.out")" "0 ok" "and runs with the installed libcr" || diag_file "$T/pc.err"

# the prefix in the file is the install's, not the build's nor DESTDIR's
run_cmd 60 "$T/stage.out" "$T/stage.err" make -C "$top" -s install-pc B="$build" \
	PREFIX=/opt/ucr DESTDIR="$T/stage"
is "$? $(sed -n 's/^prefix=//p' "$T/stage/opt/ucr/lib/pkgconfig/libcr.pc" 2>&1)" "0 /opt/ucr" \
	"make install-pc DESTDIR=... PREFIX=/opt/ucr stages a libcr.pc with prefix /opt/ucr" ||
	diag_file "$T/stage.err"

# --- every declared function and macro ---------------------------------------
h=$prefix/include
bcc -std=gnu11 -Wall -Wextra -Werror -O2 -I"$h" -c -o "$T/allapi.o" "$link/allapi.c" 2>"$T/cc-all.err"
ok $? "allapi.c compiles with -Wall -Werror against the installed headers alone" ||
	diag_file "$T/cc-all.err"

# Every function libcr.h declares: "extern ... NAME(", declarations joined
# into one line so that one split over lines counts too.
mapfile -t funcs < <(tr '\n' ' ' <"$h/libcr.h" | grep -oE 'extern[^;({]*\(' |
	grep -oE '[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\($' | tr -d '( ')
mapfile -t used < <(timeout 10 nm -u "$T/allapi.o" 2>/dev/null | awk '{print $2}')
missing=
for f in "${funcs[@]}"; do
	[[ " ${used[*]} " == *" $f "* ]] || missing+=" $f"
done
[ "${#funcs[@]}" -ge 30 ] && [ -z "$missing" ]
ok $? "it calls every one of the ${#funcs[@]} functions the installed libcr.h declares" ||
	diag "not called:${missing:- (none; too few declarations found)}"

# Every macro of libcr.h and blcr_common.h but the include guards (_*) and
# the ones they #undef (CR_ERROR_DEF).
macros=$(cat "$h/libcr.h" "$h/blcr_common.h" | awk '
	$1 == "#define" || ($1 == "#" && $2 == "define") {
		m = $($1 == "#" ? 3 : 2); sub(/\(.*/, "", m); d[m] = 1 }
	$1 == "#undef" || ($1 == "#" && $2 == "undef") { u[$($1 == "#" ? 3 : 2)] = 1 }
	END { for (m in d) if (!(m in u) && m !~ /^_/) print m }' | sort)
missing=
for m in $macros; do
	grep -qw -- "$m" "$link/allapi.c" || missing+=" $m"
done
[ "$(wc -w <<<"$macros")" -ge 40 ] && [ -z "$missing" ]
ok $? "and uses every one of the $(wc -w <<<"$macros") macros of libcr.h and blcr_common.h" ||
	diag "not used:${missing:- (none; too few macros found)}"

bcc -Wall -Werror -o "$T/allapi" "$T/allapi.o" -L"$prefix/lib" -lcr -Wl,-rpath,"$prefix/lib" 2>"$T/ld-all.err"
ok $? "it links against the installed libcr" ||
	diag "$(grep -oE "undefined reference to \`[^']*'" "$T/ld-all.err" | sort -u)"
run_cmd 10 "$T/allapi.out" "$T/allapi.err" "$T/allapi"
is "$? $(cat "$T/allapi.out")" "0 ok" "and runs its harmless calls" || diag_file "$T/allapi.err"

# --- -lcr_omit -u cr_omit_link_me: left out, and says so -----------------------
bcc -std=gnu11 -Wall -Werror -I"$top/tests/workloads" -o "$T/exit7-omit" \
	"$top/tests/workloads/exit7.c" -L"$prefix/lib" -lcr_omit -u cr_omit_link_me \
	-Wl,-rpath,"$prefix/lib" 2>"$T/cc-omit.err"
ok $? "a program builds with -lcr_omit -u cr_omit_link_me" || diag_file "$T/cc-omit.err"
spawn "$T/omit.out" "$T/omit.err" "$T/exit7-omit" "$T/ready"
om=$spawned
wait_ready "$T/ready" 20 || diag_file "$T/omit.out"
run_cmd 60 "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" -f "$T/ctx-omit" "$om"
status=$?
failed_cleanly "$status" && [ ! -e "$T/ctx-omit" ]
ok $? "cr_checkpoint of it fails cleanly (exit $status), no file" || diag_file "$T/ck.err"
grep -qi omit "$T/ck.err"
ok $? "and says the process is omitted" || diag_file "$T/ck.err"
kill -USR1 "$om"
wait_exit "$om" 30
is "$? $(cat "$T/omit.out")" "7 " "the program runs on: it answers SIGUSR1 and exits 7"

# --- libcr loaded with dlopen() ------------------------------------------------
# The runpath lets dlopen("libcr.so.0") find the installed library.
bcc -std=gnu11 -Wall -Werror -I"$prefix/include" -I"$top/tests/workloads" -o "$T/dlopen_cr" \
	"$link/dlopen_cr.c" -ldl -Wl,-rpath,"$prefix/lib" 2>"$T/cc-dl.err" &&
	! timeout 10 readelf -d "$T/dlopen_cr" | grep -q 'NEEDED.*libcr'
ok $? "a program that dlopen()s libcr.so.0 builds, without libcr among its libraries" ||
	diag_file "$T/cc-dl.err"

spawn "$T/dl.out" "$T/dl.err" "$T/dlopen_cr" "$T/ready"
dl=$spawned
wait_ready "$T/ready" 20 || diag_file "$T/dl.out"
checkpoint "cr_checkpoint of the dlopen() program exits 0" -f "$T/ctx-dl" "$dl"
kill -USR1 "$dl"
wait_exit "$dl" 30
is "$? $(cat "$T/dl.out")" "0 PASS before=0 global=0 init=0 runs=1 rc=0" \
	"it continues; its callback, registered through dlsym(), ran once and saw 0" ||
	diag_file "$T/dl.err"
alive "$dl" && kill_wait "$dl"

start_restart r "$T/ctx-dl"
usr1_restored "$dl" "$rpid" 30
is "$? $(cat "$T/dl.out")" "0 PASS before=0 global=0 init=0 runs=1 rc=1" \
	"cr_restart brings it back: the callback saw a positive value, cr_restart exits 0" ||
	diag_file "$T/r.err"

# --- the same under cr_run: dlopen() finds the preloaded libcr -----------------
# The build's cr_run preloads the build's libcr_run.so.0, which loads the
# build's libcr.so.0 (RTLD_LOCAL) while the program's runpath names the
# install's: only a match by soname gives one copy.
spawn "$T/run.out" "$T/run.err" "$bin/cr_run" "$T/dlopen_cr" "$T/ready"
dr=$spawned
wait_ready "$T/ready" 20 || diag_file "$T/run.out"
copies=$(grep -c 'r-xp .*/libcr\.so\.0$' "/proc/$dr/maps" 2>&1)
is "$copies" 1 "under cr_run, dlopen(\"libcr.so.0\") and dlsym(cr_init) work, one libcr mapped" ||
	{ diag_file "$T/run.out"; grep libcr "/proc/$dr/maps" | while read -r l; do diag "$l"; done; }
checkpoint "cr_checkpoint of it exits 0" -f "$T/ctx-run" "$dr"
kill -USR1 "$dr"
wait_exit "$dr" 30
is "$? $(cat "$T/run.out")" "0 PASS before=1 global=0 init=0 runs=1 rc=0" \
	"its dlopen() found cr_run's libcr, whose callbacks ran; cr_init was never global" ||
	diag_file "$T/run.err"

# --- and under cr_run --omit: the same, and left out ----------------------------
spawn "$T/om.out" "$T/om.err" "$bin/cr_run" --omit "$T/dlopen_cr" "$T/ready"
dom=$spawned
wait_ready "$T/ready" 20 || diag_file "$T/om.out"
copies=$(grep -c 'r-xp .*/libcr\.so\.0$' "/proc/$dom/maps" 2>&1)
is "$copies" 1 "under cr_run --omit, dlopen(\"libcr.so.0\") works, one libcr mapped"
run_cmd 60 "$T/ck.out" "$T/ck.err" "$bin/cr_checkpoint" -f "$T/ctx-om" "$dom"
status=$?
failed_cleanly "$status" && grep -qi omit "$T/ck.err"
ok $? "cr_checkpoint of it fails as omitted (exit $status)" || diag_file "$T/ck.err"
kill -USR1 "$dom"
wait_exit "$dom" 30
is "$? $(cat "$T/om.out")" "0 PASS before=1 global=0 init=0 runs=0 rc=-1" \
	"it runs on; cr_init was never global, and no callback ran" || diag_file "$T/om.err"

# --- BLCR's LD_PRELOAD=libcr_run.so.0 alone: the wrappers are in effect ----------
# libcr_run.so.0 exports them itself: sleep(3) across a checkpoint still
# takes its 3 s instead of ending early with EINTR.
LD_PRELOAD=$prefix/lib/libcr_run.so.0 spawn "$T/sl.out" "$T/sl.err" "$wl/sigview" sleep "$T/ready"
sl=$spawned
wait_ready "$T/ready" 20 || diag_file "$T/sl.out"
in_syscall "$sl" 230 10
checkpoint "LD_PRELOAD=libcr_run.so.0 alone: cr_checkpoint during sleep(3) exits 0" -f "$T/ctx-sl" "$sl"
wait_exit "$sl" 30
is "$? $(cut -d' ' -f1-4 "$T/sl.out")" "0 PASS slept 3 s" \
	"and sleep(3) was resumed by libcr's wrapper, not cut short" || diag_file "$T/sl.err"
