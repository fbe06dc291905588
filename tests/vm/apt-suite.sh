#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# apt-suite.sh SUITE apt-get|apt-cache ARGS...
#
# Run apt-get or apt-cache against one suite of Debian's archive (sid,
# trixie, bookworm-backports, ...) through a private configuration: its own
# sources list, state and cache under $ESPVTI_CACHE/apt/SUITE, so that the
# machine's apt sources and package lists are never touched. The lists are
# fetched on first use and again when older than a day (or with
# APT_SUITE_UPDATE=1). Meant for `apt-get download` and `apt-cache show`;
# with APT_SUITE_SOURCES=1 the list is of source packages (a deb-src line, in
# its own state dir SUITE-src), for `apt-get source`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -ge 2 ] || die "usage: apt-suite.sh SUITE apt-get|apt-cache ARGS..."
suite=$1 tool=$2
shift 2
case "$tool" in apt-get|apt-cache) ;; *) die "apt-suite.sh runs apt-get or apt-cache, not '$tool'" ;; esac

mirror=${ESPVTI_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "no $keyring (apt-get install debian-archive-keyring)"

kind=deb d=$ESPVTI_CACHE/apt/$suite
if [ "${APT_SUITE_SOURCES:-0}" = 1 ]; then
	kind=deb-src d=$ESPVTI_CACHE/apt/$suite-src
fi
mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial"
printf '%s [signed-by=%s] %s %s main\n' "$kind" "$keyring" "$mirror" "$suite" > "$d/sources.list"
[ -f "$d/status" ] || : > "$d/status"
opts=(-o "Dir::Etc::sourcelist=$d/sources.list" -o Dir::Etc::sourceparts=/nonexistent
	-o "Dir::State=$d/state" -o "Dir::State::status=$d/status"
	-o "Dir::Cache=$d/cache" -o APT::Sandbox::User=root -o Debug::NoLocking=1)

exec 9>"$d/.lock"
flock 9
stamp=$d/state/.espvti-updated
if [ "${APT_SUITE_UPDATE:-0}" = 1 ] || [ ! -f "$stamp" ] ||
	[ -n "$(find "$stamp" -mmin +1440)" ]; then
	log "apt: fetching the package lists of $suite"
	apt-get -q "${opts[@]}" update >&2 || die "apt-get update of $suite failed"
	touch "$stamp"
fi
"$tool" "${opts[@]}" "$@"
