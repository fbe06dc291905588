#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# package-build.sh [DIR]: build the Debian binary packages from the
# working tree's files (tracked and untracked, not ignored) in a copy under
# DIR (default a temporary one) and run lintian over them (-I -E
# --pedantic; it must say nothing but overridden tags). Then the same
# without espvti-strongswan (build profile pkg.espvti.nostrongswan).
# Prints each package's Depends; exits non-zero on any failure.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$(mktemp -d)}
version=$(cat "$repo/VERSION")
for profile in "" pkg.espvti.nostrongswan; do
	d=$out/${profile:-full}
	rm -rf "$d"
	mkdir -p "$d/espvti-$version"
	(cd "$repo" && git ls-files -co --exclude-standard | grep -v '^tests/build/' |
		tar -cf - -T -) | tar -C "$d/espvti-$version" -xf -
	(cd "$d/espvti-$version" &&
		dpkg-buildpackage -us -uc -b ${profile:+-P"$profile"} > ../build.log 2>&1) ||
		{ tail -n 30 "$d/build.log" >&2; echo "package-build: dpkg-buildpackage ${profile:+-P$profile }failed" >&2; exit 1; }
	for deb in "$d"/*.deb; do
		case "$deb" in *-dbgsym_*) continue ;; esac
		printf '%s: %s\n' "${deb##*/}" "$(dpkg-deb -f "$deb" Depends)"
	done
	tags=$(lintian -I -E --pedantic "$d"/*.changes 2>/dev/null) ||
		{ echo "$tags" >&2; echo "package-build: lintian failed" >&2; exit 1; }
	[ -z "$tags" ] || { echo "$tags" >&2; echo "package-build: lintian tags" >&2; exit 1; }
	echo "package-build: ${profile:-all packages}: lintian clean"
done
