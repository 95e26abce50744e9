#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_thp.sh [MIB] - THP against base-page migration throughput on
# Linux 7.3: the case umdevmem_bench.thp_vs_base up to MIB MiB (default
# 128), BENCH_ROUNDS (default 3) boots, then one table with the ratio.
# Each figure is the median over boots of the case's own median of 5.
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
		--filter 'umdevmem_bench.thp_vs_base' || rc=1
	cp "$WORK/linux-7.3/build-default/runs/1.log" "$out/$r.log"
done

python3 - "$out" "$ROUNDS" <<'PY' || rc=1
import re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
runs = []
for r in range(1, rounds + 1):
    rates = {}
    for line in open("%s/%d.log" % (out, r), errors="replace"):
        m = re.search(r"bench (\S+) (\d+) MiB (\d+) pages/s", line)
        if m:
            rates[(m.group(1), int(m.group(2)))] = int(m.group(3))
    runs.append(rates)
sizes = sorted({mib for rates in runs for (_, mib) in rates})
if not sizes:
    sys.exit("bench_thp.sh: no bench lines in the logs")
print("%-22s %4s %12s %12s %6s" % ("pages/s", "MiB", "base pages", "THP", "ratio"))
for way in ("to_device", "to_system"):
    for mib in sizes:
        med = {}
        for kind in ("base", "thp"):
            vals = [rates[(kind + "_" + way, mib)] for rates in runs
                    if (kind + "_" + way, mib) in rates]
            med[kind] = statistics.median(vals) if vals else 0
        ratio = "%.2f" % (med["thp"] / med["base"]) if med["base"] else "-"
        print("%-22s %4d %12d %12d %6s" % ("migrate " + way, mib,
              med["base"], med["thp"], ratio))
PY
exit $rc
