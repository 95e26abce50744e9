#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_selftest.sh [--kernel LINE] [--reps N] [--cold] - how long the
# verdict of upstream's hmm-tests takes here (./run_tests.sh --selftest
# hmm, every case of the tree), on this machine:
#
#   - nothing changed;
#   - a one-line change in mm/migrate_device.c (a comment, taken out
#     again after): the edit-to-verdict loop;
#   - with --cold, the first run in an empty work directory (Debian's
#     tree unpacked, the series applied, the kernel, headers and
#     hmm-tests built, every case run), packages already installed.
#
# Each figure is the median of N runs (default 3) of the whole runner.
# The VM route, measured once on this kind of machine (a QEMU VM with
# lib/test_hmm.ko and hmm-tests, ../shared/NOTES.md), is printed beside
# them.  Speed is reported, not asserted.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK="${UML_DEVMEM_WORK:-$TOP/work}"
LINE=6.12
REPS=3
COLD=
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) LINE=$2; shift 2 ;;
	--reps) REPS=$2; shift 2 ;;
	--cold) COLD=1; shift ;;
	*) echo "usage: scripts/bench_selftest.sh [--kernel LINE] [--reps N] [--cold]" >&2
	   exit 2 ;;
	esac
done
SRC="$WORK/linux-$LINE/src"
RUN=("$TOP/run_tests.sh" --kernel "$LINE" --selftest hmm)
TMP=$(mktemp -d)

. "$TOP/scripts/bench_lib.sh"
restore() { sed -i '/^\/\* bench_selftest \*\/$/d' "$SRC/mm/migrate_device.c" 2>/dev/null || true; }
trap 'restore; rm -rf "$TMP"' EXIT

# time_runs NAME PREPARE: REPS runs of the runner, PREPARE before each
time_runs() {
	local name=$1 prepare=$2 i t0 t1
	for ((i = 0; i < REPS; i++)); do
		$prepare
		t0=$(now)
		"${RUN[@]}" >"$TMP/out" 2>&1 || true
		t1=$(now)
		echo "$t1 - $t0" | bc
	done | median >"$TMP/t"
	printf '%-40s %7.2f s  (%s; %s)\n' "$name" "$(cat "$TMP/t")" \
		"$(grep -o 'build: [a-z]*' "$TMP/out" | head -n 1)" \
		"$(tail -n 1 "$TMP/out")"
}

nothing() { :; }
md_line() {
	if grep -q '^/\* bench_selftest \*/$' "$SRC/mm/migrate_device.c"; then
		restore
	else
		echo '/* bench_selftest */' >>"$SRC/mm/migrate_device.c"
	fi
}

echo "==> ./run_tests.sh --kernel $LINE --selftest hmm, median of $REPS runs each"
"${RUN[@]}" >"$TMP/out" 2>&1 || true
time_runs "nothing changed" nothing
time_runs "one line in mm/migrate_device.c" md_line
restore
if [ -n "$COLD" ]; then
	t0=$(now)
	UML_DEVMEM_WORK="$TMP/work" "${RUN[@]}" >"$TMP/out" 2>&1 || true
	t1=$(now)
	printf '%-40s %7.2f s  (%s)\n' "cold, in an empty work directory" \
		"$(echo "$t1 - $t0" | bc)" "$(tail -n 1 "$TMP/out")"
fi
echo "==> the VM route (6.12, measured once: ../shared/NOTES.md)"
printf '%-40s %7s    (%s)\n' "edit to verdict" "32 s" "26 passed, 3 failed, 29 skipped"
printf '%-40s %7s\n' "cold" "12 min"
