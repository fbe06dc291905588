#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# source.sh: print the directory of a configured strongSwan source tree that
# matches the installed charon (its headers and config.h are what a charon
# plugin is compiled against; Debian ships no development headers).
#
# The source package is fetched with `apt-get source` through the bench's
# private apt configuration (tests/vm/apt-suite.sh: a deb-src line for the
# suite, its own state; the machine's apt sources are never touched),
# configured with Debian's options (from its debian/rules) and cached under
# $ESPVTI_CACHE/strongswan-VERSION; a second run only prints the path.
#
# STRONGSWAN_SUITE (default bookworm) is the suite the source comes from.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/tests/vm/lib.sh"

suite=${STRONGSWAN_SUITE:-bookworm}
# The upstream version of the charon installed here: the plugin must be
# built against exactly its headers (charon's loader has no ABI check).
inst=$(dpkg-query -W -f='${Version}' strongswan-charon 2>/dev/null || true)
[ -n "$inst" ] || die "strongswan-charon is not installed (apt-get install strongswan-charon)"
upstream=${inst%%-*}

d=$ESPVTI_CACHE/strongswan-$upstream
mkdir -p "$ESPVTI_CACHE"
exec 9>"$d.lock"
flock 9
if [ ! -f "$d/.espvti-done" ]; then
	log "strongswan: fetching the source of strongSwan $upstream from $suite"
	rm -rf "$d"
	mkdir -p "$d"
	# Any Debian revision of the same upstream version has the same headers
	# (the security archive's newest source is not always served).
	ver=$(APT_SUITE_SOURCES=1 "$repo/tests/vm/apt-suite.sh" "$suite" apt-cache showsrc strongswan |
		sed -n 's/^Version: //p' | grep "^$upstream-" | sort -V | tail -n 1)
	[ -n "$ver" ] || die "no strongswan $upstream source in $suite"
	(cd "$d" && APT_SUITE_SOURCES=1 "$repo/tests/vm/apt-suite.sh" "$suite" \
		apt-get source -q "strongswan=$ver" >&2) || die "cannot fetch strongswan $ver"
	src=$(ls -d "$d"/strongswan-"$upstream"/ 2>/dev/null) || die "no source tree in $d"
	log "strongswan: configuring $ver (for config.h)"
	# Only config.h is wanted: Debian's options that change what charon's
	# headers declare (mediation: USE_ME) and the defaults' probes of the
	# system; no plugin that needs a library the host lacks.
	(cd "$src" && ./configure -q --prefix=/usr --sysconfdir=/etc \
		--libexecdir=/usr/lib --with-ipsecdir=/usr/lib/ipsec \
		--enable-mediation --disable-gmp --enable-openssl --enable-swanctl >&2) ||
		die "strongswan configure failed (see the output above)"
	[ -f "$src/config.h" ] || die "configure made no config.h in $src"
	echo "$ver" > "$d/.espvti-done"
fi
ls -d "$d"/strongswan-"$upstream"
