#!/usr/bin/env bash
# The fresh-machine check (`./run-tests fresh`): clone HEAD into a new temporary folder, build its
# .venv from nothing with pip's cache turned off, and run the whole suite there, as a new
# contributor's first `./run-tests` would. Extra arguments go to pytest. Keeps the clone when the
# suite fails (its path is printed) and removes it when it passes; KEEP=1 keeps it always.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHERE="$(mktemp -d "${TMPDIR:-/tmp}/stitch-fresh.XXXXXX")"
echo "Fresh clone of $(git -C "$ROOT" rev-parse --short HEAD) in $WHERE (uncommitted changes are not in it)"
git clone --quiet --no-hardlinks "$ROOT" "$WHERE/stitch-studio"
start=$(date +%s)
set +e
( cd "$WHERE/stitch-studio" && env -u VIRTUAL_ENV PIP_NO_CACHE_DIR=1 ./run-tests "$@" ) 2>&1 | tee "$WHERE/log"
rc=${PIPESTATUS[0]}
set -e
summary="$(grep -E '^(=+ )?[0-9]+ (passed|failed)' "$WHERE/log" | tail -1 | sed 's/=//g; s/^ *//; s/ *$//')"
echo
echo "fresh-machine check: ${summary:-no pytest summary} (exit $rc, $(( $(date +%s) - start )) s from nothing)"
if [ "$rc" = "0" ] && [ -z "${KEEP:-}" ]; then rm -rf "$WHERE"; else echo "clone kept in $WHERE"; fi
exit "$rc"
