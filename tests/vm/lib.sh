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

# copy_module_sources DEST: what Kbuild builds, into DEST, so that builds
# for several kernels (or sparse) do not overwrite each other's objects.
copy_module_sources() {
	mkdir -p "$1/tests"
	rsync -a --delete "$ESPVTI_REPO_DIR/Kbuild" "$ESPVTI_REPO_DIR/VERSION" \
		"$ESPVTI_REPO_DIR/module" "$ESPVTI_REPO_DIR/uapi" "$1/"
	rsync -a --delete "$ESPVTI_REPO_DIR/tests/kunit" "$1/tests/"
}
