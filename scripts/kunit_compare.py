#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare kunit.py --json results of several boots of one kernel.

Prints each case whose status differs between the boots, with the status
in every boot, and exits 1 if there is one; a case missing from a boot
counts as a difference.
"""
import json
import sys


def cases(group, prefix, out):
    for case in group.get("test_cases", []):
        out[prefix + case["name"]] = case.get("status")
    for sub in group.get("sub_groups", []):
        cases(sub, prefix + sub["name"] + ".", out)


def main():
    boots = []
    for path in sys.argv[1:]:
        out = {}
        try:
            with open(path, encoding="utf-8") as f:
                cases(json.load(f), "", out)
        except (OSError, ValueError):
            pass
        boots.append(out)
    names = sorted(set().union(*boots))
    differ = [n for n in names if len({b.get(n, "MISSING") for b in boots}) > 1]
    for name in differ:
        print("    differs: %s: %s" % (name, " ".join(
            b.get(name, "MISSING") for b in boots)))
    print("    %d cases, %d boots: %d with a different result between boots" %
          (len(names), len(boots), len(differ)))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
