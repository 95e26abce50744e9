#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# user_tree_selftest.sh [RUN_TESTS ARGS...]: the suites on a developer's
# own tree.  A copy of Debian's pristine 6.12 tree (the base commit of
# the work tree ./run_tests.sh made) stands for it: KERNEL_SRC=copy
# ./run_tests.sh ARGS must pass every case, and with
# umdevmem_abort.abort=1 fail exactly the abort cases (abort_selftest.sh);
# the copy must not change.  The copy carries one of the project's mm
# fixes already, as a developer's tree may: the runner must leave that
# patch out, say so, and pass.  It also has drifted from Debian's
# (tests/drift/6.12.diff: upstream-style changes in the context of an
# arch patch and of an mm fix): those two must apply by a 3-way merge,
# and say so.  make check runs it with --config debug,
# so that this is also the 6.12 debug run; its last line counts the
# run's cases and these checks.
set -uo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SRC="$WORK/linux-6.12/src"
TREE="$WORK/user-tree-6.12"

"$TOP/run_tests.sh" --prepare-only >/dev/null || {
	echo "user_tree_selftest.sh: the 6.12 tree could not be prepared"
	echo "0 passed, 1 failed"
	exit 1
}
fix=mm-patches/6.12/0002-mm-hmm-fault-only-the-page-that-needs-it-in-hmm_vma_.patch
drift=tests/drift/6.12.diff
tree_git() { GIT_CEILING_DIRECTORIES="$WORK" git -C "$TREE" "$@"; }
# the copy is made again when the base, the fix or the drift changed
key="$(cat "$SRC/.git/uml-devmem-base") $(cat "$TOP/$fix" "$TOP/$drift" | sha1sum | cut -c1-12)"
if [ "$(cat "$TREE/.uml-devmem-base" 2>/dev/null)" != "$key" ]; then
	echo "==> copying the pristine 6.12 tree to ${TREE#"$TOP"/}, with ${fix##*/} and $drift"
	rm -rf "$TREE"
	mkdir -p "$TREE"
	git -C "$SRC" archive "${key%% *}" | tar -x -C "$TREE"
	for p in "$fix" "$drift"; do
		tree_git apply "$TOP/$p" || {
			echo "user_tree_selftest.sh: $p does not apply to the copy"
			echo "0 passed, 1 failed"
			exit 1
		}
	done
	echo "$key" >"$TREE/.uml-devmem-base"
fi
touch "$TMP/stamp"
sleep 1

KERNEL_SRC="$TREE" "$TOP/run_tests.sh" "$@" >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
last=$(tail -n 1 "$TMP/out")
if [ "$rc" -eq 0 ] && [[ "$last" =~ ^[1-9][0-9]*\ passed,\ 0\ failed ]]; then
	ok "KERNEL_SRC tree builds and passes ($last)"
else
	not_ok "KERNEL_SRC tree builds and passes ($last, exit $rc)"
fi
if grep -q "not applied: $fix: this tree has it already" "$TMP/out"; then
	ok "a fix the tree has already is left out and said"
else
	not_ok "a fix the tree has already is left out and said"
fi
for p in arch-um-devmem/6.12/0004-um-drivers-hook mm-patches/6.12/0003-mm-rmap; do
	if grep -q "applied with a 3-way merge (.*): $p" "$TMP/out"; then
		ok "a patch whose context the tree changed applies by a 3-way merge: $p"
	else
		not_ok "a patch whose context the tree changed applies by a 3-way merge: $p"
	fi
done

KERNEL_SRC="$TREE" "$TOP/tests/abort_selftest.sh" "$@" >"$TMP/abort" 2>&1
sed 's/^/    /' "$TMP/abort"
if [ "$(tail -n 1 "$TMP/abort")" = "3 passed, 0 failed" ]; then
	ok "a failed assertion leaves nothing behind, on the KERNEL_SRC tree"
else
	not_ok "a failed assertion leaves nothing behind, on the KERNEL_SRC tree"
fi

if [ -z "$(find "$TREE" -newer "$TMP/stamp" | head -n 1)" ]; then
	ok "KERNEL_SRC tree left unmodified"
else
	not_ok "KERNEL_SRC tree left unmodified"
	find "$TREE" -newer "$TMP/stamp" | head -n 5 | sed 's/^/    # /'
fi

# the run's own cases count too, as in a part of its own
read -r p f < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$TMP/out" | tail -n 1)
echo "$((pass + ${p:-0})) passed, $((fail + ${f:-1})) failed"
[ "$fail" -eq 0 ]
