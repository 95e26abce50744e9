#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: the project's tests, in parts.  Every part prints its own
# 'N passed, N failed' line last; this adds them up, prints a table of
# the parts with their times, and the total as the final line.
#
#   scripts/check.sh              every part, in order
#   scripts/check.sh --list       the parts, one a line
#   scripts/check.sh --part NAME  one part (repeatable); a part builds
#                                 what it needs when run alone
#
# The order shares builds: each line's tree is unpacked once, the
# default, debug and coverage build directories are built once and every
# later part of the line builds on them (the hmm-walk series switches
# the 7.3 tree and back, which rebuilds only what the series touches).
# The hmm-walk series' debug run (--with hmm-walk --config debug) is not a
# part: a debug build of its own, for the optional series.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK="${UML_DEVMEM_WORK:-$TOP/work}"
cd "$TOP" || exit 2

# name|what|command: one line per part, in the order make check runs them
PARTS=$(cat <<'EOF'
6.12-default|6.12, default config, 3 boots compared|./run_tests.sh --config default --repeat 3
6.12-hmm-tests|6.12: the tree's hmm-tests against test_hmm, coherent variants included, and the userspace suite, in UML boots|./run_tests.sh --selftest hmm,user
6.12-abort|6.12: a failed assertion leaves nothing behind|tests/abort_selftest.sh
6.12-loop|6.12: the runner's build is kunit.py's|scripts/bench_loop.sh --check-only
6.12-mutants|6.12: broken mm code the suites must catch|tests/mutation_selftest.sh 6.12
6.12-debug|6.12, debug config, on a KERNEL_SRC copy of the tree|tests/user_tree_selftest.sh --config debug
6.12-coverage|6.12, coverage config|./run_tests.sh --config coverage
6.12-unreached|6.12: unreached lines of migrate_device.c explained, any line numbers|tests/coverage_selftest.sh
6.12-upstream|6.12: the tree's own default kunit run|scripts/upstream_kunit.sh 6.12
6.1-default|6.1, default config (6.12's series but five patches made for 6.1; no THP)|./run_tests.sh --kernel 6.1 --config default
6.1-abort|6.1: a failed assertion leaves nothing behind (6.1's KUnit cleans up in another thread)|tests/abort_selftest.sh --kernel 6.1
7.2-default|7.2, default config (7.2's own mm series, 7.3's arch series but for THP)|./run_tests.sh --kernel 7.2 --config default
7.2-hmm-tests|7.2: hmm-tests with test_hmm's coherent fix, and the userspace suite; out: as on 7.3|./run_tests.sh --kernel 7.2 --selftest hmm,user --with test-hmm --filter '*,-hmm.hmm_device_coherent.migrate_anon_huge_err,-*.benchmark_thp_migration'
7.3-default|7.3, default config|./run_tests.sh --kernel 7.3 --config default
7.3-abort|7.3: a failed assertion leaves nothing behind|tests/abort_selftest.sh --kernel 7.3
7.3-mutants|7.3: broken mm code the suites must catch|tests/mutation_selftest.sh 7.3
7.3-hmm-tests|7.3: hmm-tests with test_hmm's coherent fix, and the userspace suite; out: a case a coherent test_hmm device cannot pass, and the benchmark (docs/hmm-tests.md)|./run_tests.sh --kernel 7.3 --selftest hmm,user --with test-hmm --filter '*,-hmm.hmm_device_coherent.migrate_anon_huge_err,-*.benchmark_thp_migration'
7.3-hmm-walk|7.3 with the hmm-walk series, default config|./run_tests.sh --kernel 7.3 --with hmm-walk --config default
7.3-hmm-walk-mutants|7.3: broken hmm-walk series the suites must catch|tests/mutation_selftest.sh 7.3-hmm-walk
7.3-debug|7.3, debug config|./run_tests.sh --kernel 7.3 --config debug
7.3-upstream|7.3: the tree's own default kunit run|scripts/upstream_kunit.sh 7.3
checkpatch|checkpatch of the patches and kernel C|scripts/checkpatch.sh
runner|the runner's errors, --series, --seed, crashes and hangs|tests/runner_selftest.sh
EOF
)

list() {
	local name what cmd
	while IFS='|' read -r name what cmd; do
		printf '%-22s %s\n' "$name" "$what"
	done <<<"$PARTS"
}

total_pass=0
total_fail=0
summary=()

part() {
	local name=$1 what=$2 cmd=$3 log line p f rc t0 t1
	log=$(mktemp)
	printf '\n######## %s: %s\n######## %s\n' "$name" "$what" "$cmd"
	t0=$(date +%s)
	WORK=$WORK bash -c "$cmd" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	t1=$(date +%s)
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
	summary+=("$(printf '%-22s %6d s   %s (exit %d)' "$name" $((t1 - t0)) \
		"$line" "$rc")")
}

want=()
while [ $# -gt 0 ]; do
	case "$1" in
	--list) list; exit 0 ;;
	--part)
		[ -n "${2:-}" ] || { echo "check.sh: --part needs a name" >&2; exit 2; }
		grep -q "^$2|" <<<"$PARTS" || {
			echo "check.sh: no part '$2'; scripts/check.sh --list names them" >&2
			exit 2
		}
		want+=("$2")
		shift 2 ;;
	*) echo "usage: scripts/check.sh [--list | --part NAME...]" >&2; exit 2 ;;
	esac
done

start=$(date +%s)
while IFS='|' read -r name what cmd; do
	if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " =~ " $name " ]]; then
		continue
	fi
	part "$name" "$what" "$cmd"
done <<<"$PARTS"

printf '\n######## summary (%d s in all)\n' $(($(date +%s) - start))
printf '%-22s %8s   %s\n' part time result
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
