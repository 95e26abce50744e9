#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the test cases in kunit.py's --json output: prints 'PASS FAIL SKIP'.

Parameterised cases count once per parameter; a crashed case (ERROR) or
any status other than PASS and SKIP counts as failed.
"""
import json
import sys


def walk(group, count):
    for case in group.get("test_cases", []):
        status = case.get("status")
        key = status if status in ("PASS", "SKIP") else "FAIL"
        count[key] += 1
    for sub in group.get("sub_groups", []):
        walk(sub, count)


def main():
    count = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    with open(sys.argv[1], encoding="utf-8") as f:
        walk(json.load(f), count)
    print(count["PASS"], count["FAIL"], count["SKIP"])


if __name__ == "__main__":
    main()
