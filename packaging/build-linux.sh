#!/usr/bin/env bash
# Build the Linux bundle and its .tar.gz, from a clean checkout:
#
#     packaging/build-linux.sh
#
# Uses the project's virtualenv (.venv, made by scripts/bootstrap.sh, which this script runs when
# .venv is missing); set PYTHON=/path/to/python to use another interpreter that has the project. Installs PyInstaller into it (held by
# constraints.txt), builds packaging/dist/StitchStudio/ (one folder) and
# packaging/dist/StitchStudio-<version>-linux-x86_64.tar.gz with a .desktop file and icon, and, where
# dpkg-deb is installed (Debian, Ubuntu), packaging/dist/stitch-studio_<version>_amd64.deb.
# Prints the build time and the bundle's size.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ -z "${PYTHON:-}" ]; then
    [ -x "$ROOT/.venv/bin/python" ] || scripts/bootstrap.sh
    PYTHON="$ROOT/.venv/bin/python"
fi
DIST="$ROOT/packaging/dist"
WORK="$ROOT/packaging/build"

start=$(date +%s)
"$PYTHON" -m pip install --quiet -c constraints.txt "pyinstaller>=6.10,<7" "uv>=0.4"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" packaging/stitch-studio.spec
built=$(date +%s)

VERSION="$("$PYTHON" -c 'import studio; print(studio.__version__)')"
ARCH="$(uname -m)"
STAGE="$WORK/tar/StitchStudio-$VERSION"
rm -rf "$WORK/tar" && mkdir -p "$STAGE"
cp -a "$DIST/StitchStudio/." "$STAGE/"
ln -sf StitchStudio "$STAGE/studio"                      # `studio doctor` works from the folder too
install -m 644 resources/icons/stitch-studio.png "$STAGE/stitch-studio.png"
install -m 644 packaging/linux/stitch-studio.desktop "$STAGE/stitch-studio.desktop"
install -m 755 packaging/linux/install.sh "$STAGE/install.sh"
TARBALL="$DIST/StitchStudio-$VERSION-linux-$ARCH.tar.gz"
tar -C "$WORK/tar" -czf "$TARBALL" "StitchStudio-$VERSION"
DEB=""
if command -v dpkg-deb >/dev/null 2>&1; then                # Debian/Ubuntu: also a .deb
    DEB="$(packaging/linux/build-deb.sh "$DIST/StitchStudio" "$VERSION" "$DIST" "$WORK")"
fi
end=$(date +%s)

echo "bundle:  $DIST/StitchStudio ($(du -sh "$DIST/StitchStudio" | cut -f1))"
echo "tarball: $TARBALL ($(du -sh "$TARBALL" | cut -f1))"
if [ -n "$DEB" ]; then echo "deb:     $DEB ($(du -sh "$DEB" | cut -f1))"; fi
echo "time:    pyinstaller $((built - start)) s, total $((end - start)) s"
