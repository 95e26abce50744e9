#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""coverage_unreached.py UNREACHED COVERAGE_MD

Compare the lines of mm/migrate_device.c a coverage run left unreached
(UNREACHED: the FUNCTION, LINE, CODE lines coverage_report.py writes)
with what kunit/COVERAGE.md explains.  Its table names each unreached
line by the function it is in and its code, one `code` span per line,
never by line number, so that a release that only moves lines (every
6.12.y Debian ships) passes:

  | function | code | why it is not reached |
  | `migrate_vma_collect_pmd` | `return migrate_vma_collect_hole(start, end, -1, walk);` | ... |

A line is explained when a row names its function and a code span equal
to its code (leading and trailing blanks dropped); the table names each
(function, code) as many times as that many lines of it go unreached.
An unreached line without an explanation, or an explanation that no
unreached line matches any longer (that code is now reached, or has
changed), fails the check: the table must say exactly what the suites
miss.  Only the file's first section (up to the next "# " heading) is
migrate_device.c's.
"""
import collections
import re
import sys


def explained(md_path):
    """Counter of (function, code) spans in the table."""
    found = collections.Counter()
    for n, row in enumerate(open(md_path, encoding="utf-8")):
        if n and row.startswith("# "):
            break	# the next file's section: not checked here
        cells = row.split("|")
        if len(cells) < 4:
            continue
        func = re.fullmatch(r"\s*`([A-Za-z_][A-Za-z0-9_]*)`\s*", cells[1])
        if not func:
            continue
        for code in re.findall(r"`([^`]+)`", cells[2]):
            found[(func.group(1), code.strip())] += 1
    return found


def unreached(path):
    lines = []
    for row in open(path, encoding="utf-8"):
        func, num, code = row.rstrip("\n").split("\t", 2)
        lines.append((func, int(num), code.strip()))
    return lines


def main():
    lines = unreached(sys.argv[1])
    table = explained(sys.argv[2])
    have = collections.Counter((f, c) for f, _, c in lines)
    missing, left = [], table.copy()
    for f, n, c in lines:
        if left[(f, c)] > 0:
            left[(f, c)] -= 1
        else:
            missing.append((f, n, c))
    stale = sorted((k, v) for k, v in left.items() if v > 0)
    print("mm/migrate_device.c: %d lines unreached, %d explained in %s" %
          (len(lines), len(lines) - len(missing), sys.argv[2]))
    for f, n, c in missing:
        print("  unreached and not explained: %s, line %d: %s" % (f, n, c))
    for (f, c), v in stale:
        print("  explained %d more time(s) than unreached now (%d): %s: %s"
              % (v, have[(f, c)], f, c))
    return 1 if missing or stale else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    bad = main()
    print("%d passed, %d failed" % (0 if bad else 1, 1 if bad else 0))
    sys.exit(bad)
