#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# style.sh: checkpatch --strict over every C source and header of the
# project. checkpatch.pl comes from Debian's linux-source-6.1, extracted
# once into the cache.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tests/vm/lib.sh"

linux_source
dir=$ESPVTI_CACHE/checkpatch-$srcver
if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	log "extracting checkpatch.pl from $tarball"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -xf "$tarball" -C "$dir.tmp" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi

cd "$repo"
mapfile -t files < <(git ls-files '*.c' '*.h' ':!tools/strongswan/' ':!tests/bench/tcg-profile.c')
# The strongSwan plugin is written in strongSwan's object model: a typedef
# for each object and its METHOD()/INIT() macros, whose continuation lines
# cannot align with their parenthesis; everything else is checked.
mapfile -t sswan < <(git ls-files 'tools/strongswan/*.c' 'tools/strongswan/*.h')
{
	"$dir/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		-f "${files[@]}"
	"$dir/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		--ignore NEW_TYPEDEFS,PARENTHESIS_ALIGNMENT -f "${sswan[@]}"
	# The QEMU plugin declares QEMU's API (its typedefs, its functions and
	# the C99 types it takes) and prints with <inttypes.h>'s macros.
	"$dir/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		--ignore NEW_TYPEDEFS,AVOID_EXTERNS,PREFER_KERNEL_TYPES,CAMELCASE \
		-f tests/bench/tcg-profile.c
} | tee /dev/stderr | (! grep -E ': (ERROR|WARNING|CHECK):')
