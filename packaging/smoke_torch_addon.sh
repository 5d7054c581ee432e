#!/usr/bin/env bash
# The torch add-on for real, in a built bundle: real torch (CPU), kokoro and diffusers installed by
# the bundle's own `studio models addons install`, then a line rendered with the torch Kokoro engine
# and a scene image painted with diffusers, headless, by the bundle's CLI.
#
#     packaging/smoke_torch_addon.sh [path/to/StitchStudio-executable]
#
# Needs the CPU torch wheel on disk (TORCH_WHEELS, default /opt/wheels:
# torch-2.13.0+cpu-cp311-*.whl; skipped with a message when it is absent), PyPI for the rest
# (STITCH_ADDONS_INDEX_URL, default https://pypi.org/simple, or a mirror), and the development
# venv (PYTHON, default .venv/bin/python) to build tiny random-weight models
# (packaging/make_tiny_models.py). The wheel folder reaches uv through STITCH_ADDONS_FIND_LINKS.
# Before anything is installed, uv resolves the plan with --dry-run: torch must come out as
# 2.13.0+cpu and no nvidia-* wheel may be in it (else it stops: no GBs of CUDA wheels).
# Everything goes to a throw-away HOME/XDG/add-ons/models folder, deleted at the end (KEEP=1 keeps
# it). Prints the install time, the add-on's installed size and the bytes received while installing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXE="${1:-$ROOT/packaging/dist/StitchStudio/StitchStudio}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
TORCH_WHEELS="${TORCH_WHEELS:-/opt/wheels}"
TORCH_VERSION="$("$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[1]); from studio.models.addons import PACKAGES; print(PACKAGES[0].split("==")[1])' "$ROOT")"

fail() { echo "TORCH ADD-ON SMOKE TEST FAILED: $*" >&2; exit 1; }
shopt -s nullglob
wheels=("$TORCH_WHEELS"/torch-"$TORCH_VERSION"+cpu-cp311-*.whl)
if [ ${#wheels[@]} -eq 0 ]; then
    echo "SKIPPED: no CPU torch wheel torch-$TORCH_VERSION+cpu-cp311-*.whl in $TORCH_WHEELS (set TORCH_WHEELS)."
    exit 0
fi
[ -x "$EXE" ] || fail "no bundle at $EXE: run packaging/build-linux.sh first"
INTERNAL="$(dirname "$EXE")/_internal"

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/stitch-torch-addon.XXXXXX")"
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$SCRATCH"' EXIT; else echo "keeping $SCRATCH"; fi
export HOME="$SCRATCH/home" XDG_CONFIG_HOME="$SCRATCH/config" XDG_DATA_HOME="$SCRATCH/data" \
       XDG_CACHE_HOME="$SCRATCH/cache" STITCH_MODELS_DIR="$SCRATCH/models" STITCH_ADDONS_DIR="$SCRATCH/addons" \
       STITCH_ADDONS_INDEX_URL="${STITCH_ADDONS_INDEX_URL:-https://pypi.org/simple}" \
       STITCH_ADDONS_FIND_LINKS="$TORCH_WHEELS" QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1
mkdir -p "$HOME"
run() { echo "== $(basename "$EXE") $*"; "$EXE" "$@"; }

echo "-- tiny random-weight models (dev venv)"
"$PYTHON" "$ROOT/packaging/make_tiny_models.py" "$SCRATCH/tiny" 2>/dev/null

echo "-- the plan"
status="$(run models addons status)"; echo "$status"
case "$status" in *"(CPU only)"*) ;; *) fail "this machine's plan is not the CPU build";; esac
cmd="$(run models addons install --dry-run --flavour cpu | tail -1)"
case "$cmd" in *"--find-links $TORCH_WHEELS"*) ;; *) fail "the plan does not search $TORCH_WHEELS: $cmd";; esac
mkdir -p "$SCRATCH/addons"
cp "$INTERNAL/bundle-constraints.txt" "$SCRATCH/addons/constraints.txt"
# shellcheck disable=SC2086  # the printed command line, words as uv takes them
set -- ${cmd#uv }
resolved="$(UV_CACHE_DIR="$SCRATCH/addons/cache" "$INTERNAL/bin/uv" "$1" "$2" --dry-run "${@:3}" 2>&1)" \
    || { echo "$resolved"; fail "uv could not resolve the add-on"; }
echo "$resolved" | grep -E "^(Resolved|Would)"
echo "$resolved" | grep -q "torch==$TORCH_VERSION+cpu" || { echo "$resolved"; fail "torch would not be the CPU build"; }
if echo "$resolved" | grep -qi "nvidia"; then echo "$resolved"; fail "the plan pulls nvidia-* wheels"; fi
rm -rf "$SCRATCH/addons"

echo "-- install (the bundle's uv)"
rx() { awk -F'[: ]+' 'NR > 2 && $2 != "lo" { s += $3 } END { printf "%.0f\n", s }' /proc/net/dev; }
rx0=$(rx); t0=$(date +%s.%N)
run models addons install --yes --flavour cpu 2>"$SCRATCH/install.log" || { tr '\r' '\n' <"$SCRATCH/install.log" | tail -20; fail "install"; }
t1=$(date +%s.%N); rx1=$(rx)
tr '\r' '\n' <"$SCRATCH/install.log" | grep -E "Resolved|Prepared|Installed" | sed 's/ *$//' | sort -u
run models addons status
installed_mb=$(du -sm "$SCRATCH/addons/torch-engines" | cut -f1)
wheel_mb=$(( $(stat -c %s "${wheels[0]}") / 1048576 ))

echo "-- doctor"
doctor="$(run doctor || true)"; echo "$doctor"
for want in "torch $TORCH_VERSION" "ok  engine kokoro " "ok  engine diffusers " "ok  torch add-on"; do
    case "$doctor" in *"$want"*) ;; *) fail "doctor does not say '$want'";; esac
done

echo "-- render one line with the torch Kokoro engine, paint one scene with diffusers"
run models add kokoro-82m "$SCRATCH/tiny/tiny-kokoro"
PROJECT="$SCRATCH/project"
mkdir -p "$PROJECT"
cat >"$PROJECT/stitch.toml" <<EOF
schema = 1
title = "Torch add-on smoke test"
script = "script.md"
format = "16:9"

[voice]
voice = "test"
speed = 1.0

[routing.tts]
draft = "kokoro"
final = ""

[routing.image]
draft = "diffusers"
final = ""

[engines.diffusers]
model_dir = "$SCRATCH/tiny/tiny-sd"
EOF
printf '# A scene painted by diffusers\n\nHello from the torch engine inside the bundle.\n' >"$PROJECT/script.md"
render="$(run render "$PROJECT" --json)"; echo "$render"
case "$render" in *'"engine": "kokoro"'*'"status": "rendered"'*) ;; *) fail "the torch Kokoro line did not render";; esac
images="$(run images "$PROJECT" --side 64 --json 2>"$SCRATCH/images.log")" || { tail -20 "$SCRATCH/images.log"; fail "images"; }
echo "$images"
case "$images" in *'"status": "rendered"'*) ;; *) fail "the diffusers image was not painted";; esac
[ -n "$(find "$PROJECT/renders" -name '*.wav' -size +1k)" ] || fail "no take file"
[ -n "$(find "$PROJECT/renders/images" -name '*.png' -size +100c)" ] || fail "no image file"

echo "-- remove"
run models addons remove
case "$(run models addons status)" in *"Not installed"*) ;; *) fail "remove left the add-on installed";; esac

printf 'install: %.0f s; installed size: %s MiB; received while installing: %s MiB (+ the local torch wheel, %s MiB)\n' \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$installed_mb" "$(( (rx1 - rx0) / 1048576 ))" "$wheel_mb"
echo "TORCH ADD-ON SMOKE TEST PASSED"
