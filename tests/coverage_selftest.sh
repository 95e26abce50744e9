#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# coverage_selftest.sh: kunit/COVERAGE.md explains exactly the lines of
# mm/migrate_device.c the suites leave unreached, whatever the line
# numbers.  On the 6.12 coverage build:
#   - the table matches the run (scripts/coverage_unreached.py);
#   - a table with one explanation taken out fails, and so does one with
#     an explanation of code that is reached;
#   - the same tree with lines inserted at the top of migrate_device.c
#     (a point release that moved every line) still matches;
#   - the run without that patch again gives the table's lines, and which
#     of the lines changed since the pristine tree were reached.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SRC="$WORK/linux-6.12/src"
COV="$WORK/linux-6.12/build-coverage/coverage"

check() {
	python3 "$TOP/scripts/coverage_unreached.py" "$COV/unreached-migrate_device.txt" "$1" >"$TMP/out" 2>&1
}

"$TOP/run_tests.sh" --config coverage >"$TMP/out" 2>&1 ||
	not_ok "the coverage run passes"
cut -f2 "$COV/unreached-migrate_device.txt" >"$TMP/lines0"
if check "$TOP/kunit/COVERAGE.md"; then
	ok "kunit/COVERAGE.md explains every unreached line ($(head -n 1 "$TMP/out" | sed 's/.*: //'))"
else
	not_ok "kunit/COVERAGE.md explains every unreached line"
fi

# one row fewer: its lines go unexplained
awk '/^\| `/ && !done { done = 1; next } { print }' "$TOP/kunit/COVERAGE.md" >"$TMP/less.md"
if ! check "$TMP/less.md" && grep -q "unreached and not explained" "$TMP/out"; then
	ok "a table without one explanation fails"
else
	not_ok "a table without one explanation fails"
fi
# a row for code that is reached, in migrate_device.c's table: a stale
# explanation
awk '{ print } /^\| `/ && !done { done = 1
	print "| `migrate_vma_setup` | `args->start &= PAGE_MASK;` | reached by every case |" }' \
	"$TOP/kunit/COVERAGE.md" >"$TMP/more.md"
if ! check "$TMP/more.md" && grep -q "more time(s) than unreached" "$TMP/out"; then
	ok "a table that explains reached code fails"
else
	not_ok "a table that explains reached code fails"
fi

# every line of migrate_device.c moved by five
{
	echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
	echo "From: Self Test <selftest@localhost>"
	echo "Subject: [PATCH] mm: five lines more at the top of migrate_device.c"
	echo
	echo "Signed-off-by: Self Test <selftest@localhost>"
	echo "---"
	git -C "$SRC" show HEAD:mm/migrate_device.c >"$TMP/a.c"
	{ head -n 1 "$TMP/a.c"; printf '/*\n * coverage self-test:\n * every line below\n * moved by five\n */\n'
	  tail -n +2 "$TMP/a.c"; } >"$TMP/b.c"
	diff -u --label a/mm/migrate_device.c --label b/mm/migrate_device.c \
		"$TMP/a.c" "$TMP/b.c" | sed '1s|^|diff --git a/mm/migrate_device.c b/mm/migrate_device.c\n|'
} >"$TMP/shift.mbox"
if "$TOP/run_tests.sh" --config coverage --series "$TMP/shift.mbox" >"$TMP/run" 2>&1 &&
	check "$TOP/kunit/COVERAGE.md" &&
	[ "$(head -n 1 "$TMP/lines0")" != "$(cut -f2 "$COV/unreached-migrate_device.txt" | head -n 1)" ]; then
	ok "the table matches a tree whose lines all moved (first unreached line $(head -n 1 "$TMP/lines0") now $(cut -f2 "$COV/unreached-migrate_device.txt" | head -n 1))"
else
	cp "$TMP/run" "$TMP/out" 2>/dev/null
	not_ok "the table matches a tree whose lines all moved"
fi
if grep -q "mm/migrate_device.c: 5 changed" "$TMP/run"; then
	ok "the changed-lines view names the five new lines of migrate_device.c"
else
	grep "changed" "$TMP/run" >"$TMP/out"
	not_ok "the changed-lines view names the five new lines of migrate_device.c"
fi

"$TOP/run_tests.sh" --config coverage >"$TMP/out" 2>&1 && check "$TOP/kunit/COVERAGE.md" &&
	ok "the tree without the patch matches the table again" ||
	not_ok "the tree without the patch matches the table again"

finish
