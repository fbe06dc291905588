# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the test bench (sourced).

ESPVTI_CACHE=${ESPVTI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/espvti}
export ESPVTI_CACHE

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
