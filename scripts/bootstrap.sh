#!/usr/bin/env bash
# Installs what is missing into .venv (idempotent; fast when nothing changed).
# Sourced by ./run-studio and ./run-tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating the virtual environment in .venv ..."
    "$PY" -m venv "$VENV"
fi
# The stamp holds a hash of what decides the install; rerun pip only when it changes.
want="$(cat "$ROOT/pyproject.toml" "$ROOT/constraints.txt" | sha256sum | cut -c1-16)"
have="$(cat "$VENV/.install-stamp" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
    echo "Installing Stitch Studio and what it needs (first time: a few minutes) ..."
    # torch first, from the CPU wheel, so nothing later can pull a CUDA build.
    "$VENV/bin/pip" install --quiet "torch==2.13.0"
    "$VENV/bin/pip" install --quiet -c "$ROOT/constraints.txt" -e "$ROOT[test]"
    echo "$want" > "$VENV/.install-stamp"
fi
export PATH="$VENV/bin:$PATH"
