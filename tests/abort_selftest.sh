#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# abort_selftest.sh [RUN_TESTS ARGS...]: a case that fails an assertion
# leaves nothing behind.  Boots the suites with umdevmem_abort.abort=1:
# every abort case of umdevmem_abort (kunit/abort_kunit.c) fails at its
# abort point while it holds device pages, a migration between setup and
# finalize, locked pages, a running thread, armed fault injection, a
# device of its own; KUnit releases all of it.  Checks that exactly those
# cases failed, each only at its abort point (no leak check failed), that
# every other case of the run passed and that the kernel logged no report
# (with --config debug: lockdep, KASAN).  Uses the build ./run_tests.sh
# with the same arguments made.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$TOP/run_tests.sh" "$@" --kernel-arg umdevmem_abort.abort=1 \
	--json "$TMP/run.json" >"$TMP/out" 2>&1
rc=$?
want=$(grep -o 'KUNIT_CASE(abort_[a-z_]*)' "$TOP/kunit/abort_kunit.c" |
	sed 's/KUNIT_CASE(\(.*\))/umdevmem_abort.\1/' | sort)
got=$(python3 "$TOP/scripts/results.py" failed "$TMP/run.json" | sort)
n=$(echo "$want" | wc -l)

if [ -n "$want" ] && [ "$got" = "$want" ]; then
	ok "exactly the $n abort cases failed"
else
	not_ok "exactly the $n abort cases failed"
	diff <(echo "$want") <(echo "$got") | sed 's/^/    # /'
fi

python3 - "$TMP/run.json" <<'PY' >"$TMP/logs"
import json, sys
def walk(group, prefix):
    for case in group.get("test_cases", []):
        if case.get("status") != "PASS":
            print("%s%s\t%s" % (prefix, case["name"],
                                case.get("log", "").replace("\n", "\\n")))
    for sub in group.get("sub_groups", []):
        walk(sub, prefix + sub["name"] + ".")
walk(json.load(open(sys.argv[1])), "")
PY
bad=0
while IFS=$'\t' read -r name log; do
	if [[ "$log" != *"deliberate abort"* ]]; then
		echo "    # $name did not fail at its abort point"
		bad=1
	fi
	if [[ "$log" =~ leaked|differ|in\ use|still\ runs ]]; then
		echo "    # $name left something behind: $log" | cut -c1-300
		bad=1
	fi
done <"$TMP/logs"
if [ "$bad" -eq 0 ] && [ -s "$TMP/logs" ]; then
	ok "each failed only at its abort point, with nothing left behind"
else
	not_ok "each failed only at its abort point, with nothing left behind"
fi

last=$(tail -n 1 "$TMP/out")
if [ "$rc" -eq 1 ] && [[ "$last" =~ ^[0-9]+\ passed,\ $n\ failed ]] &&
	! grep -q "report line" "$TMP/out"; then
	ok "every other case passed, no kernel report ($last)"
else
	not_ok "every other case passed, no kernel report ($last, exit $rc)"
	grep -A5 "report line" "$TMP/out" | sed 's/^/    # /' | head -20
fi

rm -f "$TMP/out"
finish
