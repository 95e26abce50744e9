#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-tests of run_tests.sh: bad input must fail with exit status 2 and a
# message that names the cause, without changing anything; --series,
# --seed and --repeat must work; a kernel that crashes or hangs gets a
# verdict for every case; the example CI matrix names every make check
# part.  Uses the Debian 6.12 work tree (prepared when missing);
# KERNEL_SRC builds are tests/user_tree_selftest.sh's.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SRC="$WORK/linux-6.12/src"

# expect_error NAME PATTERN [ENV=VALUE...] -- ARGS...: exit 2, PATTERN shown
expect_error() {
	local name=$1 pattern=$2 rc
	shift 2
	local -a envs=()
	while [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	env "${envs[@]}" "$TOP/run_tests.sh" "$@" >"$TMP/out" 2>&1
	rc=$?
	if [ "$rc" -eq 2 ] && grep -qE -- "$pattern" "$TMP/out"; then
		ok "$name"
	else
		echo "    # exit $rc, wanted 2 and /$pattern/" >"$TMP/why"
		cat "$TMP/why" "$TMP/out" >"$TMP/out2" && mv "$TMP/out2" "$TMP/out"
		not_ok "$name"
	fi
}

# A patch to mm/migrate_device.c of the work tree, as an mbox; with
# BROKEN, its context does not match the file.
make_patch() {
	local out=$1 mode=${2:-good} orig="$TMP/orig.c" new="$TMP/new.c"
	git -C "$SRC" show HEAD:mm/migrate_device.c >"$orig"
	if [ "$mode" = broken ]; then	# no line of the hunk's context matches
		sed '1,4s/.*/ * this line is not in any tree/' "$orig" >"$TMP/base.c"
		orig="$TMP/base.c"
	elif [ "$mode" = fuzzy ]; then	# its outermost line of context does not
		sed '4s/.*/ * this line is not in any tree/' "$orig" >"$TMP/base.c"
		orig="$TMP/base.c"
	fi
	if [ "$mode" != good ] && [ "$mode" != broken ] && [ "$mode" != fuzzy ]; then
		# at the top of migrate_vma_setup(): a WARNING on every call,
		# or a panic or a hang in a migration of exactly 3 pages
		local line
		case "$mode" in
		warn) line='\tbool __maybe_unused selftest = WARN_ONCE(1, \"uml-devmem runner self-test\\n\");' ;;
		panic) line='\tbool __maybe_unused selftest = args->end - args->start == 3 * PAGE_SIZE && (panic(\"uml-devmem runner self-test\"), true);' ;;
		hang) line='\tbool __maybe_unused selftest = args->end - args->start == 3 * PAGE_SIZE && ({ for (;;) schedule_timeout_uninterruptible(HZ); true; });' ;;
		esac
		awk -v line="$line" '{ print }
		/^int migrate_vma_setup\(struct migrate_vma \*args\)$/ { hit = 1; next }
		hit && /^\{$/ { print line; hit = 0 }' "$orig" >"$new"
	else
		sed '2s|^|/* uml-devmem runner self-test */\n|' "$orig" >"$new"
	fi
	{
		echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
		echo "From: Self Test <selftest@localhost>"
		echo "Subject: [PATCH] mm: runner self-test ($mode)"
		echo
		echo "A comment only."
		echo
		echo "Signed-off-by: Self Test <selftest@localhost>"
		echo "---"
		diff -u --label a/mm/migrate_device.c --label b/mm/migrate_device.c \
			"$orig" "$new" | sed '1s|^|diff --git a/mm/migrate_device.c b/mm/migrate_device.c\n|'
	} >"$out"
}

head_and_key() {
	printf '%s %s' "$(git -C "$SRC" rev-parse HEAD)" "$(cat "$SRC/.git/uml-devmem-key")"
}

if ! "$TOP/run_tests.sh" --prepare-only >/dev/null; then
	echo "runner_selftest.sh: the work tree $SRC could not be prepared" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

expect_error "unknown option" "unknown argument '--bogus'" -- --bogus
expect_error "kernel line older than any" \
	"Linux 5.10 is older than any line uml-devmem carries series for" -- --kernel 5.10
expect_error "not a kernel line" "'7' is not a kernel line" -- --kernel 7
# A 7.x line Debian does not carry: the newest one it does is named.
expect_error "7.x line not in Debian" \
	"the newest Debian offers is linux-source-7\.[0-9]+: try --kernel 7\.[0-9]+" -- --kernel 7.99
expect_error "unknown config" "no configuration 'nope'.*" -- --config nope
expect_error "missing --series file" "does not exist" -- --series "$TMP/none.mbox"
expect_error "KERNEL_SRC missing" "is not a directory" KERNEL_SRC="$TMP/none" --
mkdir -p "$TMP/empty"
expect_error "KERNEL_SRC not a kernel tree" "is not a Linux source tree" \
	KERNEL_SRC="$TMP/empty" --
# fake_tree DIR MAKEFILE-LINES: what check_user_tree looks for, nothing more
fake_tree() {
	mkdir -p "$1/mm" "$1/tools/testing/kunit"
	printf "$2" >"$1/Makefile"
	touch "$1/mm/migrate_device.c" "$1/tools/testing/kunit/kunit.py"
}
fake_tree "$TMP/old" 'VERSION = 5\nPATCHLEVEL = 10\n'
expect_error "KERNEL_SRC of a line older than any" \
	"the oldest is 6\.[0-9]+: use --kernel 6\.[0-9]+ " \
	KERNEL_SRC="$TMP/old" --
# A tree newer than any line: the newest series is tried, and the first
# patch that does not apply is named with its hunks, not even with fuzz.
fake_tree "$TMP/new" 'VERSION = 8\nPATCHLEVEL = 1\nSUBLEVEL = 0\nEXTRAVERSION = -rc2\n'
expect_error "KERNEL_SRC newer than any line" \
	"on Linux 8\.1\.0-rc2, KERNEL_SRC=.*, with the 7\.3 series\), not even with a 3-way merge or fuzz: arch-um-devmem/7\.3/0001" \
	KERNEL_SRC="$TMP/new" -- --prepare-only
if grep -q "trying 7.3's (newer than any line uml-devmem carries series for)" "$TMP/out" &&
	grep -q "not applied: mm-patches/7.3/0001-.*: this tree (Linux 8\.1\.0-rc2) has changed that code" "$TMP/out" &&
	grep -q "hunk 1/[0-9]* of arch/um/Kconfig (line [0-9]*.*): the tree has no such file" "$TMP/out"; then
	ok "a tree newer than any line: newest series tried, fixes left out, failing hunks named"
else
	not_ok "a tree newer than any line: newest series tried, fixes left out, failing hunks named"
	sed 's/^/    # /' "$TMP/out" | head -n 20
fi
rm -rf "$WORK/user-$(printf '%s' "$TMP/new" | sha1sum | cut -c1-12)"	# its snapshot
expect_error "KERNEL_SRC not of the --kernel line" "is Linux 5.10, not 6.12" \
	KERNEL_SRC="$TMP/old" -- --kernel 6.12
sed -i 's/= 5$/= 6/; s/= 10$/= 12/' "$TMP/old/Makefile"
touch "$TMP/old/.config"
expect_error "KERNEL_SRC with an in-tree build" "in-tree build" \
	KERNEL_SRC="$TMP/old" --

# A series that does not apply names the patch and the file, changes nothing.
before=$(head_and_key)
make_patch "$TMP/broken.mbox" broken
# the project's 6.12 patches, then the broken one as the last
n_mm=$(grep -c "^[^#[:space:]]" "$TOP/mm-patches/6.12/series")
n_arch=$(grep -c "^[^#[:space:]]" "$TOP/arch-um-devmem/6.12/series")
n=$((n_mm + n_arch + 1))
expect_error "--series that does not apply" \
	"patch $n/$n does not apply \(your --series .*broken.mbox, on Linux 6\.12\.[0-9]+\), not even with a 3-way merge or fuzz: message 1 of the mbox" \
	-- --series "$TMP/broken.mbox"
if grep -q "failing file(s): mm/migrate_device.c" "$TMP/out" &&
	grep -q "hunk 1/1 of mm/migrate_device.c (line 1): the tree's file lacks a line the hunk has as context" "$TMP/out" &&
	[ "$(head_and_key)" = "$before" ]; then
	ok "failed --series names mm/migrate_device.c and leaves the tree alone"
else
	not_ok "failed --series names mm/migrate_device.c and leaves the tree alone"
fi
# One whose outermost line of context has changed applies with fuzz, said.
make_patch "$TMP/fuzzy.mbox" fuzzy
if "$TOP/run_tests.sh" --series "$TMP/fuzzy.mbox" --prepare-only >"$TMP/out" 2>&1 &&
	grep -q "applied with fuzz (one line of context, .*): .*0001" "$TMP/out" &&
	grep -q "uml-devmem runner self-test" "$SRC/mm/migrate_device.c"; then
	ok "--series with a changed line of context applies with fuzz, and says so"
else
	not_ok "--series with a changed line of context applies with fuzz, and says so"
	sed 's/^/    # /' "$TMP/out" | tail -n 5
fi
"$TOP/run_tests.sh" --prepare-only >/dev/null 2>&1	# the project's series alone again
mkdir -p "$TMP/emptydir"
expect_error "--series directory without patches" "holds no patches" -- --series "$TMP/emptydir"

# A series that applies is committed on top of the project's and tested.
make_patch "$TMP/good.mbox" good
if "$TOP/run_tests.sh" --series "$TMP/good.mbox" --filter 'umdevmem_owner' >"$TMP/out" 2>&1 &&
	[ "$(tail -n 1 "$TMP/out")" = "4 passed, 0 failed" ] &&
	[ "$(git -C "$SRC" log -1 --format=%s)" = "mm: runner self-test (good)" ] &&
	grep -q "uml-devmem runner self-test" "$SRC/mm/migrate_device.c"; then
	ok "--series mbox applied as a commit and tested"
else
	not_ok "--series mbox applied as a commit and tested"
fi
# and leaving it out again restores the project's series
if "$TOP/run_tests.sh" --filter 'umdevmem_owner' >"$TMP/out" 2>&1 &&
	! grep -q "uml-devmem runner self-test" "$SRC/mm/migrate_device.c"; then
	ok "run without --series drops the user's patch again"
else
	not_ok "run without --series drops the user's patch again"
fi

expect_error "--seed not a number" "seed 'x1' is not a positive number" -- --seed x1
expect_error "--ops not a number" "ops '0' is not a positive number" -- --ops 0
expect_error "--repeat not a number" "repeat '-1' is not a number" -- --repeat -1
expect_error "--with an unknown series" \
	"optional series of 6.12: none" -- --with nope
expect_error "--with a series of another line" \
	"--with 'hmm-walk': no such optional series for Linux 6.12" -- --with hmm-walk
expect_error "--bench-mib too large" "is not a size from 1 to 256" -- --bench-mib 4096
expect_error "--selftest unknown" "--selftest 'nope': no such selftest" -- --selftest nope
expect_error "--selftest with a suite option" "not the KUnit suites" -- --selftest hmm --seed 3
# 6.1: no test_hmm (it needs THP) and a harness without -l and -t
expect_error "--selftest on a line whose harness cannot list cases" \
	"the kselftest harness of Linux 6.1 cannot list its cases" -- --kernel 6.1 --selftest user

# hmm-tests: a case that hangs (here: takes longer than --case-timeout)
# is named, the cases after it run in a fresh boot, and the next run works.
# On 2 cores the hung case's boot also holds hmm_gup_test, which then
# runs in a fresh boot.
"$TOP/run_tests.sh" --selftest hmm --case-timeout 1 --filter \
	'hmm.hmm_device_private.migrate_multiple,hmm.hmm_device_private.mixedmap,hmm.hmm_device_private.hmm_gup_test,hmm2.hmm2_device_private.snapshot' \
	>"$TMP/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && [ "$(tail -n 1 "$TMP/out")" = "3 passed, 1 failed" ] &&
	grep -q "^selftest.py: hmm.hmm_device_private.migrate_multiple: hung" "$TMP/out" &&
	"$TOP/run_tests.sh" --selftest hmm --filter 'hmm.hmm_device_private.open_close' \
		>"$TMP/out2" 2>&1 && [ "$(tail -n 1 "$TMP/out2")" = "1 passed, 0 failed" ]; then
	ok "--selftest: a hung case is named, the others get their verdicts, the next run works"
else
	not_ok "--selftest: a hung case is named, the others get their verdicts (exit $rc)"
	tail -n 5 "$TMP/out" | sed 's/^/    # /'
fi

# A kernel WARNING fails the run although every case passed.
make_patch "$TMP/warn.mbox" warn
if ! "$TOP/run_tests.sh" --series "$TMP/warn.mbox" --filter 'umdevmem_owner' >"$TMP/out" 2>&1 &&
	[ "$(tail -n 1 "$TMP/out")" = "4 passed, 1 failed" ] &&
	grep -q "hold [0-9]* report line" "$TMP/out"; then
	ok "a WARNING in the kernel log fails a run whose cases passed"
else
	not_ok "a WARNING in the kernel log fails a run whose cases passed"
	tail -n 5 "$TMP/out" | sed 's/^/    # /'
fi

# The same seed replays the same operations; --repeat compares boots.
"$TOP/run_tests.sh" --seed 12345 --ops 400 >"$TMP/seed1" 2>&1
"$TOP/run_tests.sh" --seed 12345 --ops 400 --repeat 2 >"$TMP/seed2" 2>&1
c1=$(sed -n 's/.*random suite: seed 12345, 400 operations, \([0-9]*\) page checks.*/\1/p' "$TMP/seed1")
c2=$(sed -n 's/.*random suite: seed 12345, 800 operations, \([0-9]*\) page checks.*/\1/p' "$TMP/seed2")
if [ -n "$c1" ] && [ "$c2" = "$((c1 * 2))" ] &&
	grep -q "0 with a different result between boots" "$TMP/seed2" &&
	[ "$(tail -n 1 "$TMP/seed2")" = "2 passed, 0 failed" ]; then
	ok "--seed replays the random suite, --repeat 2 boots twice alike"
else
	not_ok "--seed replays the random suite, --repeat 2 boots twice alike"
	tail -n 5 "$TMP/seed1" "$TMP/seed2" | sed 's/^/    # /'
fi

# A kernel that panics or hangs in some cases: those cases are named
# crashed or hung, every other case still gets its verdict in fresh boots.
for mode in panic hang; do
	make_patch "$TMP/$mode.mbox" "$mode"
	t0=$(date +%s)
	"$TOP/run_tests.sh" --series "$TMP/$mode.mbox" --case-timeout 5 \
		>"$TMP/out" 2>&1
	rc=$?
	t1=$(date +%s)
	last=$(tail -n 1 "$TMP/out")
	named=$(grep -c "^boot.py: umdevmem_[a-z_]*\.[a-z_]* $( [ $mode = panic ] && echo crashed || echo hung)" "$TMP/out")
	total=$(python3 "$TOP/scripts/results.py" counts \
		"$WORK/linux-6.12/build-default/runs/1.json" | awk '{ print $1 + $2 + $3 }')
	if [ "$rc" -eq 1 ] && [ "$named" -ge 1 ] && [ "$total" -ge 100 ] &&
		[[ "$last" =~ ^[0-9]+\ passed,\ [1-9][0-9]*\ failed ]]; then
		ok "a kernel that ${mode}s: $named case(s) named, $total verdicts in $((t1 - t0)) s ($last)"
	else
		not_ok "a kernel that ${mode}s gets a verdict for every case (exit $rc, $named named, $total verdicts: $last)"
	fi
	"$TOP/run_tests.sh" --filter 'umdevmem_owner' >"$TMP/out" 2>&1 ||
		not_ok "the tree without the $mode patch passes again"
done

# The example CI matrix runs every part of make check, and only those.
parts=$("$TOP/scripts/check.sh" --list | awk '{ print $1 }' | sort)
matrix=$(sed -n 's/^ *- part: *//p' "$TOP/.github/workflows/check.yml" | sort)
if [ -n "$parts" ] && [ "$parts" = "$matrix" ]; then
	ok ".github/workflows/check.yml names every make check part"
else
	not_ok ".github/workflows/check.yml names every make check part"
	diff <(echo "$parts") <(echo "$matrix") | sed 's/^/    # /'
fi

finish
