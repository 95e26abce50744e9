#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [MIB] - migration throughput on Linux 7.3, stock and with the
# hmm-walk series, in one run on this machine: the benchmark suite
# umdevmem_bench up to MIB MiB (default 256) on both kernels, then one
# table with the ratio.  Reported, not asserted: the runs pass or fail
# on the data the suite checks.  BENCH_ROUNDS (default 3) boots of each.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK="${UML_DEVMEM_WORK:-$TOP/work}"
MIB=${1:-256}
ROUNDS=${BENCH_ROUNDS:-3}
[[ "$MIB" =~ ^[1-9][0-9]*$ && "$ROUNDS" =~ ^[1-9][0-9]*$ ]] ||
	{ echo "usage: [BENCH_ROUNDS=N] scripts/bench.sh [MIB]" >&2; exit 2; }

cd "$TOP"
out="$WORK/bench"
rm -rf "$out"
mkdir -p "$out"
rc=0
# Boots of the two kernels alternate, so that a slow spell of the host
# does not fall on one side only; each figure is the median over rounds
# of the suite's own median of 5.
for ((r = 1; r <= ROUNDS; r++)); do
	echo "==> round $r of $ROUNDS: stock 7.3"
	./run_tests.sh --kernel 7.3 --bench-mib "$MIB" || rc=1
	cp "$WORK/linux-7.3/build-default/runs/1.log" "$out/stock-$r.log"
	echo "==> round $r of $ROUNDS: 7.3 with the hmm-walk series"
	./run_tests.sh --kernel 7.3 --with hmm-walk --bench-mib "$MIB" || rc=1
	cp "$WORK/linux-7.3+hmm-walk/build-default/runs/1.log" "$out/walk-$r.log"
done

python3 "$TOP/scripts/bench_table.py" "$out" "$ROUNDS" || rc=1
exit $rc
