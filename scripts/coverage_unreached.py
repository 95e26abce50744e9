#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""coverage_unreached.py COVERAGE_LCOV COVERAGE_MD

Compare the lines of mm/migrate_device.c a coverage run left unreached
(from the lcov file coverage_report.sh writes) with the line numbers
kunit/COVERAGE.md explains (the first column of its table: "71",
"74–101", "242, 244").  An unreached line without an explanation, or an
explained line the run now reaches, fails the check: the table must say
exactly what the suites miss.  Line numbers are those of Debian's
linux-source-6.12; run it on that tree.
"""
import re
import sys


def explained(md_path):
    lines = set()
    for row in open(md_path, encoding="utf-8"):
        cells = row.split("|")
        if len(cells) < 3 or not re.match(r"\s*\d", cells[1]):
            continue
        for part in cells[1].split(","):
            bounds = re.findall(r"\d+", part)
            if len(bounds) == 1:
                lines.add(int(bounds[0]))
            elif len(bounds) == 2:
                lines.update(range(int(bounds[0]), int(bounds[1]) + 1))
    return lines


def counted(lcov_path):
    """Lines llvm-cov counted in mm/migrate_device.c: {line: hits}."""
    hits, current = {}, None
    for row in open(lcov_path, encoding="utf-8"):
        row = row.strip()
        if row.startswith("SF:"):
            current = row[3:]
        elif row.startswith("DA:") and current and \
                current.endswith("/mm/migrate_device.c"):
            num, count = row[3:].split(",")[:2]
            hits[int(num)] = int(count)
    return hits


def tree_version(lcov_path):
    """The kernel version of the tree the lcov file names, from its Makefile."""
    for row in open(lcov_path, encoding="utf-8"):
        if row.startswith("SF:") and row.rstrip().endswith("/mm/migrate_device.c"):
            top = row[3:].rstrip()[: -len("/mm/migrate_device.c")]
            fields = {}
            for line in open(top + "/Makefile", encoding="utf-8"):
                key, _, value = line.partition("=")
                if key.strip() in ("VERSION", "PATCHLEVEL", "SUBLEVEL"):
                    fields[key.strip()] = value.strip()
                if len(fields) == 3:
                    break
            return "{VERSION}.{PATCHLEVEL}.{SUBLEVEL}".format(**fields)
    return None


def documented_version(md_path):
    for line in open(md_path, encoding="utf-8"):
        found = re.search(r"linux-source-6\.12 \((6\.12\.\d+)\)", line)
        if found:
            return found.group(1)
    return None


def main():
    lcov_path, md_path = sys.argv[1], sys.argv[2]
    have, want = tree_version(lcov_path), documented_version(md_path)
    if have != want:
        print(f"{md_path} gives line numbers of {want}, the coverage run was "
              f"on {have}: rerun --config coverage and update {md_path}")
        return 1
    hits = counted(lcov_path)
    if not hits:
        print(f"no mm/migrate_device.c in {lcov_path}")
        return 1
    unreached = {n for n, c in hits.items() if c == 0}
    listed = explained(md_path)
    missing = sorted(unreached - listed)
    stale = sorted(n for n in listed & hits.keys() if hits[n] > 0)
    print(f"mm/migrate_device.c: {len(unreached)} of {len(hits)} lines "
          f"unreached, {len(unreached) - len(missing)} explained in {md_path}")
    for num in missing:
        print(f"  unreached and not explained: line {num}")
    for num in stale:
        print(f"  explained but now reached: line {num}")
    return 1 if missing or stale else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    bad = main()
    print(f"{0 if bad else 1} passed, {1 if bad else 0} failed")
    sys.exit(bad)
