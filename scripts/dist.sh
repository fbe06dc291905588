#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dist.sh NAME: NAME.tar.gz, the release tarball, from the files of the
# last commit (uncommitted changes are not in it: a warning says so),
# under NAME/, with dkms.conf's version filled in from VERSION so that
# `dkms add` works on the unpacked tree. Reproducible: every file's time
# is the last commit's (SOURCE_DATE_EPOCH, unless set), names sorted,
# owner and group root, no PAX times, gzip without a name or time: the
# same commit gives the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1
git rev-parse --verify -q HEAD > /dev/null || { echo "dist: not a git checkout" >&2; exit 1; }
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	echo "dist: warning: uncommitted changes are not in $name.tar.gz" >&2
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
version=$(git show HEAD:VERSION)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive --format=tar --prefix="$name/" HEAD | tar -x -C "$tmp"
sed -i "s/#MODULE_VERSION#/$version/" "$tmp/$name/dkms.conf"
# Modes as git knows them (644, or 755 for executables), whatever the umask.
find "$tmp/$name" -type d -exec chmod 755 {} +
find "$tmp/$name" -type f -perm /111 -exec chmod 755 {} +
find "$tmp/$name" -type f ! -perm /111 -exec chmod 644 {} +
tar --sort=name --format=gnu --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime \
	--owner=0 --group=0 --numeric-owner -C "$tmp" -cf - "$name" |
	gzip -9 -n > "$name.tar.gz.tmp"
mv "$name.tar.gz.tmp" "$name.tar.gz"
echo "$name.tar.gz: $(sha256sum "$name.tar.gz" | cut -d' ' -f1) (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
