#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""results.py: what the runner and make check read from kunit.py's JSON,
lcov files and the benchmark lines of kernel logs.

  results.py counts JSON          'PASS FAIL SKIP' (a crash counts as FAIL)
  results.py failed JSON          every case that did not pass, SUITE.CASE
  results.py failures JSON        every case that failed or crashed
  results.py compare JSON...      cases whose result differs between boots
  results.py bench-walk DIR N     scripts/bench.sh's table (stock, hmm-walk)
  results.py bench-thp DIR N      scripts/bench_thp.sh's table (base, THP)

Parameterised cases count once per parameter.  Importable: cases(),
lcov_lines(), bench_rates().
"""
import json
import re
import statistics
import sys


def cases(path):
    """{'suite.case' or 'suite.case.param': status} of a kunit.py JSON file;
    {} for a missing or empty file."""
    out = {}

    def walk(group, prefix):
        for case in group.get("test_cases", []):
            out[prefix + case["name"]] = case.get("status")
        for sub in group.get("sub_groups", []):
            walk(sub, prefix + sub["name"] + ".")

    try:
        with open(path, encoding="utf-8") as f:
            walk(json.load(f), "")
    except (OSError, ValueError):
        pass
    return out


def counts(path):
    n = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for status in cases(path).values():
        n[status if status in ("PASS", "SKIP") else "FAIL"] += 1
    return n


def lcov_lines(path, suffix):
    """{line: hits} of the source file ending in @suffix in an lcov file."""
    hits, current = {}, None
    with open(path, encoding="utf-8") as f:
        for row in f:
            row = row.strip()
            if row.startswith("SF:"):
                current = row[3:]
            elif row.startswith("DA:") and current and \
                    current.endswith(suffix):
                num, count = row[3:].split(",")[:2]
                hits[int(num)] = int(count)
    return hits


def bench_rates(path):
    """{(what, mib): pages/s} from the 'bench WHAT N MiB R pages/s' lines."""
    rates = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = re.search(r"bench (\S+) (\d+) MiB (\d+) pages/s", line)
            if m:
                rates[(m.group(1), int(m.group(2)))] = int(m.group(3))
    return rates


def _median(runs, key):
    vals = [r[key] for r in runs if key in r]
    return int(statistics.median(vals)) if vals else None


def _ratio(a, b):
    return "%.2f" % (b / a) if a and b else "-"


def bench_walk(out, rounds):
    stock = [bench_rates("%s/stock-%d.log" % (out, i))
             for i in range(1, rounds + 1)]
    walk = [bench_rates("%s/walk-%d.log" % (out, i))
            for i in range(1, rounds + 1)]
    if not any(stock) or not any(walk):
        print("results.py: a run gave no figures", file=sys.stderr)
        return 1
    rows = [
        ("to_device", "to_device", "migrate to device (setup+pages+finalize)"),
        ("to_system", "to_system", "migrate back to system"),
        ("fault_then_migrate", "fault_then_migrate",
         "hmm_range_fault, then migrate"),
        ("fault_then_migrate", "migrate_vma_fault",
         "stock: hmm_range_fault + migrate; series: MIGRATE_VMA_FAULT"),
    ]
    sizes = sorted({m for r in stock + walk for (_, m) in r})
    print("%d rounds; pages/s: median over rounds; range: the rounds' own "
          "ratios" % rounds)
    print("%-60s %4s %10s %10s %6s %11s" %
          ("4 KiB pages", "MiB", "stock", "hmm-walk", "ratio", "range"))
    for s_key, w_key, title in rows:
        for mib in sizes:
            a, b = _median(stock, (s_key, mib)), _median(walk, (w_key, mib))
            if a is None and b is None:
                continue
            rs = [w[(w_key, mib)] / s[(s_key, mib)] for s, w in zip(stock, walk)
                  if s.get((s_key, mib)) and (w_key, mib) in w]
            span = "%.2f-%.2f" % (min(rs), max(rs)) if rs else "-"
            print("%-60s %4d %10s %10s %6s %11s" %
                  (title, mib, a or "-", b or "-", _ratio(a, b), span))
    bench_drm(stock)
    return 0


def bench_drm(runs):
    """The same boots: drm_pagemap against the device's own migrate_vma."""
    rows = [("to_device", "drm_to_device", "to device"),
            ("to_system", "drm_to_system", "back (migrate_vma / evict_to_ram)")]
    sizes = sorted({m for r in runs for (w, m) in r if w.startswith("drm_")})
    if not sizes:
        return
    print()
    print("%-60s %4s %10s %10s %6s" %
          ("stock 7.3, 4 KiB pages, 2 MiB calls", "MiB", "migrate_vma",
           "drm_pagemap", "ratio"))
    for v_key, d_key, title in rows:
        for mib in sizes:
            a, b = _median(runs, (v_key, mib)), _median(runs, (d_key, mib))
            print("%-60s %4d %10s %10s %6s" %
                  (title, mib, a or "-", b or "-", _ratio(a, b)))


def bench_thp(out, rounds):
    runs = [bench_rates("%s/%d.log" % (out, i)) for i in range(1, rounds + 1)]
    sizes = sorted({mib for r in runs for (_, mib) in r})
    if not sizes:
        print("results.py: no bench lines in the logs", file=sys.stderr)
        return 1
    print("%-22s %4s %12s %12s %6s" %
          ("pages/s", "MiB", "base pages", "THP", "ratio"))
    for way in ("to_device", "to_system"):
        for mib in sizes:
            base = _median(runs, ("base_" + way, mib)) or 0
            thp = _median(runs, ("thp_" + way, mib)) or 0
            print("%-22s %4d %12d %12d %6s" %
                  ("migrate " + way, mib, base, thp, _ratio(base, thp)))
    return 0


def compare(paths):
    boots = [cases(p) for p in paths]
    names = sorted(set().union(*boots))
    differ = [n for n in names
              if len({b.get(n, "MISSING") for b in boots}) > 1]
    for name in differ:
        print("    differs: %s: %s" %
              (name, " ".join(b.get(name, "MISSING") for b in boots)))
    print("    %d cases, %d boots: %d with a different result between boots"
          % (len(names), len(boots), len(differ)))
    return 1 if differ else 0


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "counts":
        n = counts(args[0])
        print(n["PASS"], n["FAIL"], n["SKIP"])
        return 0
    if cmd == "failed":
        for name, status in cases(args[0]).items():
            if status != "PASS":
                print(name)
        return 0
    if cmd == "failures":
        for name, status in cases(args[0]).items():
            if status not in ("PASS", "SKIP"):
                print(name)
        return 0
    if cmd == "compare":
        return compare(args)
    if cmd == "bench-walk":
        return bench_walk(args[0], int(args[1]))
    if cmd == "bench-thp":
        return bench_thp(args[0], int(args[1]))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
