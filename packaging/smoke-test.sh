#!/usr/bin/env bash
# Smoke test of a built bundle: runs the frozen executable the way a creator's machine would.
#
#     packaging/smoke-test.sh [path/to/StitchStudio-executable]
#
# Default: packaging/dist/StitchStudio/StitchStudio (StitchStudio.exe on Windows; on macOS pass
# packaging/dist/StitchStudio.app/Contents/MacOS/StitchStudio). Checks, each failing loudly:
#   1. `--version` prints "Stitch Studio <version>";
#   2. `doctor` runs and finds the bundled engines (kokoro-onnx, whisper) through the copied
#      entry-point metadata, plus ffmpeg and the espeak-ng G2P;
#   3. the demo opens offscreen (QT_QPA_PLATFORM=offscreen), a screenshot is saved, the app exits 0;
#   4. with SMOKE_MODELS_DIR (a model store holding kokoro-82m-onnx-int8, e.g. made by
#      `STITCH_MODELS_DIR=DIR studio models provide-bundled` in a dev env), every demo line renders
#      through the bundled onnxruntime + espeak-ng G2P (skipped, with a note, without it);
#   5. nothing was written into the install folder.
# Settings and data go to a throw-away HOME/XDG folder, never the user's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXE="${1:-}"
if [ -z "$EXE" ]; then
    for candidate in "$ROOT/packaging/dist/StitchStudio/StitchStudio" "$ROOT/packaging/dist/StitchStudio/StitchStudio.exe"; do
        [ -x "$candidate" ] && EXE="$candidate" && break
    done
fi
fail() { echo "SMOKE TEST FAILED: $*" >&2; exit 1; }
[ -n "$EXE" ] && [ -x "$EXE" ] || fail "no bundled executable (build first: packaging/build-linux.sh)"
APPDIR="$(cd "$(dirname "$EXE")" && pwd)"
CLI="$EXE"   # Windows: the GUI exe has no console; its twin studio.exe runs the headless commands
[ -x "$APPDIR/studio.exe" ] && CLI="$APPDIR/studio.exe"
# macOS has no `timeout`: run without a limit there (CI's job timeout still applies).
command -v timeout >/dev/null 2>&1 || timeout() { shift; "$@"; }

SANDBOX="$(mktemp -d)"
trap 'rm -rf "$SANDBOX"' EXIT
export HOME="$SANDBOX/home" XDG_CONFIG_HOME="$SANDBOX/config" XDG_DATA_HOME="$SANDBOX/data" \
       XDG_CACHE_HOME="$SANDBOX/cache" APPDATA="$SANDBOX/appdata" LOCALAPPDATA="$SANDBOX/localappdata" \
       QT_QPA_PLATFORM=offscreen PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring
mkdir -p "$HOME"
listing() { (cd "$APPDIR" && find . -type f -o -type d | LC_ALL=C sort); }
listing > "$SANDBOX/before.txt"

echo "== $CLI --version"
version="$("$CLI" --version 2>&1)" || fail "--version exited $?: $version"
echo "$version"
[[ "$version" == "Stitch Studio "* ]] || fail "--version printed '$version'"

echo "== $CLI doctor"
set +e; doctor="$("$CLI" doctor 2>&1)"; code=$?; set -e
echo "$doctor"
# doctor exits non-zero when something optional is missing (weights, display): that is fine here;
# a traceback or a missing bundled piece is not.
[[ "$doctor" != *Traceback* ]] || fail "doctor crashed (exit $code)"
for want in "ok  *engine kokoro-onnx" "ok  *engine whisper" "ok  *ffmpeg" "ok  *G2P"; do
    grep -Eq "^$want" <<<"$doctor" || fail "doctor does not report '$want' as ok"
done

echo "== $EXE --demo --screenshot (offscreen)"
shot="$SANDBOX/demo.png"
set +e; timeout 120 "$EXE" --demo --screenshot "$shot" > "$SANDBOX/gui.log" 2>&1; code=$?; set -e
cat "$SANDBOX/gui.log"
[ "$code" -eq 0 ] || fail "the demo window exited $code"
[ -s "$shot" ] || fail "no screenshot was saved"
grep -q Traceback "$SANDBOX/gui.log" && fail "a traceback was printed while the demo was open"
echo "screenshot: $(wc -c < "$shot") bytes"
[ -n "${SMOKE_SCREENSHOT:-}" ] && cp "$shot" "$SMOKE_SCREENSHOT"

if [ -n "${SMOKE_MODELS_DIR:-}" ]; then
    echo "== $CLI render (demo copy, models from $SMOKE_MODELS_DIR)"
    export STITCH_MODELS_DIR="$SMOKE_MODELS_DIR"
    demo="$SANDBOX/demo-project"
    cp -R "$ROOT/resources/demo" "$demo"
    set +e; rendered="$(timeout 600 "$CLI" render "$demo" --json 2>&1)"; code=$?; set -e
    echo "$rendered"
    [ "$code" -eq 0 ] || fail "render exited $code"
    grep -q '"status": "failed"' <<<"$rendered" && fail "a demo line failed to render in the bundle"
    grep -q '"take": "' <<<"$rendered" || fail "render made no take"
    unset STITCH_MODELS_DIR
else
    echo "== render skipped (set SMOKE_MODELS_DIR to render the demo with real weights)"
fi

listing > "$SANDBOX/after.txt"
diff -u "$SANDBOX/before.txt" "$SANDBOX/after.txt" || fail "the app wrote into its install folder"
echo "SMOKE TEST PASSED"
