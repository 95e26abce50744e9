#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""patch_hunks.py PATCH: which hunks of PATCH do not apply, and why.

Run with git's environment pointing at the tree the patch was tried on
(GIT_DIR, GIT_INDEX_FILE: run_tests.sh's private index).  Each hunk is
tried alone with "git apply --cached --check" (git finds a hunk wherever
its lines are, so one hunk does not need the others); for each that does
not apply, one line names the patch, the hunk, the file and the function
the hunk header gives, and the first of the lines the hunk expects that
the tree's file does not hold, or that the file holds them apart.  Prints
nothing and exits 0 when every hunk applies alone.
"""
import re
import subprocess
import sys

HUNK = re.compile(r'^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$')


def parse(lines):
    """The patch's files: (header lines, path, [hunk lines...]) each."""
    files, i = [], 0
    while i < len(lines):
        if not lines[i].startswith('diff --git '):
            i += 1
            continue
        header, path, hunks = [lines[i]], None, []
        i += 1
        while i < len(lines) and not lines[i].startswith(('@@ ', 'diff --git ')):
            header.append(lines[i])
            if lines[i].startswith('+++ ') and lines[i] != '+++ /dev/null':
                path = lines[i][6:]
            elif lines[i].startswith('--- ') and lines[i] != '--- /dev/null':
                path = path or lines[i][6:]
            i += 1
        while i < len(lines) and lines[i].startswith('@@ '):
            m = HUNK.match(lines[i])
            if not m:
                break
            old = int(m.group(2) or 1)
            new = int(m.group(4) or 1)
            hunk = [lines[i]]
            i += 1
            while (old > 0 or new > 0) and i < len(lines):
                c = lines[i][:1]
                if c in (' ', ''):
                    old, new = old - 1, new - 1
                elif c == '-':
                    old -= 1
                elif c == '+':
                    new -= 1
                hunk.append(lines[i])
                i += 1
            while i < len(lines) and lines[i].startswith('\\'):
                hunk.append(lines[i])
                i += 1
            hunks.append(hunk)
        if path is None:
            path = header[0].split(' b/', 1)[-1]
        files.append((header, path, hunks))
    return files


def applies(text):
    r = subprocess.run(['git', 'apply', '--cached', '--check', '-'],
                       input=text, text=True, capture_output=True)
    return r.returncode == 0


def tree_file(path):
    r = subprocess.run(['git', 'show', ':' + path], capture_output=True,
                       text=True, errors='replace')
    return r.stdout.splitlines() if r.returncode == 0 else None


def why(path, header, hunk):
    if '--- /dev/null' in header:
        return 'a new file, which the tree has already'
    have = tree_file(path)
    if have is None:
        return 'the tree has no such file'
    wanted = [l for l in hunk[1:] if l[:1] in (' ', '-', '')]
    present = set(have)
    loose = set(l.rstrip() for l in have)
    for line in wanted:
        text = line[1:]
        if text in present:
            continue
        kind = 'removes' if line.startswith('-') else 'has as context'
        if text.rstrip() in loose:
            return 'a line the hunk %s differs from the tree\'s in trailing ' \
                'whitespace only: "%s"' % (kind, text.strip()[:72])
        return 'the tree\'s file lacks a line the hunk %s: "%s"' % (
            kind, text.strip()[:72])
    return 'the file holds each line the hunk expects, but not together'


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    name = sys.argv[1]
    with open(name, errors='replace') as f:
        files = parse(f.read().splitlines())
    for header, path, hunks in files:
        for k, hunk in enumerate(hunks, 1):
            text = '\n'.join(header + hunk) + '\n'
            if applies(text):
                continue
            m = HUNK.match(hunk[0])
            func = (' in ' + m.group(5).strip()) if m.group(5).strip() else ''
            print('hunk %d/%d of %s (line %s%s): %s' % (
                k, len(hunks), path, m.group(1), func[:60],
                why(path, header, hunk)))


if __name__ == '__main__':
    main()
