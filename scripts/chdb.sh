#!/usr/bin/env bash
# Installs chDB (ClickHouse as an in-process library) for the test/modern
# module, outside the clone so every CI run and worktree reuses it.
#
#   scripts/chdb.sh install [DIR]   install chdb@VERSION with npm into DIR unless
#                                   libchdb.so is already there; prints the folder
#                                   holding libchdb.so (for LD_LIBRARY_PATH)
#   scripts/chdb.sh libdir [DIR]    print that folder, fail when it is not installed
#
# DIR defaults to ${AIRES_CACHE:-$HOME/.cache/aires}/chdb-VERSION. npm uses the
# registry configured in the environment; the library is about 540 MB unpacked.
set -euo pipefail

VERSION=3.4.0 # npm chdb 3.4.0 brings @chdb/lib-linux-x64-gnu with ClickHouse 26.7

die() { echo "chdb.sh: $*" >&2; exit 1; }

default_dir() { echo "${AIRES_CACHE:-$HOME/.cache/aires}/chdb-$VERSION"; }

libdir() {
	local dir=${1:-$(default_dir)} lib
	lib=$(find "$dir/node_modules" -name libchdb.so -print -quit 2>/dev/null || true)
	[ -n "$lib" ] || return 1
	dirname "$lib"
}

install() {
	local dir=${1:-$(default_dir)}
	if libdir "$dir" 2>/dev/null; then return 0; fi
	command -v npm >/dev/null || die "npm not found: apt-get install -y npm (chDB is installed through npm)"
	mkdir -p "$dir"
	# A fresh folder per attempt: a half-finished install never looks done.
	local tmp
	tmp=$(mktemp -d "$dir.tmp.XXXXXX")
	echo "chdb.sh: installing chdb@$VERSION into $dir (about 540 MB)" >&2
	(cd "$tmp" && echo '{"private":true}' >package.json &&
		npm install --no-audit --no-fund --ignore-scripts --loglevel=error "chdb@$VERSION" >&2) ||
		{ rm -rf "$tmp"; die "npm install chdb@$VERSION failed (check npm's registry setting and the network)"; }
	rm -rf "$dir"
	mv "$tmp" "$dir"
	libdir "$dir" || die "npm installed chdb@$VERSION but no libchdb.so is under $dir/node_modules"
}

case "${1:-}" in
install) install "${2:-}" ;;
libdir) libdir "${2:-}" || die "chDB is not installed in ${2:-$(default_dir)}: run scripts/chdb.sh install" ;;
*) die "usage: $0 install|libdir [DIR]" ;;
esac
