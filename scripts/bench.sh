#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [MIB] - migration throughput on Linux 7.3, stock and with the
# hmm-walk series, in one run on this machine: the benchmark suites
# umdevmem_bench* up to MIB MiB (default 256) on both kernels, then one
# table with the ratio.  Reported, not asserted: the runs pass or fail on
# the data the suites check.  Both kernels are built once (they share the
# 7.3 tree); BENCH_ROUNDS (default 3) boots of each then alternate.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK="${UML_DEVMEM_WORK:-$TOP/work}"
MIB=${1:-256}
ROUNDS=${BENCH_ROUNDS:-3}
[[ "$MIB" =~ ^[1-9][0-9]*$ && "$ROUNDS" =~ ^[1-9][0-9]*$ ]] ||
	{ echo "usage: [BENCH_ROUNDS=N] scripts/bench.sh [MIB]" >&2; exit 2; }

cd "$TOP"
out="$WORK/bench"
tree="$WORK/linux-7.3"
rm -rf "$out"
mkdir -p "$out/stock" "$out/walk"
echo "==> building stock 7.3 and 7.3 with the hmm-walk series"
./run_tests.sh --kernel 7.3 --bench-mib 1
cp "$tree/build-default/linux" "$out/stock/linux"
./run_tests.sh --kernel 7.3 --with hmm-walk --bench-mib 1
cp "$tree/build-default/linux" "$out/walk/linux"

# Boots of the two kernels alternate, so that a slow spell of the host
# does not fall on one side only; each figure is the median over rounds
# of the suite's own median of 5.
rc=0
for ((r = 1; r <= ROUNDS; r++)); do
	for side in stock walk; do
		echo "==> round $r of $ROUNDS: $side"
		python3 scripts/boot.py --build "$out/$side" --src "$tree/src" \
			--out "$out/$side-runs" --name "$r" \
			--filter 'umdevmem_bench*' --case-timeout $((60 + MIB)) \
			--arg "umdevmem_bench.max_mib=$MIB" || rc=1
		cp "$out/$side-runs/$r.log" "$out/$side-$r.log"
	done
done

python3 scripts/results.py bench-walk "$out" "$ROUNDS" || rc=1
exit $rc
