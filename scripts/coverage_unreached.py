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
migrate_device.c's; --file FILE checks the section whose "# " heading
ends with FILE instead (drivers/gpu/drm/drm_pagemap.c, drm_gpusvm.c):

  coverage_unreached.py [--file FILE] UNREACHED COVERAGE_MD
"""
import collections
import re
import sys


def explained(md_path, section=None):
    """Counter of (function, code) spans in the table of @section.

    @section: the file whose "# " heading names it, or None for the
    first section (migrate_device.c's)."""
    found = collections.Counter()
    inside = section is None
    for n, row in enumerate(open(md_path, encoding="utf-8")):
        if row.startswith("# "):
            if section is None:
                if n:
                    break	# the next file's section: not checked here
            else:
                inside = row.rstrip().endswith(" " + section)
            continue
        if not inside:
            continue
        # a | inside code is written \|
        cells = re.split(r"(?<!\\)\|", row)
        if len(cells) < 4:
            continue
        func = re.fullmatch(r"\s*`([A-Za-z_][A-Za-z0-9_]*)`\s*", cells[1])
        if not func:
            continue
        for code in re.findall(r"`([^`]+)`", cells[2]):
            found[(func.group(1), code.replace("\\|", "|").strip())] += 1
    return found


def unreached(path):
    lines = []
    for row in open(path, encoding="utf-8"):
        func, num, code = row.rstrip("\n").split("\t", 2)
        lines.append((func, int(num), code.strip()))
    return lines


def main(argv):
    section = None
    if argv and argv[0] == "--file":
        section, argv = argv[1], argv[2:]
    lines = unreached(argv[0])
    table = explained(argv[1], section)
    have = collections.Counter((f, c) for f, _, c in lines)
    missing, left = [], table.copy()
    for f, n, c in lines:
        if left[(f, c)] > 0:
            left[(f, c)] -= 1
        else:
            missing.append((f, n, c))
    stale = sorted((k, v) for k, v in left.items() if v > 0)
    print("%s: %d lines unreached, %d explained in %s" %
          (section or "mm/migrate_device.c", len(lines),
           len(lines) - len(missing), argv[1]))
    for f, n, c in missing:
        print("  unreached and not explained: %s, line %d: %s" % (f, n, c))
    for (f, c), v in stale:
        print("  explained %d more time(s) than unreached now (%d): %s: %s"
              % (v, have[(f, c)], f, c))
    return 1 if missing or stale else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) != (4 if args[:1] == ["--file"] else 2):
        sys.exit(__doc__)
    bad = main(args)
    print("%d passed, %d failed" % (0 if bad else 1, 1 if bad else 0))
    sys.exit(bad)
