#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every part prints its own 'N passed, N failed' line last;
# this adds them up and prints the total as the final line.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 2
total_pass=0
total_fail=0
summary=()

part() {
	local name=$1 log line p f rc
	shift
	log=$(mktemp)
	printf '\n######## %s: %s\n' "$name" "$*"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then
		line="0 passed, 1 failed"
	elif [ "$rc" -ne 0 ] && [ "${line#* passed, }" = "0 failed" ]; then
		line="${line%% *} passed, 1 failed"	# exited non-zero anyway
	fi
	p=${line%% passed*}
	f=${line#* passed, }
	f=${f%% failed*}
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	summary+=("$(printf '%-26s %s (exit %d)' "$name" "$line" "$rc")")
}

part "suites, default config, 3 boots" ./run_tests.sh --config default --repeat 3
part "suites, debug config" ./run_tests.sh --config debug
part "suites, coverage config" ./run_tests.sh --config coverage
part "unreached lines explained" scripts/coverage_unreached.py \
	"${UML_DEVMEM_WORK:-$TOP/work}/linux-6.12/build-coverage/coverage/coverage.lcov" \
	kunit/COVERAGE.md
part "mutations caught" tests/mutation_selftest.sh
part "tree's default kunit" scripts/upstream_kunit.sh 6.12
part "7.3: suites, default config" ./run_tests.sh --kernel 7.3 --config default
part "7.3: suites, debug config" ./run_tests.sh --kernel 7.3 --config debug
part "7.3: tree's default kunit" scripts/upstream_kunit.sh 7.3
part "7.3+hmm-walk: default" ./run_tests.sh --kernel 7.3 --with hmm-walk --config default
part "7.3+hmm-walk: debug" ./run_tests.sh --kernel 7.3 --with hmm-walk --config debug
part "checkpatch" scripts/checkpatch.sh
part "runner self-tests" tests/runner_selftest.sh

printf '\n######## summary\n'
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
