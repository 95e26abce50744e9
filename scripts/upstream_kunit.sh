#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# upstream_kunit.sh [LINE]: the tree's own default 'kunit.py run
# --arch=um' on the patched work tree of LINE (default 6.12): the series
# must leave UML's default (FLATMEM, no ZONE_DEVICE) building and passing.
# The tree is the one ./run_tests.sh --kernel LINE uses, with the line's
# series (and no optional one).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LINE=${1:-6.12}
TREE="${UML_DEVMEM_WORK:-$TOP/work}/linux-$LINE"
if ! "$TOP/run_tests.sh" --kernel "$LINE" --prepare-only; then
	echo "upstream_kunit.sh: the $LINE tree could not be prepared (see above)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

build="$TREE/build-upstream"
mkdir -p "$build"
rm -f "$build/results.json"
echo "==> the tree's default kunit.py run --arch=um in ${build#"$TOP"/}"
set +e
(cd "$TREE/src" && python3 tools/testing/kunit/kunit.py run --arch=um \
	--build_dir="$build" --jobs="$(nproc)" --json="$build/results.json")
rc=$?
set -e
if [ ! -s "$build/results.json" ]; then
	echo "upstream_kunit.sh: no results (kunit.py exit $rc)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
read -r pass fail skip < <(python3 "$TOP/scripts/results.py" counts "$build/results.json")
if grep -q '^CONFIG_SPARSEMEM=y' "$build/.config"; then
	echo "upstream_kunit.sh: the default UML config picked SPARSEMEM" >&2
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$rc" -eq 0 ]
