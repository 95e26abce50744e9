#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# bench_table.py DIR ROUNDS - the table of scripts/bench.sh, from the
# "bench WHAT MIB MiB RATE pages/s" lines of DIR/stock-N.log and
# DIR/walk-N.log (N = 1..ROUNDS).
import re
import statistics
import sys

ROWS = [
    ("to_device", "to_device", "migrate to device (setup+pages+finalize)"),
    ("to_system", "to_system", "migrate back to system"),
    ("fault_then_migrate", "fault_then_migrate",
     "hmm_range_fault, then migrate"),
    ("fault_then_migrate", "migrate_vma_fault",
     "stock: hmm_range_fault + migrate; series: MIGRATE_VMA_FAULT"),
]


def rates(path):
    r = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = re.search(r"bench (\S+) (\d+) MiB (\d+) pages/s", line)
            if m:
                r[(m.group(1), int(m.group(2)))] = int(m.group(3))
    return r


def median(runs, key):
    v = [r[key] for r in runs if key in r]
    return int(statistics.median(v)) if v else None


def main():
    out, rounds = sys.argv[1], int(sys.argv[2])
    stock = [rates("%s/stock-%d.log" % (out, i)) for i in range(1, rounds + 1)]
    walk = [rates("%s/walk-%d.log" % (out, i)) for i in range(1, rounds + 1)]
    if not any(stock) or not any(walk):
        print("bench_table.py: a run gave no figures", file=sys.stderr)
        return 1
    sizes = sorted({m for r in stock + walk for (_, m) in r})
    print("%d rounds; pages/s: median over rounds; range: the rounds' own ratios"
          % rounds)
    print("%-60s %4s %10s %10s %6s %11s" %
          ("4 KiB pages", "MiB", "stock", "hmm-walk", "ratio", "range"))
    for s_key, w_key, title in ROWS:
        for mib in sizes:
            a, b = median(stock, (s_key, mib)), median(walk, (w_key, mib))
            if a is None and b is None:
                continue
            ratio = "%.2f" % (b / a) if a and b else "-"
            rs = [w[(w_key, mib)] / s[(s_key, mib)] for s, w in zip(stock, walk)
                  if (s_key, mib) in s and (w_key, mib) in w and s[(s_key, mib)]]
            span = "%.2f-%.2f" % (min(rs), max(rs)) if rs else "-"
            print("%-60s %4d %10s %10s %6s %11s" %
                  (title, mib, a or "-", b or "-", ratio, span))
    return 0


if __name__ == "__main__":
    sys.exit(main())
