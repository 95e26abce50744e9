#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mutation_selftest.sh [--selftests] [6.12|7.3|7.3-hmm-walk|all]: the
# suites must fail when migrate_device.c is wrong.  Each patch in tests/mutations/ (6.12;
# 7.3/ for 7.3) breaks one thing on purpose and names, in Caught-in:
# lines, the cases that must then fail; each is applied with --series and
# the run must fail exactly there (at least those cases).  The last step
# runs without a series, which puts the tree back.  Mutants of the
# optional hmm-walk series are in tests/mutations/7.3-hmm-walk/.
#
# --selftests: also run upstream's hmm-tests and the userspace suite
# (--selftest hmm,user) on each mutant's kernel, and end with a table of
# which catch it: the suites, hmm-tests, both or neither.  A mutant the
# selftests miss is a finding about hmm-tests, not a failure here.  On 7.3
# every run takes test_hmm's coherent fix and leaves out the cases
# docs/hmm-tests.md names as known limits.
set -uo pipefail
SELFTESTS=
if [ "${1:-}" = --selftests ]; then
	SELFTESTS=1
	shift
fi
TABLE=()

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

failed_cases() {
	python3 "$TOP/scripts/results.py" failed "$1"
}

# mutate ARGS... -- PATCHES...: each patch on the tree that ARGS select
mutate() {
	local -a args=()
	while [ "$1" != "--" ]; do
		args+=("$1")
		shift
	done
	shift
	local -a st_args=(--selftest hmm,user)
	if [[ " ${args[*]} " == *" --with "* ]]; then
		st_args=()	# the runner takes one optional series at a time
	elif [[ " ${args[*]} " == *" 7.3 "* ]]; then
		st_args+=(--with test-hmm --filter '*,-hmm.hmm_device_coherent.migrate_anon_huge_err,-*.benchmark_thp_migration')
	fi
	for patch in "$@"; do
		name=$(basename "$patch" .patch)
		"$TOP/run_tests.sh" "${args[@]}" --series "$patch" --json "$TMP/out.json" \
			>"$TMP/log" 2>&1
		rc=$?
		missed=
		if [ -s "$TMP/out.json" ]; then
			failed_cases "$TMP/out.json" >"$TMP/failed"
			while read -r want; do
				grep -qx "$want" "$TMP/failed" || missed="$missed $want"
			done < <(sed -n 's/^Caught-in: //p' "$patch")
		else
			missed=" (no results)"
		fi
		if [ -n "$SELFTESTS" ] && [ ${#st_args[@]} -eq 0 ]; then
			TABLE+=("| ${args[*]} | $name | $( [ "$rc" -eq 1 ] && echo yes || echo no) | not run (test-hmm and this series are both optional) |")
		elif [ -n "$SELFTESTS" ]; then
			local by_st=no
			"$TOP/run_tests.sh" "${args[@]}" "${st_args[@]}" --series "$patch" \
				--json "$TMP/st.json" >"$TMP/st.log" 2>&1
			case $? in
			1) by_st="yes: $(python3 "$TOP/scripts/results.py" failures "$TMP/st.json" |
				sed 's/^/`/; s/$/`/' | paste -sd ' ')$(grep -q 'report line' "$TMP/st.log" &&
				echo ' and kernel reports')" ;;
			0) by_st=no ;;
			*) by_st="error (see $TMP/st.log)" ;;
			esac
			TABLE+=("| ${args[*]:-6.12} | $name | $( [ "$rc" -eq 1 ] && echo yes || echo no) | $by_st |")
			rm -f "$TMP/st.json"
		fi
		if [ "$rc" -eq 1 ] && [ -z "$missed" ]; then
			pass=$((pass + 1))
			echo "ok - mutation $name caught by: $(tr '\n' ' ' <"$TMP/failed")"
		else
			fail=$((fail + 1))
			echo "not ok - mutation $name (exit $rc) not caught by:$missed"
			tail -n 5 "$TMP/log" | sed 's/^/    # /'
		fi
		rm -f "$TMP/out.json"
	done

	if "$TOP/run_tests.sh" "${args[@]}" --json "$TMP/out.json" \
		>"$TMP/log" 2>&1; then
		pass=$((pass + 1))
		echo "ok - tree restored, suites pass again (${args[*]:-6.12})"
	else
		fail=$((fail + 1))
		echo "not ok - tree restored, suites pass again (${args[*]:-6.12})"
		[ -s "$TMP/out.json" ] && failed_cases "$TMP/out.json" |
			sed 's/^/    # failed: /'
		tail -n 5 "$TMP/log" | sed 's/^/    # /'
	fi
	rm -f "$TMP/out.json"
}

# mm code and UML's uaccess of 6.12 and of 7.3; the hmm-walk series of 7.3
case "${1:-all}" in
6.12|all) mutate -- "$TOP"/tests/mutations/*.patch ;;&
7.3|all) mutate --kernel 7.3 -- "$TOP"/tests/mutations/7.3/*.patch ;;&
7.3-hmm-walk|all)
	mutate --kernel 7.3 --with hmm-walk -- \
		"$TOP"/tests/mutations/7.3-hmm-walk/*.patch ;;
6.12|7.3) ;;
*) echo "usage: tests/mutation_selftest.sh [--selftests] [6.12|7.3|7.3-hmm-walk|all]" >&2
   exit 2 ;;
esac
if [ -n "$SELFTESTS" ]; then
	echo "# which catch each mutant"
	echo "| line | mutant | KUnit suites | hmm-tests, userspace suite |"
	echo "|---|---|---|---|"
	printf '%s\n' "${TABLE[@]}"
fi

finish
