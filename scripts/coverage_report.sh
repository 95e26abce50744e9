#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# coverage_report.sh BUILD SRC [LLVM-SUFFIX]: turn the .profraw files that the
# instrumented UML kernel in BUILD wrote into BUILD/coverage/{coverage.lcov,
# html/, summary.txt} and print one line for each file of interest:
#   coverage: mm/migrate_device.c lines 93.1% (612/657) branches 80.4% (283/352)
set -euo pipefail

build=$1
src=$2
llvm=${3:--14}	# the clang the kernel was built with: llvm-cov-14 etc.
out="$build/coverage"
shopt -s nullglob
raw=("$out"/*.profraw)
if [ ${#raw[@]} -eq 0 ]; then
	echo "coverage_report.sh: no .profraw in $out: did the kernel exit cleanly?" >&2
	exit 1
fi

# The HTML covers mm/ and the project's own code; the whole kernel would
# take minutes to render for pages nobody reads.
scope=("$src"/mm/*.c "$src"/arch/um/drivers/devmem/*.c "$src"/arch/um/drivers/devmem-kunit/*.c)
"llvm-profdata$llvm" merge -sparse -o "$out/merged.profdata" "${raw[@]}"
"llvm-cov$llvm" export -format=lcov -instr-profile="$out/merged.profdata" \
	"$build/vmlinux" "${scope[@]}" >"$out/coverage.lcov"
rm -rf "$out/html"
genhtml -q --branch-coverage --ignore-errors source -o "$out/html" \
	"$out/coverage.lcov" >"$out/genhtml.log" 2>&1 ||
	echo "coverage_report.sh: genhtml failed, see $out/genhtml.log" >&2

files=(mm/migrate_device.c mm/hmm.c mm/memremap.c)
device=("$src"/arch/um/drivers/devmem/*.c)
"llvm-cov$llvm" report -instr-profile="$out/merged.profdata" "$build/vmlinux" \
	"${files[@]/#/$src/}" "${device[@]}" >"$out/summary.txt"

# llvm-cov report columns: Filename Regions Missed Cover Functions Missed
# Executed Lines Missed Cover Branches Missed Cover
python3 - "$out/summary.txt" "$src" "${files[@]}" <<'PY'
import sys
summary, src, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = {}
for line in open(summary):
    f = line.split()
    if len(f) == 13 and f[0] != "Filename":
        rows[f[0]] = [int(f[i]) for i in (7, 8, 10, 11)]

def line_for(name, paths):
    lt = lm = bt = bm = 0
    for p in paths:
        if p in rows:
            a, b, c, d = rows[p]
            lt, lm, bt, bm = lt + a, lm + b, bt + c, bm + d
    if not lt:
        return f"coverage: {name} not in the coverage data"
    pct = lambda hit, tot: 100.0 * hit / tot if tot else 100.0
    return (f"coverage: {name} lines {pct(lt - lm, lt):.1f}% ({lt - lm}/{lt}) "
            f"branches {pct(bt - bm, bt):.1f}% ({bt - bm}/{bt})")

def match(rel):
    return [p for p in rows if p.endswith("/" + rel) or p == rel]

for rel in wanted:
    print(line_for(rel, match(rel)))
print(line_for("uml-devmem device (arch/um/drivers/devmem)",
               [p for p in rows if "arch/um/drivers/devmem/" in p]))
PY
# Lines of mm/migrate_device.c the run did not reach, with their source:
# what kunit/COVERAGE.md explains (scripts/coverage_unreached.py checks).
python3 - "$out/coverage.lcov" "$src/mm/migrate_device.c" \
	>"$out/unreached-migrate_device.txt" <<'PY'
import sys
lcov, path = sys.argv[1], sys.argv[2]
text = open(path).read().split("\n")
current = None
for line in open(lcov):
    line = line.strip()
    if line.startswith("SF:"):
        current = line[3:]
    elif line.startswith("DA:") and current and current.endswith("/mm/migrate_device.c"):
        num, hits = line[3:].split(",")[:2]
        if hits == "0":
            print(f"{num}\t{text[int(num) - 1].strip()}")
PY
echo "coverage: HTML report $out/html/index.html, text $out/summary.txt," \
	"unreached lines of mm/migrate_device.c $out/unreached-migrate_device.txt"
