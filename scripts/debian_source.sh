#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# debian_source.sh LINE DIR: Debian's linux-source-LINE tarball for a
# kernel line newer than the host's, from Debian's trixie-backports,
# testing or unstable.  The package is arch:all: apt-get download with a
# sources list and apt state of our own in DIR (no root, nothing
# installed), then dpkg-deb unpacks the tarball to DIR/linux-source-LINE.tar.xz,
# whose path is printed.  A second call finds it there.  Errors exit 2 with
# the cause and what to do.
set -euo pipefail

SUITES="trixie-backports testing unstable"
line=${1:?usage: debian_source.sh LINE DIR}
apt=${2:?usage: debian_source.sh LINE DIR}
pkg="linux-source-$line"
tarball="$apt/$pkg.tar.xz"

die() {
	printf 'run_tests.sh: error: %s\n' "$1" >&2
	shift
	printf '    %s\n' "$@" >&2
	exit 2
}

if [ -f "$tarball" ]; then
	echo "$tarball"
	exit 0
fi
for tool in apt-get apt-cache dpkg-deb; do
	command -v "$tool" >/dev/null ||
		die "$tool is missing" "uml-devmem fetches $pkg from Debian with apt"
done
mkdir -p "$apt/lists/partial" "$apt/cache" "$apt/archives/partial"
for s in $SUITES; do
	echo "deb http://deb.debian.org/debian $s main"
done >"$apt/sources.list"
opts=(-o "Dir::Etc::sourcelist=$apt/sources.list"
	-o Dir::Etc::sourceparts=/dev/null -o "Dir::State::Lists=$apt/lists"
	-o "Dir::Cache=$apt/cache" -o "Dir::Cache::Archives=$apt/archives"
	-o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)")
echo "==> looking for $pkg in Debian's $SUITES" >&2
apt-get "${opts[@]}" -q update >"$apt/update.log" 2>&1 ||
	die "apt-get update for Debian's $SUITES failed" \
		"see $apt/update.log (is deb.debian.org reachable?)"
if ! apt-cache "${opts[@]}" show "$pkg" >/dev/null 2>&1; then
	newest=$(apt-cache "${opts[@]}" search --names-only '^linux-source-[0-9.]+$' |
		sed 's/ .*//' | sort -V | tail -n 1)
	die "$pkg is not in Debian's $SUITES (it has left, or never came)" \
		"the newest Debian offers is ${newest:-none}: try --kernel ${newest#linux-source-}"
fi
echo "==> downloading $pkg (about 170 MB)" >&2
(cd "$apt" && apt-get "${opts[@]}" -q download "$pkg") >"$apt/download.log" 2>&1 ||
	die "apt-get download $pkg failed" "see $apt/download.log"
deb=$(find "$apt" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n 1)
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$pkg.tar.xz" >"$tarball.part" ||
	die "$deb holds no usr/src/$pkg.tar.xz"
mv "$tarball.part" "$tarball"
rm -f "$deb"
echo "$tarball"
