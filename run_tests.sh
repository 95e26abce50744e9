#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh - build a UML kernel with the uml-devmem series, the fake
# device and the KUnit suites linked in, run the suites, report.
#
# The tree comes from Debian (or KERNEL_SRC), the series is applied as
# commits and kunit.py configures the build directory; scripts/build.py
# builds only what changed, scripts/boot.py boots until every case has a
# verdict (a crashed or hung boot is followed by fresh ones for the cases
# that did not run) and scripts/results.py counts.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${UML_DEVMEM_WORK:-$TOP/work}
SUPPORTED_LINES="6.1 6.12 7.2 7.3"
# Lines newer than bookworm's come from Debian's newer suites through
# scripts/debian_source.sh.

KERNEL_LINE=6.12
SERIES_LINE=6.12
LLVM=-14
LINE_GIVEN=
CONFIG=default
FILTER=
USER_SERIES=
JSON_OUT=
SEED=
OPS=
REPEAT=1
WITH=
BENCH_MIB=
KERNEL_ARGS=()
CASE_TIMEOUT=20
CASE_TIMEOUT_GIVEN=
SELFTEST=
SELFTESTS="hmm user"
PREPARE_ONLY=
COVER=
JOBS=$(nproc)
# What the coverage build instruments unless --cover names more: the mm
# files this project is about and the fake device's kernel half.
COVER_DEFAULT="mm/migrate_device.c mm/hmm.c mm/memremap.c"
for f in kern alloc dma migrate huge drm; do
	COVER_DEFAULT="$COVER_DEFAULT arch/um/drivers/devmem/umdevmem_$f.c"
done
# GPU SVM (7.3, the DRM face): where the tree has them
COVER_DEFAULT="$COVER_DEFAULT drivers/gpu/drm/drm_gpusvm.c drivers/gpu/drm/drm_pagemap.c"

usage() {
	cat <<EOF
usage: ./run_tests.sh [--config default|debug|coverage] [--filter GLOB]
                      [--series FILE|DIR] [--json FILE] [--kernel LINE]
                      [--seed S] [--ops N] [--repeat N] [--with SERIES]
                      [--bench-mib N] [--kernel-arg ARG]...
                      [--case-timeout S] [--cover FILE[,FILE...]]
                      [--selftest hmm[,user]] [--prepare-only]

Build Linux as a UML binary with ZONE_DEVICE, the uml-devmem fake device
and its KUnit suites, run the suites, and print 'N passed, N failed'.

  --config NAME   kunitconfig fragment from configs/ on top of the default
                  one (default, debug, coverage); coverage builds with
                  clang (clang-14 for 6.x, clang-19 for 7.x, which
                  needs LLVM 17 or later), instruments only the files it
                  reports on, and shows which lines changed since the
                  pristine tree were reached
  --cover FILES   (coverage) instrument these files of the tree as well,
                  comma-separated paths (mm/rmap.c,mm/memory.c)
  --filter GLOB   run only suites/cases matching GLOB ('suite' or
                  'suite.case', as kunit.py --filter_glob); with
                  --selftest, comma-separated FIXTURE.VARIANT.TEST globs,
                  '-GLOB' leaving out what it matches
  --series PATH   your own patches (an mbox, or a directory of *.patch or
                  with a 'series' file), applied after the project's series
  --json FILE     write the results, in kunit.py's JSON layout, to FILE
  --kernel LINE   kernel line to use (supported: $SUPPORTED_LINES; another
                  line is tried with the nearest line's series, a newer
                  one with the newest's; an older one is refused)
  --seed S        seed of the random-operation suite umdevmem_random (by
                  default a new one each run, printed); replays a run
  --ops N         operations the random suite runs (default 2000); a long
                  soak is e.g. --ops 1000000
                  (--seed or --ops alone run only umdevmem_random; add
                  --filter '*' to run every suite)
  --repeat N      boot the built kernel N times with the same seed and
                  report every case whose result differs between boots
  --with SERIES   also apply one of the project's optional mm series of
                  the line (mm-patches/LINE/SERIES; 7.3: hmm-walk, the
                  migrate_vma collection inside the HMM page walk)
  --bench-mib N   run the benchmark suites umdevmem_bench* up to N MiB
                  (1 to 256; alone, only those); scripts/bench.sh
                  compares both sides of the hmm-walk series
  --kernel-arg A  one more argument for the kernel command line, such as
                  umdevmem.size=128 or umdevmem_abort.abort=1
  --case-timeout S
                  a case that gives no result for S seconds (default 20,
                  more with --ops and --bench-mib; with --selftest 10 s
                  more than the harness's own timeout of each case) has
                  hung: its boot is
                  killed, and the cases that did not run run again in
                  fresh boots
  --selftest hmm  instead of the KUnit suites, run the tree's own
                  tools/testing/selftests/mm/hmm-tests against its
                  lib/test_hmm.c (built into every kernel here, device-
                  coherent devices in UML's device window) in a UML boot
                  with a host directory as root: the verdict upstream
                  asks of HMM patches, without a VM (--filter takes
                  FIXTURE.VARIANT.TEST globs; scripts/selftest.py);
                  user: the project's kunit/user/user_tests.c, what
                  only a user process reaches, against the same devices
  --prepare-only  get the tree, apply the series and link the project in,
                  then stop (scripts that need the tree use it)

Environment:
  KERNEL_SRC=DIR  use your own tree (6.1, 6.12 or 7.x; its Makefile says which,
                  unless --kernel is given) instead of Debian's linux-source
                  package; it is copied (never modified) into the work
                  directory before patches are applied
  UML_DEVMEM_WORK work directory (default: ./work)

Exit status: 0 all passed, 1 a test failed or the kernel crashed, 2 a
problem with the input or the setup (the message says which and how to
fix it).
EOF
}

say() { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() {
	printf 'run_tests.sh: error: %s\n' "$1" >&2
	shift
	local line
	for line in "$@"; do
		printf '    %s\n' "$line" >&2
	done
	exit 2
}

# MAJOR.MINOR as one number, to compare lines.
line_number() {
	local major=${1%%.*} minor=${1#*.}
	echo $((major * 1000 + minor))
}

# The series directory for KERNEL_LINE: its own; for a line without one,
# the nearest line's of the same major (6.13: 6.12, 7.4: 7.3), or the
# newest's for a tree newer than all of them (NEAR says why).  A line
# older than the oldest the project carries is refused.
choose_series_line() {
	local l d want best='' bestd=''
	local oldest=${SUPPORTED_LINES%% *} newest=${SUPPORTED_LINES##* }
	NEAR=
	[[ "$KERNEL_LINE" =~ ^[0-9]+\.[0-9]+$ ]] ||
		die "'$KERNEL_LINE' is not a kernel line" \
			"give MAJOR.MINOR, one of: $SUPPORTED_LINES"
	want=$(line_number "$KERNEL_LINE")
	if [ "$want" -lt "$(line_number "$oldest")" ]; then
		local plan=
		[ ! -f "$TOP/docs/port-$KERNEL_LINE.md" ] ||
			plan="(docs/port-$KERNEL_LINE.md says what a port to $KERNEL_LINE needs)"
		die "Linux $KERNEL_LINE is older than any line uml-devmem carries series for ($SUPPORTED_LINES)" \
			"the oldest is $oldest: use --kernel $oldest (Debian's linux-source-$oldest), or KERNEL_SRC at a $oldest.y tree" \
			${plan:+"$plan"}
	elif [ "$want" -gt "$(line_number "$newest")" ]; then
		SERIES_LINE=$newest NEAR="newer than any line uml-devmem carries series for"
	else
		for l in $SUPPORTED_LINES; do
			d=$(($(line_number "$l") - want))
			d=${d#-}
			[ "${l%%.*}" = "${KERNEL_LINE%%.*}" ] || d=$((d + 1000000))
			if [ -z "$bestd" ] || [ "$d" -lt "$bestd" ]; then
				best=$l bestd=$d
			fi
		done
		SERIES_LINE=$best
		[ "$bestd" -eq 0 ] || NEAR="the nearest line uml-devmem carries series for"
	fi
	# Debian's clang for the coverage build: 7.x needs LLVM 17 or later
	if [ "${KERNEL_LINE%%.*}" -ge 7 ]; then LLVM=-19; else LLVM=-14; fi
}

# --with NAME: an optional series directory of the line, with a series file.
check_with() {
	local d names=
	if [[ "$WITH" =~ ^[a-z0-9][a-z0-9-]*$ ]] &&
		[ -f "$TOP/mm-patches/$SERIES_LINE/$WITH/series" ]; then
		return
	fi
	for d in "$TOP/mm-patches/$SERIES_LINE"/*/; do
		[ -f "$d/series" ] && names="$names $(basename "$d")"
	done
	die "--with '$WITH': no such optional series for Linux $SERIES_LINE" \
		"optional series of $SERIES_LINE:${names:- none}"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--config) CONFIG=${2:?--config needs a name}; shift 2 ;;
		--filter) FILTER=${2:?--filter needs a glob}; shift 2 ;;
		--series) USER_SERIES=${2:?--series needs a file}; shift 2 ;;
		--json) JSON_OUT=${2:?--json needs a file}; shift 2 ;;
		--kernel) KERNEL_LINE=${2:?--kernel needs a line}; LINE_GIVEN=1; shift 2 ;;
		--seed) SEED=${2:?--seed needs a number}; shift 2 ;;
		--ops) OPS=${2:?--ops needs a number}; shift 2 ;;
		--repeat) REPEAT=${2:?--repeat needs a number}; shift 2 ;;
		--with) WITH=${2:?--with needs a series name}; shift 2 ;;
		--bench-mib) BENCH_MIB=${2:?--bench-mib needs a size}; shift 2 ;;
		--kernel-arg) KERNEL_ARGS+=("${2:?--kernel-arg needs an argument}"); shift 2 ;;
		--case-timeout) CASE_TIMEOUT=${2:?--case-timeout needs seconds}; CASE_TIMEOUT_GIVEN=1; shift 2 ;;
		--cover) COVER=${2:?--cover needs files}; shift 2 ;;
		--selftest) SELFTEST=${2:?--selftest needs a name}; shift 2 ;;
		--prepare-only) PREPARE_ONLY=1; shift ;;
		-h|--help) usage; exit 0 ;;
		*) usage >&2; die "unknown argument '$1'" ;;
		esac
	done

	choose_series_line
	[[ -z "$SEED" || "$SEED" =~ ^[1-9][0-9]{0,19}$ ]] ||
		die "--seed '$SEED' is not a positive number of up to 20 digits"
	[[ -z "$OPS" || "$OPS" =~ ^[1-9][0-9]{0,9}$ ]] ||
		die "--ops '$OPS' is not a positive number"
	[[ "$REPEAT" =~ ^[1-9][0-9]{0,3}$ ]] ||
		die "--repeat '$REPEAT' is not a number from 1 to 9999"
	[ -z "$WITH" ] || check_with
	[[ -z "$BENCH_MIB" || ( "$BENCH_MIB" =~ ^[1-9][0-9]{0,3}$ &&
		"$BENCH_MIB" -le 256 ) ]] ||
		die "--bench-mib '$BENCH_MIB' is not a size from 1 to 256 (MiB)" "(the KUnit boot has 1 GiB of memory)"
	if [ -n "$SELFTEST" ]; then
		local t
		for t in ${SELFTEST//,/ }; do
			[[ " $SELFTESTS " == *" $t "* ]] ||
				die "--selftest '$t': no such selftest" \
					"selftests the runner knows: $SELFTESTS (comma-separated for more than one)"
		done
		[ -z "$SEED$OPS$BENCH_MIB" ] ||
			die "--selftest runs the tree's selftest, not the KUnit suites" \
				"--seed, --ops and --bench-mib go with the suites"
	fi
	[[ "$CASE_TIMEOUT" =~ ^[1-9][0-9]{0,4}$ ]] ||
		die "--case-timeout '$CASE_TIMEOUT' is not a number of seconds"
	[ -z "$COVER" ] || [ "$CONFIG" = coverage ] ||
		die "--cover goes with --config coverage"
	if [ -z "$FILTER" ] && [ -n "$BENCH_MIB" ]; then
		FILTER='umdevmem_bench*'
	fi
	if [ -z "$FILTER" ] && [ -n "$SEED$OPS" ]; then
		FILTER=umdevmem_random
	fi
	[ -n "$SEED" ] || SEED=$(( $(od -An -N4 -tu4 /dev/urandom) + 1 ))
	if [ ! -f "$TOP/configs/$CONFIG.kunitconfig" ] ||
		[[ "$CONFIG" == selftest || "$CONFIG" == line-* ]]; then
		local f names=
		for f in "$TOP"/configs/*.kunitconfig; do
			f=$(basename "$f" .kunitconfig)
			[[ "$f" == selftest || "$f" == line-* ]] || names="$names $f"
		done
		die "no configuration '$CONFIG'" "choose one of:$names"
	fi
	if [ -n "$USER_SERIES" ]; then
		[ -e "$USER_SERIES" ] || die "--series '$USER_SERIES' does not exist"
		USER_SERIES=$(cd "$(dirname "$USER_SERIES")" &&
			printf '%s/%s' "$(pwd)" "$(basename "$USER_SERIES")")
	fi
	if [ -n "$JSON_OUT" ]; then
		local dir
		dir=$(dirname "$JSON_OUT")
		[ -d "$dir" ] || die "--json: directory '$dir' does not exist"
		JSON_OUT="$(cd "$dir" && pwd)/$(basename "$JSON_OUT")"
	fi
}

# Install what is missing when root; otherwise say what to run.
need_packages() {
	[ $# -gt 0 ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		die "missing Debian packages: $*" \
			"install them with: sudo apt-get install -y $*"
	fi
	say "installing missing packages: $*"
	if ! apt-get install -y -q --no-install-recommends "$@" >/dev/null; then
		apt-get update -q >/dev/null ||
			die "apt-get update failed" "check /etc/apt/sources.list"
		apt-get install -y -q --no-install-recommends "$@" >/dev/null ||
			die "apt-get install $* failed" \
				"run it by hand to see why: apt-get install $*"
	fi
}

check_tools() {
	local tool pkg missing=()
	for tool in gcc:gcc make:make flex:flex bison:bison bc:bc \
		python3:python3 git:git xz:xz-utils perl:perl; do
		pkg=${tool#*:}
		command -v "${tool%%:*}" >/dev/null || missing+=("$pkg")
	done
	if [ "$CONFIG" = coverage ]; then
		for tool in "clang$LLVM:clang$LLVM" "ld.lld$LLVM:lld$LLVM" \
			"llvm-cov$LLVM:llvm$LLVM" \
			genhtml:lcov; do
			command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
		done
		# clang-19's profile runtime is a package of its own
		if [ "$LLVM" = -19 ] && ! compgen -G \
			"/usr/lib/llvm-19/lib/clang/*/lib/*/libclang_rt.profile*.a" >/dev/null; then
			missing+=(libclang-rt-19-dev)
		fi
	fi
	need_packages "${missing[@]}"
}

tree_line() {
	local v p
	v=$(sed -n 's/^VERSION = \([0-9]*\)$/\1/p' "$1/Makefile")
	p=$(sed -n 's/^PATCHLEVEL = \([0-9]*\)$/\1/p' "$1/Makefile")
	[ -n "$v" ] && [ -n "$p" ] && printf '%s.%s' "$v" "$p"
}

check_user_tree() {
	local src=$1 line
	[ -d "$src" ] || die "KERNEL_SRC=$src is not a directory"
	if [ ! -f "$src/Makefile" ] || [ ! -f "$src/mm/migrate_device.c" ] ||
		[ ! -f "$src/tools/testing/kunit/kunit.py" ]; then
		die "KERNEL_SRC=$src is not a Linux source tree" \
			"(no Makefile, mm/migrate_device.c or tools/testing/kunit/kunit.py)" \
			"point KERNEL_SRC at the top of a $SUPPORTED_LINES tree"
	fi
	line=$(tree_line "$src") || die "KERNEL_SRC=$src: no VERSION/PATCHLEVEL in Makefile"
	if [ -z "$LINE_GIVEN" ]; then
		KERNEL_LINE=$line	# the tree says which line it is
		choose_series_line
		check_tools	# coverage needs the clang of that line
	fi
	if [ "$line" != "$KERNEL_LINE" ]; then
		die "KERNEL_SRC=$src is Linux $line, not $KERNEL_LINE" \
			"uml-devmem carries series for: $SUPPORTED_LINES" \
			"(use --kernel to choose another supported line)"
	fi
	if [ -e "$src/.config" ] || [ -d "$src/include/config" ]; then
		die "KERNEL_SRC=$src has an in-tree build (.config)" \
			"kunit.py builds out of tree and needs a clean source tree:" \
			"run 'make -C $src mrproper' or use another tree"
	fi
}

# git in the work tree, with an identity of its own for the series commits;
# no automatic gc, which would repack a kernel tree in the background
# during the build, holding the tree's lock (fd 9) for minutes.
wgit() {
	git -C "$SRC" -c user.name=uml-devmem -c user.email=uml-devmem@localhost \
		-c core.autocrlf=false -c gc.auto=0 "$@" 9>&-
}

# Debian's tarball, unpacked once into $SRC and committed as the base.
prepare_debian_tree() {
	local tarball=/usr/src/linux-source-$KERNEL_LINE.tar.xz
	if [ "$KERNEL_LINE" = 6.1 ] || [ "$KERNEL_LINE" = 6.12 ]; then	# bookworm's
		[ -f "$tarball" ] || need_packages "linux-source-$KERNEL_LINE"
		[ -f "$tarball" ] || die "$tarball is missing after installing linux-source-$KERNEL_LINE"
	else
		tarball=$("$TOP/scripts/debian_source.sh" "$KERNEL_LINE" \
			"$WORK/debian-apt") || exit 2
	fi

	if [ -f "$SRC/.git/uml-devmem-base" ] &&
		[ "$(cat "$SRC/.git/uml-devmem-tarball")" = "$(stat -c '%s %Y' "$tarball")" ]; then
		BASE=$(cat "$SRC/.git/uml-devmem-base")
		return
	fi
	say "unpacking $tarball (about 15 s)"
	rm -rf "$SRC"
	mkdir -p "$SRC"
	tar -xf "$tarball" -C "$SRC" --strip-components=1 \
		--checkpoint=8000 --checkpoint-action=dot
	echo
	say "recording the pristine tree in git (about 30 s)"
	wgit init -q
	wgit add -f -A .
	wgit commit -q -m "Debian linux-source-$KERNEL_LINE ($(tree_line "$SRC").$(sed -n 's/^SUBLEVEL = //p' "$SRC/Makefile"))"
	BASE=$(wgit rev-parse HEAD)
	stat -c '%s %Y' "$tarball" >"$SRC/.git/uml-devmem-tarball"
	echo "$BASE" >"$SRC/.git/uml-devmem-base"
}

# A user's tree: snapshot it into our git without touching it.
prepare_user_tree() {
	local tree
	if [ ! -d "$SRC/.git" ]; then
		mkdir -p "$SRC"
		wgit init -q
		say "first snapshot of KERNEL_SRC=$KERNEL_SRC (about 30 s)"
	fi
	tree=$(GIT_INDEX_FILE="$SRC/.git/uml-devmem-user-index" \
		git --git-dir="$SRC/.git" --work-tree="$KERNEL_SRC" add -f -A . &&
		GIT_INDEX_FILE="$SRC/.git/uml-devmem-user-index" \
		git --git-dir="$SRC/.git" write-tree)
	if [ -f "$SRC/.git/uml-devmem-base" ] &&
		[ "$(wgit rev-parse "$(cat "$SRC/.git/uml-devmem-base")^{tree}")" = "$tree" ]; then
		BASE=$(cat "$SRC/.git/uml-devmem-base")
		return
	fi
	BASE=$(wgit commit-tree "$tree" -m "KERNEL_SRC=$KERNEL_SRC snapshot")
	echo "$BASE" >"$SRC/.git/uml-devmem-base"
}

# The patches to apply, in order, into PATCHES: project series, then
# user's.  A series line is a patch's file name, and for a fix of mm code
# that a tree may already have or have changed, "# fix: what it fixes";
# FIXES holds that text (or nothing) for each patch: such a patch that
# does not apply is left out and said, not the end of the run.
series_file_patches() {
	local dir=$1 line f
	[ -f "$dir/series" ] || die "no series file in $dir"
	while read -r line; do
		f=${line%%[[:space:]]*}
		case "$f" in ''|'#'*) continue ;; esac
		[ -f "$dir/$f" ] || die "$dir/series names $f, which is missing"
		case "$f" in	# a line may share another's patch: ../7.3/0002-...
		*/*) PATCHES+=("$(cd "$dir/${f%/*}" && pwd)/${f##*/}") ;;
		*) PATCHES+=("$dir/$f") ;;
		esac
		if [[ "$line" =~ \#\ fix:\ *(.*)$ ]]; then
			FIXES+=("${BASH_REMATCH[1]}")
		else
			FIXES+=("")
		fi
	done <"$dir/series"
}

collect_patches() {
	local before f
	PATCHES=() FIXES=()
	if [ "$SERIES_LINE" != "$KERNEL_LINE" ]; then
		info "no series of its own for Linux $KERNEL_LINE: trying $SERIES_LINE's ($NEAR)"
	fi
	series_file_patches "$TOP/mm-patches/$SERIES_LINE"
	series_file_patches "$TOP/arch-um-devmem/$SERIES_LINE"
	[ -z "$WITH" ] || series_file_patches "$TOP/mm-patches/$SERIES_LINE/$WITH"
	NPROJECT=${#PATCHES[@]}
	[ -n "$USER_SERIES" ] || return 0
	before=${#PATCHES[@]}
	if [ -d "$USER_SERIES" ] && [ -f "$USER_SERIES/series" ]; then
		series_file_patches "$USER_SERIES"
	elif [ -d "$USER_SERIES" ]; then
		while read -r f; do
			PATCHES+=("$f") FIXES+=("")
		done < <(find "$USER_SERIES" -maxdepth 1 -name '*.patch' | LC_ALL=C sort)
	else
		local split="$WORK/user-series"
		rm -rf "$split"
		mkdir -p "$split"
		git mailsplit -o"$split" "$USER_SERIES" >/dev/null ||
			die "--series $USER_SERIES is not an mbox git can split"
		while read -r f; do
			PATCHES+=("$f") FIXES+=("")
		done < <(find "$split" -type f | LC_ALL=C sort)
	fi
	[ ${#PATCHES[@]} -gt "$before" ] ||
		die "--series $USER_SERIES holds no patches" \
			"give an mbox, a directory of *.patch files, or one with a 'series' file"
}

# Apply each patch to a private index on top of $BASE and commit it, the
# way git am would, without touching any work tree.  Sets PATCHED, and
# writes to $SRC/.git/uml-devmem-not-applied what was left out (fixes
# that do not apply) and what applied only with a 3-way merge or fuzz.
apply_series() {
	local index="$SRC/.git/uml-devmem-apply-index" commit=$BASE
	local p n=0 total=${#PATCHES[@]} tree msg info err left=0 rc
	local skipped="$SRC/.git/uml-devmem-not-applied"

	GIT_INDEX_FILE=$index wgit read-tree "$BASE"
	msg=$(mktemp) info=$(mktemp) err=$(mktemp)
	: >"$skipped"
	for p in "${PATCHES[@]}"; do
		n=$((n + 1))
		rc=0
		apply_one "$p" "$index" "$commit" "$err" >>"$skipped" || rc=$?
		case $rc in
		2)	# in the tree already: nothing to commit
			left=$((left + 1))
			continue ;;
		1)
			if [ -n "${FIXES[n - 1]}" ]; then
				fix_left_out "$p" "$index" "${FIXES[n - 1]}" >>"$skipped"
				left=$((left + 1))
				continue
			fi
			rm -f "$msg" "$info"
			series_does_not_apply "$p" "$n" "$total" "$err" "$((n > NPROJECT))" "$index" ;;
		esac
		tree=$(GIT_INDEX_FILE=$index wgit write-tree)
		git mailinfo -b "$msg" /dev/null <"$p" >"$info"
		commit=$(
			GIT_AUTHOR_NAME=$(sed -n 's/^Author: //p' "$info")
			GIT_AUTHOR_EMAIL=$(sed -n 's/^Email: //p' "$info")
			export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
			{ sed -n 's/^Subject: //p' "$info"; echo; cat "$msg"; } |
				wgit commit-tree "$tree" -p "$commit")
	done
	rm -f "$msg" "$info" "$err"
	PATCHED=$commit
	info "applied $((total - left)) of $total patches"
	say_not_applied
}

# apply_one PATCH INDEX COMMIT ERR: apply PATCH to INDEX (which holds
# COMMIT) as it is; else, as git am -3 would, by a 3-way merge with the
# files the patch was made against (their blobs are looked for in
# KERNEL_SRC's own git and in the Debian trees of work/); else with fuzz,
# as patch(1) would: only one line of context on each side of a hunk
# need match, and whitespace does not count.  A patch that needed either
# says so (stdout, one line).  Returns 0 when applied; 2, saying so, when
# the tree has the patch already (it reverses cleanly, or the merge
# changes nothing); 1 when it does not apply, with INDEX at COMMIT and
# git's errors in ERR.
apply_one() {
	local p=$1 index=$2 commit=$3 err=$4 rel=${1#"$TOP"/}
	GIT_INDEX_FILE=$index wgit apply --cached "$p" 2>"$err" && return 0
	if GIT_INDEX_FILE=$index wgit apply --cached --check -R "$p" 2>/dev/null; then
		echo "not applied: $rel: this tree has it already"
		return 2
	fi
	import_preimages "$p"
	if GIT_INDEX_FILE=$index wgit apply --cached -3 "$p" >/dev/null 2>&1; then
		if [ "$(GIT_INDEX_FILE=$index wgit write-tree)" = "$(wgit rev-parse "$commit^{tree}")" ]; then
			echo "not applied: $rel: this tree has it already (a 3-way merge changes nothing)"
			return 2
		fi
		echo "applied with a 3-way merge (the tree has changed the code around it): $rel"
		return 0
	fi
	GIT_INDEX_FILE=$index wgit read-tree "$commit"
	if GIT_INDEX_FILE=$index wgit apply --cached -C1 --ignore-whitespace "$p" 2>/dev/null; then
		echo "applied with fuzz (one line of context, whitespace ignored; the tree has changed the lines around it): $rel"
		return 0
	fi
	GIT_INDEX_FILE=$index wgit read-tree "$commit"
	return 1
}

# Copy into the work tree's git the blobs PATCH was made against
# ("index" lines), from KERNEL_SRC's own git or Debian's trees in work/,
# so that a 3-way merge has its base.  Only those blobs: nothing here
# depends on another repository afterwards.
import_preimages() {
	local blob repo
	local -a repos=()
	[ -z "$KERNEL_SRC" ] || [ ! -e "$KERNEL_SRC/.git" ] || repos+=("$KERNEL_SRC")
	for repo in "$WORK"/linux-*/src; do
		[ "$repo" = "$SRC" ] || [ ! -d "$repo/.git" ] || repos+=("$repo")
	done
	while read -r blob; do
		wgit cat-file -e "$blob^{blob}" 2>/dev/null && continue
		for repo in "${repos[@]}"; do
			git -C "$repo" cat-file blob "$blob" 2>/dev/null |
				wgit hash-object -w --stdin >/dev/null &&
				wgit cat-file -e "$blob^{blob}" 2>/dev/null && break
		done
	done < <(sed -n 's/^index \([0-9a-f]*\)\.\..*/\1/p' "$1" | grep -v '^0*$' | sort -u)
}

# Which hunks of PATCH do not apply to INDEX, one indented line each.
hunk_report() {
	GIT_DIR="$SRC/.git" GIT_INDEX_FILE=$2 python3 "$TOP/scripts/patch_hunks.py" "$1" |
		sed 's/^/    /'
}

# A fix of mm code that does not apply even by a 3-way merge or with
# fuzz: which, where the tree changed that code, and what it fixes, so
# which cases may fail without it.
fix_left_out() {
	local p=$1 index=$2 what=$3 rel=${1#"$TOP"/}
	printf 'not applied: %s: this tree (Linux %s) has changed that code; it fixes %s, so those cases may fail:\n' \
		"$rel" "$(wgit show "$BASE:Makefile" | tree_version)" "$what"
	hunk_report "$p" "$index"
}

# Say, on every run, the fixes the applied series left out and the
# patches that needed a 3-way merge or fuzz.
say_not_applied() {
	local f="$SRC/.git/uml-devmem-not-applied" line
	[ -s "$f" ] || return 0
	while IFS= read -r line; do
		info "$line"
	done <"$f"
}

series_does_not_apply() {
	local p=$1 n=$2 total=$3 err=$4 user=$5 index=$6 where files
	say_not_applied		# what the patches before this one left out
	local name=$p
	if [ "$user" = 1 ]; then
		where="your --series $USER_SERIES"
		[ -d "$USER_SERIES" ] || name="message $((n - NPROJECT)) of the mbox"
	else
		where="the project's series"
		name=${p#"$TOP"/}
	fi
	where="$where, on Linux $(wgit show "$BASE:Makefile" | tree_version)"
	[ -z "$KERNEL_SRC" ] || where="$where, KERNEL_SRC=$KERNEL_SRC"
	[ "$SERIES_LINE" = "$KERNEL_LINE" ] || where="$where, with the $SERIES_LINE series"
	files=$(sed -n 's/^error: \(.*\): patch does not apply$/\1/p; s/^error: \(.*\): No such file or directory$/\1 (missing)/p' "$err" | sort -u | tr '\n' ' ')
	local -a details
	mapfile -t details < <(hunk_report "$p" "$index")
	[ ${#details[@]} -gt 0 ] || mapfile -t details <"$err"
	rm -f "$err"
	die "patch $n/$total does not apply ($where), not even with a 3-way merge or fuzz: $name" \
		"failing file(s): ${files:-see below}" "${details[@]}" \
		"nothing was changed; fix or rebase that patch, or use a tree it applies to"
}

# VERSION.PATCHLEVEL.SUBLEVEL and EXTRAVERSION of the Makefile on stdin.
tree_version() {
	sed -n 's/^VERSION = //p; s/^PATCHLEVEL = //p; s/^SUBLEVEL = //p; s/^EXTRAVERSION = //p' |
		head -n 4 | paste -sd. | sed 's/\.\([^.]*-[^.]*\)$/\1/; s/\.$//'
}

# One run at a time on a tree and its builds (two makes in one build
# directory break each other's objects): a second run waits, and says so.
# The lock is fd 9 of this shell; Python's children (make, UML) close it.
lock_tree() {
	local dir=${SRC%/src}
	exec 9>"$WORK/.lock-${dir##*/}"
	flock -n 9 && return
	info "another run_tests.sh is using ${dir#"$TOP"/}: waiting for it to end"
	flock 9
}

# Bring $SRC's work tree to $PATCHED, writing only the files that differ
# so that the next build stays incremental.  Skipped when nothing changed.
prepare_source() {
	local key
	if [ -n "$KERNEL_SRC" ]; then
		check_user_tree "$KERNEL_SRC"
		KERNEL_SRC=$(cd "$KERNEL_SRC" && pwd)
		SRC="$WORK/user-$(printf '%s' "$KERNEL_SRC" | sha1sum | cut -c1-12)/src"
		say "using your tree KERNEL_SRC=$KERNEL_SRC (copied to ${SRC#"$TOP"/})"
		lock_tree
		prepare_user_tree
	else
		SRC="$WORK/linux-$KERNEL_LINE/src"
		say "using Debian's linux-source-$KERNEL_LINE${WITH:+ with the $WITH series} (in ${SRC#"$TOP"/})"
		lock_tree
		prepare_debian_tree
	fi

	collect_patches
	# the patches and the way they are applied (the functions' own text)
	key=$( { echo "$BASE"; cat "${PATCHES[@]}"; declare -f apply_series apply_one \
		import_preimages fix_left_out; } | sha1sum | cut -d' ' -f1)
	if [ -f "$SRC/.git/uml-devmem-key" ] &&
		[ "$(cat "$SRC/.git/uml-devmem-key")" = "$key" ]; then
		info "series already applied ($(wgit rev-list --count "$BASE..HEAD") patches)"
		say_not_applied
		return
	fi
	say "applying the series"
	apply_series
	rm -f "$SRC/.git/uml-devmem-key"
	wgit update-index -q --refresh >/dev/null || true
	if [ -n "$KERNEL_SRC" ] || ! wgit rev-parse -q --verify HEAD >/dev/null; then
		wgit read-tree -u --reset "$PATCHED"
	elif ! wgit read-tree -m -u HEAD "$PATCHED" 2>"$WORK/read-tree.err"; then
		die "cannot switch ${SRC#"$TOP"/} to the new series: your edits there conflict" \
			"$(cat "$WORK/read-tree.err")" \
			"keep them with 'git -C $SRC stash', or start over with 'rm -rf $(dirname "$SRC")'"
	fi
	wgit update-ref HEAD "$PATCHED"
	echo "$key" >"$SRC/.git/uml-devmem-key"
}

# The project's directories, linked in (only when they are not, so that
# the directory holding them keeps its time and a build stays a no-op).
link_project() {
	local exclude="$SRC/.git/info/exclude" link
	for link in "arch-um-devmem/device devmem" "kunit devmem-kunit"; do
		set -- $link
		[ "$(readlink "$SRC/arch/um/drivers/$2")" = "$TOP/$1" ] ||
			ln -sfn "$TOP/$1" "$SRC/arch/um/drivers/$2"
	done
	mkdir -p "$(dirname "$exclude")"
	grep -qx '/arch/um/drivers/devmem' "$exclude" 2>/dev/null ||
		printf '/arch/um/drivers/devmem\n/arch/um/drivers/devmem-kunit\n' >>"$exclude"
}

# The kunitconfig fragments of $CONFIG, one --kunitconfig each: the
# default, what the tree's selftests need (configs/selftest.kunitconfig,
# in every build so that --selftest boots the suites' kernel), what the
# series line's arch patches offer on top of it
# (configs/line-MAJOR.kunitconfig, then line-MAJOR.MINOR.kunitconfig, if
# any: a later fragment overrides an earlier one), and the config's own.
kunitconfig_files() {
	echo "$TOP/configs/default.kunitconfig"
	echo "$TOP/configs/selftest.kunitconfig"
	[ ! -f "$TOP/configs/line-${SERIES_LINE%%.*}.kunitconfig" ] ||
		echo "$TOP/configs/line-${SERIES_LINE%%.*}.kunitconfig"
	[ ! -f "$TOP/configs/line-$SERIES_LINE.kunitconfig" ] ||
		echo "$TOP/configs/line-$SERIES_LINE.kunitconfig"
	[ "$CONFIG" = default ] || echo "$TOP/configs/$CONFIG.kunitconfig"
}

# One kunitconfig in $BUILD from the fragments, where a later fragment's
# value of an option replaces an earlier one's (kunit.py refuses two).
kunitconfigs() {
	local merged="$BUILD/uml-devmem.kunitconfig"
	kunitconfig_files | xargs awk '
		/^CONFIG_[A-Za-z0-9_]+=/ { n = $0; sub(/=.*/, "", n) }
		/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { n = $2 }
		n != "" { if (!(n in v)) order[++k] = n; v[n] = $0; n = "" }
		END { for (i = 1; i <= k; i++) print v[order[i]] }' >"$merged.new"
	mv "$merged.new" "$merged"
	KCFG=(--kunitconfig="$merged")
}

# Make options of the coverage build: clang, and its profile
# instrumentation (UML's CONFIG_GCOV) and debug information turned off by
# KCFLAGS but in the covered files' objects, whose CFLAGS_REMOVE takes the
# KCFLAGS off again.
coverage_options() {
	local f stem seen=" "
	local off="-fno-profile-instr-generate -fno-coverage-mapping -g0"
	MAKE_OPTS=("LLVM=$LLVM" "KCFLAGS=$off")
	COVERED=()
	for f in $COVER_DEFAULT ${COVER//,/ }; do
		f=${f#./}
		if [ ! -f "$SRC/$f" ]; then
			case " $COVER_DEFAULT " in
			*" $f "*) continue ;;	# umdevmem_huge.c where unbuilt
			esac
			die "--cover $f: no such file in ${SRC#"$TOP"/}"
		fi
		[[ "$f" == *.c ]] || die "--cover $f: not a C file"
		stem=$(basename "$f" .c)
		case "$seen" in
		*" $stem "*) die "--cover $f: another covered file is also $stem.c" \
			"kbuild's CFLAGS_REMOVE_$stem.o would name both" ;;
		esac
		if grep -qs "CFLAGS_REMOVE_$stem.o" "$SRC/$(dirname "$f")/Makefile"; then
			die "--cover $f: its Makefile sets CFLAGS_REMOVE_$stem.o," \
				"which the coverage build would override"
		fi
		seen="$seen$stem "
		COVERED+=("$f")
		MAKE_OPTS+=("CFLAGS_REMOVE_$stem.o=$off")
	done
}

# kunit.py writes .config from the fragments when they or the make
# options changed (or when told to: a Kconfig file changed).
configure() {
	local key
	key=$( { kunitconfig_files | xargs cat
		printf '%s\n' "${MAKE_OPTS[@]}"; } | sha1sum | cut -d' ' -f1)
	if [ "${1:-}" != force ] && [ -f "$BUILD/.config" ] &&
		[ "$(cat "$BUILD/.uml-devmem-config" 2>/dev/null)" = "$key" ]; then
		return
	fi
	say "configuring ${BUILD#"$TOP"/} with configs/$CONFIG.kunitconfig"
	local -a mopts=()
	local o
	for o in "${MAKE_OPTS[@]}"; do
		mopts+=(--make_options "$o")
	done
	rm -f "$BUILD/.uml-devmem-config"
	if ! (cd "$SRC" && python3 tools/testing/kunit/kunit.py config --arch=um \
		--build_dir="$BUILD" "${KCFG[@]}" "${mopts[@]}"); then
		echo "run_tests.sh: kunit.py could not configure the kernel (see above)" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "$key" >"$BUILD/.uml-devmem-config"
}

build_kernel() {
	local -a mopts=()
	local o rc=0
	for o in "${MAKE_OPTS[@]}"; do
		mopts+=(--make-opt "$o")
	done
	say "building in ${BUILD#"$TOP"/}"
	python3 "$TOP/scripts/build.py" --src "$SRC" --build "$BUILD" \
		--jobs "$JOBS" "${mopts[@]}" --why || rc=$?
	if [ "$rc" -eq 3 ]; then
		configure force	# a Kconfig file changed
		rc=0
		python3 "$TOP/scripts/build.py" --src "$SRC" --build "$BUILD" \
			--jobs "$JOBS" "${mopts[@]}" --why --configured || rc=$?
	fi
	if [ "$rc" -ne 0 ]; then
		echo "run_tests.sh: the kernel did not build (see above)" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
}

# One line when the GPU SVM suites (kunit/gpusvm_*, drm_gpusvm and
# drm_pagemap on the fake device's DRM face) are not in this kernel.
gpusvm_note() {
	grep -qx 'CONFIG_UML_DEVMEM_DRM=y' "$BUILD/.config" && return
	if [ ! -f "$SRC/drivers/gpu/drm/drm_pagemap.c" ]; then
		info "GPU SVM suites not built: Linux $KERNEL_LINE has no drm_pagemap (they run on 7.3)"
	else
		info "GPU SVM suites not built: only Linux 7.3's configuration turns on the fake device's DRM face (configs/line-7.3.kunitconfig)"
	fi
}

# Configure, build, boot REPEAT times (scripts/boot.py: each boot until
# every case has a verdict) into $BUILD/runs/.
build_and_run() {
	BUILD="$(dirname "$SRC")/build-$CONFIG"
	mkdir -p "$BUILD"
	MAKE_OPTS=()
	COVERED=()
	[ "$CONFIG" != coverage ] || coverage_options
	kunitconfigs
	if [ -n "$SELFTEST" ] && ! grep -q "case 'l':" \
		"$SRC/tools/testing/selftests/kselftest_harness.h"; then
		die "--selftest: the kselftest harness of Linux $KERNEL_LINE cannot list its cases or run one alone (no -l, -t)" \
			"which the runner needs to give every case a verdict; 6.12's harness and later have them"
	fi
	if [[ ",$SELFTEST," == *,hmm,* ]] &&
		grep -qx '# CONFIG_TEST_HMM is not set' "$BUILD/uml-devmem.kunitconfig"; then
		die "--selftest hmm: Linux $SERIES_LINE's configuration has no test_hmm (configs/line-$SERIES_LINE.kunitconfig says why)" \
			"hmm-tests run on the other lines: $(echo " $SUPPORTED_LINES " | sed "s/ $SERIES_LINE / /;s/^ //;s/ $//")"
	fi
	configure
	build_kernel

	local -a args=()
	[ -n "$SELFTEST" ] || args+=(--arg "umdevmem_random.seed=$SEED")
	local a r timeout=$((CASE_TIMEOUT + ${OPS:-0} / 1000 + ${BENCH_MIB:-0}))
	[ -z "$OPS" ] || args+=(--arg "umdevmem_random.ops=$OPS")
	[ -z "$BENCH_MIB" ] || args+=(--arg "umdevmem_bench.max_mib=$BENCH_MIB")
	for a in "${KERNEL_ARGS[@]}"; do
		args+=(--arg "$a")
	done
	if [ "$CONFIG" = coverage ]; then
		# clang source-based coverage: each boot writes one at its exit
		rm -rf "$BUILD/coverage"
		mkdir -p "$BUILD/coverage"
		export LLVM_PROFILE_FILE="$BUILD/coverage/kunit-%p.profraw"
	fi
	rm -rf "$BUILD/runs"
	mkdir -p "$BUILD/runs"
	if [ -n "$SELFTEST" ]; then
		say "the tree's selftest $SELFTEST in a UML boot"
	else
		info "random suite seed $SEED${OPS:+, $OPS operations} (replay: --seed $SEED${OPS:+ --ops $OPS})"
		gpusvm_note
	fi
	for ((r = 1; r <= REPEAT; r++)); do
		[ "$REPEAT" -eq 1 ] || say "boot $r of $REPEAT"
		if [ -n "$SELFTEST" ]; then
			# shellcheck disable=SC2086 # one word per selftest
			python3 "$TOP/scripts/selftest.py" ${SELFTEST//,/ } --build "$BUILD" \
				--src "$SRC" --out "$BUILD/runs" --name "$r" \
				--filter "${FILTER:-*}" --jobs "$JOBS" \
				${CASE_TIMEOUT_GIVEN:+--case-timeout "$CASE_TIMEOUT"} \
				"${args[@]}" || [ $? -ne 2 ] || exit 2
			continue
		fi
		python3 "$TOP/scripts/boot.py" --build "$BUILD" --src "$SRC" \
			--out "$BUILD/runs" --name "$r" --filter "${FILTER:-*}" \
			--case-timeout "$timeout" --jobs "$JOBS" "${args[@]}" || true
	done
}

# Scan the kernel logs of boot $1 and its fresh boots for kernel reports;
# prints 1 (one failed case) if there is one, else 0.
log_reports() {
	local pat='BUG: |WARNING: |UBSAN: |Kernel panic|kernel BUG at|general protection fault|Oops'
	local -a logs=("$BUILD/runs/$1.log")
	local f n
	for f in "$BUILD/runs/$1"-[0-9]*.log; do
		[ -f "$f" ] && logs+=("$f")
	done
	n=$(cat "${logs[@]}" | grep -cE "$pat" || true)
	if [ "$n" -gt 0 ]; then
		{
			echo "run_tests.sh: the kernel logs of boot $1 hold $n report line(s) (KASAN, lockdep, WARN, BUG, panic...):"
			grep -hE -A3 "$pat" "${logs[@]}" | head -n 40
			echo "    logs: ${logs[*]#"$TOP"/}; counted as one failed case"
		} >&2
		n=1
	fi
	echo "$n"
}

# What the random suite says it did, summed over its cases and boots.
random_summary() {
	cat "$BUILD"/runs/*.log | awk '
	/umdevmem_random: seed [0-9]+ sequences .* operations, .* page checks in .* ms/ {
		for (i = 1; i <= NF; i++) {
			if ($i == "seed") seed = $(i + 1)
			if ($i == "operations,") ops += $(i - 1)
			if ($i == "page") checks += $(i - 1)
			if ($i == "ms") ms += $(i - 1)
		}
		seen = 1
	}
	END {
		if (seen)
			printf "    random suite: seed %s, %d operations, %d page checks in %d ms (%d operations/s)\n",
				seed, ops, checks, ms, ms ? ops * 1000 / ms : 0
	}'
}

# Count the cases of every boot; scan the kernel logs for reports; with
# --repeat, name the cases whose result changed; coverage: the report.
report() {
	local passed=0 failed=0 skipped=0 p f sk r
	if [ ! -s "$BUILD/runs/1.json" ]; then
		echo "run_tests.sh: the boot gave no results: see above and $BUILD/runs/1.log" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
	[ -z "$JSON_OUT" ] || cp "$BUILD/runs/1.json" "$JSON_OUT"
	for ((r = 1; r <= REPEAT; r++)); do
		if [ ! -s "$BUILD/runs/$r.json" ]; then
			echo "run_tests.sh: boot $r of $REPEAT gave no results; counted as one failed case" >&2
			failed=$((failed + 1))
			continue
		fi
		read -r p f sk < <(python3 "$TOP/scripts/results.py" counts "$BUILD/runs/$r.json")
		passed=$((passed + p))
		skipped=$((skipped + sk))
		failed=$((failed + f + $(log_reports "$r")))
	done
	random_summary
	if grep -q '^not applied: .*changed that code' "$SRC/.git/uml-devmem-not-applied" 2>/dev/null; then
		say "this tree runs without a fix of the project's (not applied, above): the cases that fix names may fail for its bug, not for a change of yours"
	fi
	if [ "$REPEAT" -gt 1 ]; then
		say "$REPEAT boots with seed $SEED"
		local -a runs=()
		for ((r = 1; r <= REPEAT; r++)); do
			runs+=("$BUILD/runs/$r.json")
		done
		python3 "$TOP/scripts/results.py" compare "${runs[@]}" ||
			failed=$((failed + 1))
	fi
	if [ $((passed + failed)) -eq 0 ]; then
		if [ -n "$FILTER" ]; then
			echo "run_tests.sh: no test ran: does --filter \"$FILTER\" match any suite?" >&2
		else
			echo "run_tests.sh: no test ran" >&2
		fi
		failed=1
	fi
	if [ "$CONFIG" = coverage ] &&
		! python3 "$TOP/scripts/coverage_report.py" "$BUILD" "$SRC" \
			"$LLVM" "$BASE" "${COVERED[@]}"; then
		echo "run_tests.sh: no coverage report (see above); counted as one failed case" >&2
		failed=$((failed + 1))
	fi
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" -eq 0 ]
}

main() {
	parse_args "$@"
	KERNEL_SRC=${KERNEL_SRC:-}
	mkdir -p "$WORK"
	check_tools
	prepare_source
	link_project
	if [ -n "$PREPARE_ONLY" ]; then
		info "tree ready in ${SRC#"$TOP"/}"
		exit 0
	fi
	build_and_run
	report
}

# in braces: bash reads the whole line before it runs, so that an edit of
# this file during a run does not change what the run executes next
{ main "$@"; exit; }
