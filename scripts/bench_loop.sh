#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_loop.sh [--kernel LINE] [--reps N] - the edit-and-rerun loop of
# ./run_tests.sh on one tree, against its floor, on this machine:
#
#   - nothing changed;
#   - touch mm/migrate_device.c;
#   - a one-line change in mm/hmm.c (a comment, taken out again after);
#   - a change to one suite file (kunit/owner_kunit.c, likewise);
#   - the floor: kbuild's own compile command of mm/migrate_device.o,
#     kbuild's link of the kernel alone, and one boot of the suites.
#
# Each figure is the median of N runs (default 3) of the whole
# ./run_tests.sh.  Then the check that the kernel the runner built is the
# one kunit.py builds: 'kunit.py build' after it must leave the linux
# binary as it is (the same bytes, not relinked); and that a .config
# written since the last build (a changed fragment) makes the runner's
# next build a make, even with a C file changed.  Speed is reported, not
# asserted; the checks fail the script.  --check-only: the checks alone.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK="${UML_DEVMEM_WORK:-$TOP/work}"
LINE=6.12
REPS=3
CHECK_ONLY=
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) LINE=$2; shift 2 ;;
	--reps) REPS=$2; shift 2 ;;
	--check-only) CHECK_ONLY=1; shift ;;
	*) echo "usage: scripts/bench_loop.sh [--kernel LINE] [--reps N] [--check-only]" >&2
	   exit 2 ;;
	esac
done
SRC="$WORK/linux-$LINE/src"
BUILD="$WORK/linux-$LINE/build-default"
RUN=("$TOP/run_tests.sh" --kernel "$LINE" --seed 1 --filter '*')
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

. "$TOP/scripts/bench_lib.sh"

# time_runs KEY NAME PREPARE: REPS runs of the runner, PREPARE before each
time_runs() {
	local key=$1 name=$2 prepare=$3 i t0 t1
	for ((i = 0; i < REPS; i++)); do
		$prepare
		t0=$(now)
		"${RUN[@]}" >"$TMP/out" 2>&1 || { cat "$TMP/out"; exit 1; }
		t1=$(now)
		echo "$t1 - $t0" | bc
	done | median >"$TMP/$key"
	printf '%-44s %6.2f s  (%s)\n' "$name" "$(cat "$TMP/$key")" \
		"$(grep -o 'build: [a-z]*' "$TMP/out" | head -n 1)"
}

nothing() { :; }
touch_md() { touch "$SRC/mm/migrate_device.c"; }
# a comment line in and out again: two edits, the second one timed
hmm_line() {
	if grep -q '^/\* bench_loop \*/$' "$SRC/mm/hmm.c"; then
		sed -i '/^\/\* bench_loop \*\/$/d' "$SRC/mm/hmm.c"
	else
		echo '/* bench_loop */' >>"$SRC/mm/hmm.c"
	fi
}
suite_line() {
	if grep -q '^/\* bench_loop \*/$' "$TOP/kunit/owner_kunit.c"; then
		sed -i '/^\/\* bench_loop \*\/$/d' "$TOP/kunit/owner_kunit.c"
	else
		echo '/* bench_loop */' >>"$TOP/kunit/owner_kunit.c"
	fi
}
restore() {
	sed -i '/^\/\* bench_loop \*\/$/d' "$SRC/mm/hmm.c" "$TOP/kunit/owner_kunit.c"
}
trap 'restore; rm -rf "$TMP"' EXIT

if [ -n "$CHECK_ONLY" ]; then
	"${RUN[@]}" >"$TMP/out" 2>&1 || { cat "$TMP/out"; exit 1; }
else
echo "==> the loop of ./run_tests.sh --kernel $LINE, median of $REPS runs each"
"${RUN[@]}" >"$TMP/out" 2>&1 || { cat "$TMP/out"; exit 1; }
time_runs nothing "nothing changed" nothing
time_runs touch "touch mm/migrate_device.c" touch_md
time_runs hmm "one line in mm/hmm.c" hmm_line
time_runs suite "one line in kunit/owner_kunit.c" suite_line
restore
"${RUN[@]}" >"$TMP/out" 2>&1 || { cat "$TMP/out"; exit 1; }

echo "==> the floor"
cmd=$(sed -n 's/^savedcmd_mm\/migrate_device.o := //p' \
	"$BUILD/mm/.migrate_device.o.cmd" | sed 's/\$(pound)/#/g; s/\$\$/$/g')
compile=()
link=()
boot=()
for ((i = 0; i < REPS; i++)); do
	t0=$(now)
	(cd "$BUILD" && sh -c "$cmd")
	t1=$(now)
	touch "$BUILD/mm/built-in.a" "$BUILD/built-in.a" "$BUILD/vmlinux.a"
	make --no-print-directory -C "$BUILD" -f "$SRC/Makefile" -o . ARCH=um \
		-j"$(nproc)" all >/dev/null
	t2=$(now)
	python3 "$TOP/scripts/boot.py" --build "$BUILD" --src "$SRC" \
		--out "$TMP/boot" --arg umdevmem_random.seed=1 >/dev/null
	t3=$(now)
	compile+=("$(echo "$t1 - $t0" | bc)")
	link+=("$(echo "$t2 - $t1" | bc)")
	boot+=("$(echo "$t3 - $t2" | bc)")
done
c=$(printf '%s\n' "${compile[@]}" | median)
l=$(printf '%s\n' "${link[@]}" | median)
b=$(printf '%s\n' "${boot[@]}" | median)
floor=$(echo "$c + $l + $b" | bc)
printf '%-44s %6.2f s\n' "compile mm/migrate_device.o (kbuild's command)" "$c"
printf '%-44s %6.2f s\n' "link the kernel (kbuild's rules, no walk)" "$l"
printf '%-44s %6.2f s\n' "boot and run the suites" "$b"
printf '%-44s %6.2f s\n' "floor" "$floor"
printf '%-44s %6.2f\n' "touch / floor" \
	"$(echo "$(cat "$TMP/touch") / $floor" | bc -l)"
fi

echo "==> the same kernel as kunit.py's"
touch_md
"${RUN[@]}" >"$TMP/out" 2>&1 || { cat "$TMP/out"; exit 1; }
grep -o 'build: [a-z]*.*' "$TMP/out" | sed 's/^/    runner /'
before=$(sha256sum "$BUILD/linux" | cut -d' ' -f1)
mtime() { python3 -c 'import os, sys; print(os.stat(sys.argv[1]).st_mtime_ns)' "$1"; }
stamp=$(mtime "$BUILD/linux")
(cd "$SRC" && python3 tools/testing/kunit/kunit.py build --arch=um \
	--build_dir="$BUILD" --kunitconfig="$TOP/configs/default.kunitconfig" \
	--kunitconfig="$TOP/configs/selftest.kunitconfig") \
	>"$TMP/kunit-build" 2>&1 || { cat "$TMP/kunit-build"; exit 1; }
after=$(sha256sum "$BUILD/linux" | cut -d' ' -f1)
passed=0 failed=0
if [ "$before" = "$after" ] &&
	[ "$(mtime "$BUILD/linux")" = "$stamp" ]; then
	echo "    kunit.py build after it: the linux binary is the same ($before), not relinked"
	passed=$((passed + 1))
else
	echo "    kunit.py build after it relinked or changed the linux binary"
	grep -E '^\s+(CC|LD|AR)' "$TMP/kunit-build" | head
	failed=$((failed + 1))
fi

echo "==> a .config written since the last build: make, not the direct way"
touch "$BUILD/.config" "$TOP/kunit/owner_kunit.c"
"${RUN[@]}" >"$TMP/out" 2>&1 || { cat "$TMP/out"; exit 1; }
if grep -q 'build: make (the configuration changed)' "$TMP/out"; then
	echo "    runner: build: make (the configuration changed)"
	passed=$((passed + 1))
else
	echo "    runner: $(grep -o 'build: [a-z]*.*' "$TMP/out")"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
