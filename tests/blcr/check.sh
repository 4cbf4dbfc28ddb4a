#!/bin/bash
# tests/blcr/check.sh SUITE PREFIX: BLCR's own test suite (SUITE, a copy of
# ../shared/blcr: blcr-suite.sh and BLCR's tests), run against the ucr
# installed in PREFIX and judged against tests/blcr/expected-failures, the
# tests ucr does not pass yet, each with its reason.
#
# It fails when a test fails that the list does not name (run once more
# alone first: a failure must repeat to count), and when a test the list
# names passes: it must then come off the list, which only shrinks.  A
# test the list marks "flaky:" fails some runs and passes others (each has
# its issue); either verdict is taken, and said.
set -u
suite=$1 prefix=$2
here=$(cd "$(dirname "$0")" && pwd -P)
list=$here/expected-failures
log=$(mktemp "${TMPDIR:-/tmp}/ucr-blcr.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT

entries=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list")
mapfile -t expected < <(awk '{ print $1 }' <<<"$entries")
mapfile -t flaky < <(awk '$2 == "flaky:" { print $1 }' <<<"$entries")
among() {
	local name=$1 t
	shift
	for t in "$@"; do [ "$t" = "$name" ] && return 0; done
	return 1
}

echo "BLCR's test suite ($suite) against $prefix"
"$suite/blcr-suite.sh" "$prefix" | tee "$log"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log")
if [ -z "$summary" ]; then
	echo "BLCR suite: no summary line; the suite itself failed"
	exit 1
fi

unexpected=() fixed=()
while read -r verdict name _; do
	among "$name" "${flaky[@]}" && continue
	case $verdict in
	FAIL)
		among "$name" "${expected[@]}" && continue
		echo "BLCR suite: $name failed, not on the list; once more alone:"
		"$suite/blcr-suite.sh" "$prefix" "$name" | grep -E "^(PASS|FAIL|SKIP) " |
			grep -q "^PASS " || unexpected+=("$name")
		;;
	PASS)
		among "$name" "${expected[@]}" && fixed+=("$name")
		;;
	esac
done < <(grep -E '^(PASS|FAIL) ' "$log")

echo "BLCR suite: $summary; listed: ${#expected[@]} (flaky: ${#flaky[@]})"
rc=0
if [ ${#fixed[@]} -gt 0 ]; then
	echo "BLCR suite: FAILED: these pass now, take them off tests/blcr/expected-failures: ${fixed[*]}"
	rc=1
fi
if [ ${#unexpected[@]} -gt 0 ]; then
	echo "BLCR suite: FAILED, not on the list: ${unexpected[*]}"
	rc=1
fi
[ $rc = 0 ] && echo "BLCR suite: as expected"
exit $rc
