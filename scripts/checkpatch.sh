#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.pl of the work trees on the project's patches (each line's
# series with that line's checkpatch), kernel C and the mutants (6.12's):
# one case per file.  Prepares the trees it needs (./run_tests.sh --prepare-only).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK="${UML_DEVMEM_WORK:-$TOP/work}"

pass=0
fail=0
# check NAME [ARGS...] < INPUT, with $cp
check() {
	local name=$1 out
	shift
	if out=$(perl "$cp" -q --no-tree "$@" 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		printf 'checkpatch: %s\n%s\n' "$name" "$out"
	fi
}

cd "$TOP"
# Patches go in on stdin: given a path that git tracks, checkpatch would
# check the .patch file itself as source.
#
# --no-tree cannot look up MAINTAINERS, so checkpatch warns about every
# file a patch adds; instead, get_maintainer.pl must find a maintainer
# entry for each added file in the work tree.
check_patch() {
	local f=$1 added
	# shellcheck disable=SC2094 # check only reads "$f"
	check "$f" --ignore FILE_PATH_CHANGES - <"$f"
	while read -r added; do
		if ! (cd "$tree" && perl scripts/get_maintainer.pl --no-git --no-rolestats \
			-f "$added" 2>/dev/null | grep -q '@'); then
			fail=$((fail + 1))
			echo "checkpatch: $f adds $added, which no MAINTAINERS entry covers"
		fi
	done < <(awk '/^diff --git/ { f = substr($4, 3) } /^new file mode/ { print f }' "$f")
}

for dir in mm-patches/[0-9]* arch-um-devmem/[0-9]*; do
	line=$(basename "$dir")
	tree="$WORK/linux-$line/src"
	cp="$tree/scripts/checkpatch.pl"
	[ -f "$cp" ] || "$TOP/run_tests.sh" --kernel "$line" --prepare-only >/dev/null
	if [ ! -f "$cp" ]; then
		fail=$((fail + 1))
		echo "checkpatch: $cp is missing: ./run_tests.sh --kernel $line --prepare-only failed"
		continue
	fi
	# the line's series, then its optional ones (mm-patches/LINE/NAME)
	for f in "$dir"/*.patch "$dir"/*/*.patch; do
		[ -f "$f" ] || continue
		check_patch "$f"
	done
done
tree="$WORK/linux-6.12/src"
cp="$tree/scripts/checkpatch.pl"
[ -f "$cp" ] || "$TOP/run_tests.sh" --prepare-only >/dev/null
if [ ! -f "$cp" ]; then
	echo "checkpatch: $cp is missing: ./run_tests.sh --prepare-only failed"
	echo "$pass passed, $((fail + 1)) failed"
	exit 1
fi
for f in arch-um-devmem/device/*.[ch] kunit/*.[ch] kunit/user/*.c scripts/selftest/*.c; do
	check "$f" -f "$f" </dev/null
done
# the mutants are patches too, broken on purpose but not in their form
for f in tests/mutations/*.patch tests/mutations/*/*.patch; do
	# shellcheck disable=SC2094 # check only reads "$f"
	check "$f" - <"$f"
done
echo "checkpatch: $pass files clean, $fail with findings"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
