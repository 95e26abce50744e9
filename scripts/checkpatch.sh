#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.pl of the work tree on the project's patches and kernel C:
# one case per file.  Needs the tree that ./run_tests.sh unpacked.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cp="${UML_DEVMEM_WORK:-$TOP/work}/linux-6.12/src/scripts/checkpatch.pl"
if [ ! -f "$cp" ]; then
	echo "checkpatch.sh: $cp is missing: run ./run_tests.sh first" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

pass=0
fail=0
check() {
	local out
	if out=$(perl "$cp" -q --no-tree "$@" 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		printf 'checkpatch: %s\n%s\n' "${*: -1}" "$out"
	fi
}

cd "$TOP"
for f in mm-patches/*/*.patch arch-um-devmem/*/*.patch; do
	check "$f"
done
for f in arch-um-devmem/device/*.[ch] kunit/*.[ch]; do
	check -f "$f"
done
echo "checkpatch: $pass files clean, $fail with findings"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
