# SPDX-License-Identifier: GPL-2.0
#
# What every self-test in tests/ starts with: TOP, WORK, a TMP directory
# removed at exit, and ok/not_ok, which count checks for the final
# 'N passed, N failed' line (finish).  not_ok shows the end of $TMP/out
# when there is one.
TOP=$(cd "$(dirname "${BASH_SOURCE[1]}")/.." && pwd)
WORK=${UML_DEVMEM_WORK:-$TOP/work}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	echo "ok - $1"
}

not_ok() {
	fail=$((fail + 1))
	echo "not ok - $1"
	[ ! -f "$TMP/out" ] || sed 's/^/    # /' "$TMP/out" | tail -n 20
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
