#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh - build a UML kernel with the uml-devmem series, the fake
# device and the KUnit suites linked in, run the suites, report.
#
# kunit.py does the configuring, building, running and KTAP parsing; this
# script finds the tree, applies the series, links the project's sources
# in, assembles the .kunitconfig and counts the results.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${UML_DEVMEM_WORK:-$TOP/work}
SUPPORTED_LINES="6.12 7.3"
# Lines newer than bookworm's come from these suites, through a sources
# list of the runner's own (see fetch_newer_tarball).
NEWER_SUITES="trixie-backports testing unstable"

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
JOBS=$(nproc)

usage() {
	cat <<EOF
usage: ./run_tests.sh [--config default|debug|coverage] [--filter GLOB]
                      [--series FILE|DIR] [--json FILE] [--kernel LINE]
                      [--seed S] [--ops N] [--repeat N] [--with SERIES]
                      [--bench-mib N]

Build Linux as a UML binary with ZONE_DEVICE, the uml-devmem fake device
and its KUnit suites, run the suites, and print 'N passed, N failed'.

  --config NAME   kunitconfig fragment from configs/ on top of the default
                  one (default, debug, coverage); coverage builds with
                  clang (clang-14 for 6.12, clang-19 for 7.x, which
                  needs LLVM 17 or later) and writes an HTML and text report
  --filter GLOB   run only suites/cases matching GLOB ('suite' or
                  'suite.case', as kunit.py --filter_glob)
  --series PATH   your own patches (an mbox, or a directory of *.patch or
                  with a 'series' file), applied after the project's series
  --json FILE     write kunit.py's JSON results to FILE
  --kernel LINE   kernel line to use (supported: $SUPPORTED_LINES; another
                  7.x line is tried with the 7.3 series)
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
                  migrate_vma collection inside the HMM page walk); it
                  builds in a tree and build directories of its own
  --bench-mib N   run the benchmark suite umdevmem_bench up to N MiB
                  (1 to 256; alone, only that suite); scripts/bench.sh
                  compares both sides of the hmm-walk series

Environment:
  KERNEL_SRC=DIR  use your own tree (6.12 or 7.x; its Makefile says which,
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

# The series directory for KERNEL_LINE: its own, or 7.3's for another 7.x.
choose_series_line() {
	case " $SUPPORTED_LINES " in
	*" $KERNEL_LINE "*) SERIES_LINE=$KERNEL_LINE ;;
	*)
		if [[ "$KERNEL_LINE" =~ ^7\.[0-9]+$ ]]; then
			SERIES_LINE=7.3	# a neighbour: works if the series applies
		else
			die "unsupported kernel line '$KERNEL_LINE'" \
				"uml-devmem carries series for: $SUPPORTED_LINES"
		fi ;;
	esac
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
	if [ -z "$FILTER" ] && [ -n "$BENCH_MIB" ]; then
		FILTER=umdevmem_bench
	fi
	if [ -z "$FILTER" ] && [ -n "$SEED$OPS" ]; then
		FILTER=umdevmem_random
	fi
	[ -n "$SEED" ] || SEED=$(( $(od -An -N4 -tu4 /dev/urandom) + 1 ))
	if [ ! -f "$TOP/configs/$CONFIG.kunitconfig" ]; then
		local f names=
		for f in "$TOP"/configs/*.kunitconfig; do
			names="$names $(basename "$f" .kunitconfig)"
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

# git in the work tree, with an identity of its own for the series commits.
wgit() {
	git -C "$SRC" -c user.name=uml-devmem -c user.email=uml-devmem@localhost \
		-c core.autocrlf=false "$@"
}

# linux-source-LINE of a suite newer than the host's: an arch:all package,
# downloaded with apt through the runner's own sources list and state in
# $WORK/debian-apt (no root, nothing installed) and unpacked there.
fetch_newer_tarball() {
	local apt="$WORK/debian-apt" pkg="linux-source-$KERNEL_LINE" deb newest
	TARBALL="$apt/$pkg.tar.xz"
	[ -f "$TARBALL" ] && return
	for tool in apt-get apt-cache dpkg-deb; do
		command -v "$tool" >/dev/null ||
			die "$tool is missing" "uml-devmem fetches $pkg from Debian with apt"
	done
	mkdir -p "$apt/lists/partial" "$apt/cache" "$apt/archives/partial"
	local s
	for s in $NEWER_SUITES; do
		echo "deb http://deb.debian.org/debian $s main"
	done >"$apt/sources.list"
	local -a opts=(-o "Dir::Etc::sourcelist=$apt/sources.list"
		-o Dir::Etc::sourceparts=/dev/null -o "Dir::State::Lists=$apt/lists"
		-o "Dir::Cache=$apt/cache" -o "Dir::Cache::Archives=$apt/archives"
		-o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)")
	say "looking for $pkg in Debian's $NEWER_SUITES"
	apt-get "${opts[@]}" -q update >"$apt/update.log" 2>&1 ||
		die "apt-get update for Debian's $NEWER_SUITES failed" \
			"see $apt/update.log (is deb.debian.org reachable?)"
	if ! apt-cache "${opts[@]}" show "$pkg" >/dev/null 2>&1; then
		newest=$(apt-cache "${opts[@]}" search --names-only '^linux-source-[0-9.]+$' |
			sed 's/ .*//' | sort -V | tail -n 1)
		die "$pkg is not in Debian's $NEWER_SUITES (it has left, or never came)" \
			"the newest Debian offers is ${newest:-none}: try --kernel ${newest#linux-source-}"
	fi
	say "downloading $pkg (about 170 MB)"
	(cd "$apt" && apt-get "${opts[@]}" -q download "$pkg") >"$apt/download.log" 2>&1 ||
		die "apt-get download $pkg failed" "see $apt/download.log"
	deb=$(find "$apt" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n 1)
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/src/$pkg.tar.xz" >"$TARBALL.part" ||
		die "$deb holds no usr/src/$pkg.tar.xz"
	mv "$TARBALL.part" "$TARBALL"
	rm -f "$deb"
}

# Debian's tarball, unpacked once into $SRC and committed as the base.
prepare_debian_tree() {
	local tarball=/usr/src/linux-source-$KERNEL_LINE.tar.xz
	if [ "$KERNEL_LINE" = 6.12 ]; then
		[ -f "$tarball" ] || need_packages "linux-source-$KERNEL_LINE"
		[ -f "$tarball" ] || die "$tarball is missing after installing linux-source-$KERNEL_LINE"
	else
		fetch_newer_tarball
		tarball=$TARBALL
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

# The patches to apply, in order, into PATCHES: project series, then user's.
series_file_patches() {
	local dir=$1 f
	[ -f "$dir/series" ] || die "no series file in $dir"
	while read -r f; do
		case "$f" in ''|'#'*) continue ;; esac
		[ -f "$dir/$f" ] || die "$dir/series names $f, which is missing"
		PATCHES+=("$dir/$f")
	done <"$dir/series"
}

collect_patches() {
	local before f
	PATCHES=()
	if [ "$SERIES_LINE" != "$KERNEL_LINE" ]; then
		info "no series of its own for $KERNEL_LINE: trying the $SERIES_LINE series"
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
			PATCHES+=("$f")
		done < <(find "$USER_SERIES" -maxdepth 1 -name '*.patch' | LC_ALL=C sort)
	else
		local split="$WORK/user-series"
		rm -rf "$split"
		mkdir -p "$split"
		git mailsplit -o"$split" "$USER_SERIES" >/dev/null ||
			die "--series $USER_SERIES is not an mbox git can split"
		while read -r f; do
			PATCHES+=("$f")
		done < <(find "$split" -type f | LC_ALL=C sort)
	fi
	[ ${#PATCHES[@]} -gt "$before" ] ||
		die "--series $USER_SERIES holds no patches" \
			"give an mbox, a directory of *.patch files, or one with a 'series' file"
}

# Apply each patch to a private index on top of $BASE and commit it, the
# way git am would, without touching any work tree.  Sets PATCHED.
apply_series() {
	local index="$SRC/.git/uml-devmem-apply-index" commit=$BASE
	local p n=0 total=${#PATCHES[@]} tree msg info err

	GIT_INDEX_FILE=$index wgit read-tree "$BASE"
	msg=$(mktemp) info=$(mktemp) err=$(mktemp)
	for p in "${PATCHES[@]}"; do
		n=$((n + 1))
		if ! GIT_INDEX_FILE=$index wgit apply --cached "$p" 2>"$err"; then
			rm -f "$msg" "$info"
			series_does_not_apply "$p" "$n" "$total" "$err" "$((n > NPROJECT))"
		fi
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
	info "applied $total patches"
}

series_does_not_apply() {
	local p=$1 n=$2 total=$3 err=$4 user=$5 where files
	if [ "$user" = 1 ]; then
		where="your --series $USER_SERIES"
		[ -d "$USER_SERIES" ] || p="message $((n - NPROJECT)) of the mbox"
	else
		where="the project's series"
		p=${p#"$TOP"/}
	fi
	[ -z "$KERNEL_SRC" ] || where="$where, on KERNEL_SRC=$KERNEL_SRC"
	files=$(sed -n 's/^error: \(.*\): patch does not apply$/\1/p; s/^error: \(.*\): No such file or directory$/\1 (missing)/p' "$err" | sort -u | tr '\n' ' ')
	local -a details
	mapfile -t details <"$err"
	rm -f "$err"
	die "patch $n/$total does not apply ($where): $p" \
		"failing file(s): ${files:-see below}" "${details[@]}" \
		"nothing was changed; fix or rebase that patch, or use a tree it applies to"
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
		prepare_user_tree
	else
		SRC="$WORK/linux-$KERNEL_LINE/src"
		say "using Debian's linux-source-$KERNEL_LINE${WITH:+ with the $WITH series} (in ${SRC#"$TOP"/})"
		prepare_debian_tree
	fi

	collect_patches
	key=$( { echo "$BASE"; cat "${PATCHES[@]}"; } | sha1sum | cut -d' ' -f1)
	if [ -f "$SRC/.git/uml-devmem-key" ] &&
		[ "$(cat "$SRC/.git/uml-devmem-key")" = "$key" ]; then
		info "series already applied ($(wgit rev-list --count "$BASE..HEAD") patches)"
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

link_project() {
	local exclude="$SRC/.git/info/exclude"
	ln -sfn "$TOP/arch-um-devmem/device" "$SRC/arch/um/drivers/devmem"
	ln -sfn "$TOP/kunit" "$SRC/arch/um/drivers/devmem-kunit"
	mkdir -p "$(dirname "$exclude")"
	grep -qx '/arch/um/drivers/devmem' "$exclude" 2>/dev/null ||
		printf '/arch/um/drivers/devmem\n/arch/um/drivers/devmem-kunit\n' >>"$exclude"
}

# kunit.py with this configuration; its output is shown as it goes.
build_and_run() {
	local kcfg new
	BUILD="$(dirname "$SRC")/build-$CONFIG"
	mkdir -p "$BUILD"
	kcfg="$BUILD/uml-devmem.kunitconfig"
	new=$(cat "$TOP/configs/default.kunitconfig"
		[ "$CONFIG" = default ] || cat "$TOP/configs/$CONFIG.kunitconfig")
	[ -f "$kcfg" ] && [ "$(cat "$kcfg")" = "$new" ] || printf '%s\n' "$new" >"$kcfg"

	local -a common=(--arch=um --build_dir="$BUILD" --kunitconfig="$kcfg"
		--json="$BUILD/results.json"
		--kernel_args "umdevmem_random.seed=$SEED")
	[ -z "$OPS" ] || common+=(--kernel_args "umdevmem_random.ops=$OPS")
	[ -z "$BENCH_MIB" ] || common+=(--kernel_args "umdevmem_bench.max_mib=$BENCH_MIB")
	# kunit.py's default of 300 s for the whole boot, more for a soak
	common+=(--timeout $((300 + ${OPS:-0} / 1000 + ${BENCH_MIB:-0})))
	local -a args=(run "${common[@]}" --jobs="$JOBS")
	[ -z "$FILTER" ] || args+=("$FILTER")
	if [ "$CONFIG" = coverage ]; then
		# clang source-based coverage; the kernel writes this at exit
		args+=(--make_options "LLVM=$LLVM")
		rm -rf "$BUILD/coverage"
		mkdir -p "$BUILD/coverage"
		export LLVM_PROFILE_FILE="$BUILD/coverage/kunit-%p.profraw"
	fi
	say "building and running with configs/$CONFIG.kunitconfig in ${BUILD#"$TOP"/}"
	info "random suite seed $SEED${OPS:+, $OPS operations} (replay: --seed $SEED${OPS:+ --ops $OPS})"
	rm -rf "$BUILD/results.json" "$BUILD/test.log" "$BUILD/runs"
	mkdir -p "$BUILD/runs"
	set +e
	if [ "$CONFIG" = coverage ]; then
		(cd "$SRC" && python3 tools/testing/kunit/kunit.py "${args[@]}") 2>&1 |
			squash_coverage_warnings
		KUNIT_RC=${PIPESTATUS[0]}
	else
		(cd "$SRC" && python3 tools/testing/kunit/kunit.py "${args[@]}")
		KUNIT_RC=$?
	fi
	keep_run 1
	local r
	for ((r = 2; r <= REPEAT; r++)); do
		say "boot $r of $REPEAT"
		args=(exec "${common[@]}")
		[ -z "$FILTER" ] || args+=("$FILTER")
		rm -f "$BUILD/results.json" "$BUILD/test.log"
		(cd "$SRC" && python3 tools/testing/kunit/kunit.py "${args[@]}")
		[ $? -eq 0 ] || KUNIT_RC=1
		keep_run "$r"
	done
	set -e
}

# Keep boot $1's results and log; an empty JSON file when it gave none.
keep_run() {
	if [ -s "$BUILD/results.json" ]; then
		cp "$BUILD/results.json" "$BUILD/runs/$1.json"
	else
		: >"$BUILD/runs/$1.json"
	fi
	if [ -f "$BUILD/test.log" ]; then
		cp "$BUILD/test.log" "$BUILD/runs/$1.log"
	else
		: >"$BUILD/runs/$1.log"
	fi
}

# clang's coverage sections make modpost warn once per section, several
# hundred thousand times, and kunit.py prints every build warning: show
# one line for them instead.
squash_coverage_warnings() {
	awk '/^WARNING: modpost: .*\(__llvm_cov[a-z]*\): unexpected non-allocatable section\./ {
		n++; skip = 4; next
	}
	skip > 0 { skip--; next }
	{ print; fflush() }
	END {
		if (n)
			printf "    (%d modpost warnings about clang coverage sections not shown)\n", n
	}'
}

# Scan boot $1's raw log for kernel reports; prints how many it holds.
log_reports() {
	local log=$BUILD/runs/$1.log n
	local pat='BUG: |WARNING: |UBSAN: |Kernel panic|kernel BUG at|general protection fault|Oops'
	n=$(grep -cE "$pat" "$log" || true)
	if [ "$n" -gt 0 ]; then
		{
			echo "run_tests.sh: the kernel log of boot $1 holds $n report line(s) (KASAN, lockdep, WARN, BUG...):"
			grep -E -A3 "$pat" "$log" | head -n 40
			echo "    full log: $log; counted as one failed case"
		} >&2
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

# Count the cases in kunit.py's JSON of every boot; scan the raw logs for
# kernel reports; with --repeat, name the cases whose result changed.
report() {
	local counts passed=0 failed=0 skipped=0 p f sk r
	if [ ! -s "$BUILD/runs/1.json" ]; then
		echo "run_tests.sh: kunit.py produced no results (exit $KUNIT_RC): the build or boot failed, see above" >&2
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
		counts=$(python3 "$TOP/scripts/kunit_counts.py" "$BUILD/runs/$r.json")
		read -r p f sk <<<"$counts"
		passed=$((passed + p))
		skipped=$((skipped + sk))
		failed=$((failed + f + $(log_reports "$r")))
	done
	random_summary
	if [ "$REPEAT" -gt 1 ]; then
		say "$REPEAT boots with seed $SEED"
		python3 "$TOP/scripts/kunit_compare.py" "$BUILD"/runs/*.json ||
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
	if [ "$KUNIT_RC" -ne 0 ] && [ "$failed" -eq 0 ]; then
		echo "run_tests.sh: kunit.py exited with $KUNIT_RC although every case passed" >&2
		failed=1
	fi
	if [ "$CONFIG" = coverage ] &&
		! "$TOP/scripts/coverage_report.sh" "$BUILD" "$SRC" "$LLVM"; then
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
	build_and_run
	report
}

main "$@"
