#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""coverage_report.py BUILD SRC LLVM BASE FILE...

Turn the .profraw files the instrumented UML kernel in BUILD wrote (one
per boot) into BUILD/coverage/: coverage.lcov, html/ (lcov's genhtml),
summary.txt (llvm-cov report), unreached-migrate_device.txt (FUNCTION,
LINE and code of each line of mm/migrate_device.c no case reached, what
kunit/COVERAGE.md explains; likewise unreached-drm_pagemap.txt and
unreached-drm_gpusvm.txt where they are covered, 7.3) and changed.html;
and print

  coverage: mm/migrate_device.c lines 95.0% (496/522) branches 83.2% (253/304)

for every covered FILE (the device's files as one line), then which of
the lines changed between commit BASE and the work tree of SRC
(git diff) the run reached.  LLVM is the clang suffix (-14, -19).
"""
import glob
import html
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results  # noqa: E402

DEVICE = "arch/um/drivers/devmem/"
UNREACHED = ["mm/migrate_device.c", "drivers/gpu/drm/drm_pagemap.c",
             "drivers/gpu/drm/drm_gpusvm.c"]


def run(argv, **kw):
    return subprocess.run(argv, check=True, **kw)


def summary_rows(path):
    """{file: (lines, missed, branches, missed)} of llvm-cov report."""
    rows = {}
    for line in open(path):
        f = line.split()
        if len(f) == 13 and f[0] != "Filename":
            rows[f[0]] = tuple(int(f[i]) for i in (7, 8, 10, 11))
    return rows


def coverage_line(name, rows):
    lt = lm = bt = bm = 0
    for a, b, c, d in rows:
        lt, lm, bt, bm = lt + a, lm + b, bt + c, bm + d
    if not lt:
        return "coverage: %s not in the coverage data" % name

    def pct(hit, tot):
        return 100.0 * hit / tot if tot else 100.0
    return ("coverage: %s lines %.1f%% (%d/%d) branches %.1f%% (%d/%d)" %
            (name, pct(lt - lm, lt), lt - lm, lt, pct(bt - bm, bt),
             bt - bm, bt))


def functions(lcov, suffix):
    """[(first line, name)] of the functions of @suffix, sorted."""
    out, current = [], None
    for row in open(lcov):
        row = row.strip()
        if row.startswith("SF:"):
            current = row[3:]
        elif row.startswith("FN:") and current and current.endswith(suffix):
            num, name = row[3:].split(",", 1)
            # clang names static functions file.c:function
            out.append((int(num), name.rsplit(":", 1)[-1]))
    return sorted(out)


def function_of(funcs, line):
    name = "?"
    for first, fname in funcs:
        if first > line:
            break
        name = fname
    return name


def changed_lines(src, base, files):
    """{file: [line numbers in the work tree]} of git diff BASE."""
    out = subprocess.run(["git", "-C", src, "diff", "-U0", base, "--"] +
                         files, capture_output=True, text=True).stdout
    changed, current = {}, None
    for line in out.split("\n"):
        if line.startswith("+++ "):
            current = line[6:] if line.startswith("+++ b/") else None
        m = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))? @@", line)
        if m and current:
            first, count = int(m.group(1)), int(m.group(2) or "1")
            changed.setdefault(current, []).extend(range(first,
                                                         first + count))
    return changed


def changed_view(src, base, files, lcov, out_dir):
    changed = changed_lines(src, base, files)
    print("coverage: lines changed since the pristine tree (git diff %s):"
          % base[:12])
    page = ["<html><head><meta charset='utf-8'><title>changed lines"
            "</title><style>body{font-family:monospace}"
            ".hit{background:#cfc}.miss{background:#fcc}"
            ".none{color:#888}</style></head><body>",
            "<h1>Lines changed since %s, and the run</h1>" % base[:12]]
    for f in files:
        lines = changed.get(f, [])
        if not lines:
            print("    %s: no changed lines" % f)
            continue
        hits = results.lcov_lines(lcov, "/" + f)
        text = open(os.path.join(src, f), errors="replace").read().split("\n")
        counted = [n for n in lines if n in hits]
        missed = [n for n in counted if hits[n] == 0]
        print("    %s: %d changed, %d executable, %d reached%s" %
              (f, len(lines), len(counted), len(counted) - len(missed),
               ", not reached: " + " ".join(str(n) for n in missed)
               if missed else ""))
        page.append("<h2>%s</h2><pre>" % html.escape(f))
        for n in lines:
            cls = "none" if n not in hits else "hit" if hits[n] else "miss"
            code = text[n - 1] if n <= len(text) else ""
            page.append("<span class='%s'>%6d %8s  %s</span>" %
                        (cls, n, hits.get(n, "-"), html.escape(code)))
        page.append("</pre>")
    page.append("</body></html>")
    with open(os.path.join(out_dir, "changed.html"), "w") as f:
        f.write("\n".join(page))


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    build, src, llvm, base = sys.argv[1:5]
    files = sys.argv[5:]
    out = os.path.join(build, "coverage")
    raw = glob.glob(os.path.join(out, "*.profraw"))
    if not raw:
        print("coverage_report.py: no .profraw in %s: did the kernel exit "
              "cleanly?" % out, file=sys.stderr)
        return 1
    profdata = os.path.join(out, "merged.profdata")
    paths = [os.path.join(src, f) for f in files]
    vmlinux = os.path.join(build, "vmlinux")
    run(["llvm-profdata" + llvm, "merge", "-sparse", "-o", profdata] + raw)
    lcov = os.path.join(out, "coverage.lcov")
    with open(lcov, "w") as f:
        run(["llvm-cov" + llvm, "export", "-format=lcov",
             "-instr-profile=" + profdata, vmlinux] + paths, stdout=f)
    with open(os.path.join(out, "genhtml.log"), "w") as log:
        if subprocess.run(["genhtml", "-q", "--branch-coverage",
                           "--ignore-errors", "source", "-o",
                           os.path.join(out, "html"), lcov],
                          stdout=log, stderr=log).returncode:
            print("coverage_report.py: genhtml failed, see %s/genhtml.log"
                  % out, file=sys.stderr)
    summary = os.path.join(out, "summary.txt")
    with open(summary, "w") as f:
        run(["llvm-cov" + llvm, "report", "-instr-profile=" + profdata,
             vmlinux] + paths, stdout=f)
    rows = summary_rows(summary)

    def rows_of(rel):
        # llvm-cov report names files relative to what they share
        return [v for k, v in rows.items()
                if k == rel or k.endswith("/" + rel)]
    for f in files:
        if not f.startswith(DEVICE):
            print(coverage_line(f, rows_of(f)))
    print(coverage_line("uml-devmem device (%s)" % DEVICE.rstrip("/"),
                        [v for k, v in rows.items() if DEVICE in k]))

    # the files whose unreached lines COVERAGE.md tables explain
    for md in UNREACHED:
        if md not in files:
            continue
        hits = results.lcov_lines(lcov, "/" + md)
        funcs = functions(lcov, "/" + md)
        text = open(os.path.join(src, md), errors="replace").read().split("\n")
        stem = os.path.basename(md)[:-2]
        with open(os.path.join(out, "unreached-%s.txt" % stem), "w") as f:
            for n in sorted(hits):
                if hits[n] == 0:
                    f.write("%s\t%d\t%s\n" % (function_of(funcs, n), n,
                                              text[n - 1].strip()))
    changed_view(src, base, files, lcov, out)
    print("coverage: HTML report %s/html/index.html, changed lines "
          "%s/changed.html, text %s" % (out, out, summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
