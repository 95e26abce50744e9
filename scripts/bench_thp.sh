#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_thp.sh [MIB] - THP against base-page migration throughput on
# Linux 7.3: the suite umdevmem_bench_thp up to MIB MiB (default 128),
# BENCH_ROUNDS (default 3) boots, then one table with the ratio.  Each
# figure is the median over boots of the case's own median of 5.
# Reported, not asserted: the runs pass or fail on the data they check.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK="${UML_DEVMEM_WORK:-$TOP/work}"
MIB=${1:-128}
ROUNDS=${BENCH_ROUNDS:-3}
[[ "$MIB" =~ ^[1-9][0-9]*$ && "$ROUNDS" =~ ^[1-9][0-9]*$ ]] ||
	{ echo "usage: [BENCH_ROUNDS=N] scripts/bench_thp.sh [MIB]" >&2; exit 2; }

cd "$TOP"
out="$WORK/bench-thp"
rm -rf "$out"
mkdir -p "$out"
rc=0
for ((r = 1; r <= ROUNDS; r++)); do
	echo "==> round $r of $ROUNDS"
	./run_tests.sh --kernel 7.3 --bench-mib "$MIB" \
		--filter 'umdevmem_bench_thp' || rc=1
	cp "$WORK/linux-7.3/build-default/runs/1.log" "$out/$r.log"
done
python3 scripts/results.py bench-thp "$out" "$ROUNDS" || rc=1
exit $rc
