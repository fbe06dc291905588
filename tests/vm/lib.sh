# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the test bench (sourced).

ESPVTI_CACHE=${ESPVTI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/espvti}
export ESPVTI_CACHE
ESPVTI_REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Sets $tarball and $srcver: Debian's linux-source-6.1 and its version.
linux_source() {
	tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
	[ -n "$tarball" ] ||
		die "linux-source-6.1 is not installed (apt-get install linux-source-6.1)"
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
}

# linux_source_of SUITE: sets $tarball and $srcver from SUITE's newest
# linux-source-X.Y (fetched once with apt-suite.sh into the cache).
linux_source_of() {
	local suite=$1 pkg d deb
	pkg=$("$ESPVTI_REPO_DIR/tests/vm/apt-suite.sh" "$suite" apt-cache depends linux-source |
		sed -n 's/^ *Depends: \(linux-source-[0-9.]*\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || die "no linux-source in $suite"
	srcver=$("$ESPVTI_REPO_DIR/tests/vm/apt-suite.sh" "$suite" apt-cache show \
		--no-all-versions "$pkg" | sed -n 's/^Version: //p' | head -n 1)
	d=$ESPVTI_CACHE/source-$suite-$pkg-$srcver
	if [ ! -f "$d/.espvti-done" ]; then
		log "fetching $pkg $srcver from $suite"
		rm -rf "$d"
		mkdir -p "$d"
		(cd "$d" && "$ESPVTI_REPO_DIR/tests/vm/apt-suite.sh" "$suite" apt-get download -q \
			"$pkg=$srcver" >&2) || die "cannot download $pkg"
		deb=$(ls "$d"/*.deb)
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$d" --wildcards './usr/src/linux-source-*.tar.*' ||
			die "no source tarball in $deb"
		rm -f "$deb"
		touch "$d/.espvti-done"
	fi
	tarball=$(ls "$d"/usr/src/linux-source-*.tar.* | head -n 1)
}

# copy_module_sources DEST: what Kbuild builds, into DEST, so that builds
# for several kernels (or sparse) do not overwrite each other's objects.
copy_module_sources() {
	mkdir -p "$1/tests"
	rsync -a --delete "$ESPVTI_REPO_DIR/Kbuild" "$ESPVTI_REPO_DIR/VERSION" \
		"$ESPVTI_REPO_DIR/module" "$ESPVTI_REPO_DIR/uapi" "$1/"
	rsync -a --delete "$ESPVTI_REPO_DIR/tests/kunit" "$1/tests/"
}
