#!/usr/bin/env bash
# Build the Linux bundle and its .tar.gz, from a clean checkout:
#
#     packaging/build-linux.sh
#
# Uses the project's virtualenv (.venv, made by scripts/bootstrap.sh, which this script runs when
# .venv is missing); set PYTHON=/path/to/python to use another interpreter that has the project. Installs PyInstaller into it (held by
# requirements.lock), builds packaging/dist/StitchStudio/ (one folder) and
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
"$PYTHON" -m pip install --quiet --require-hashes -r requirements.lock  # PyInstaller and uv, as locked
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
{   # What a creator unpacking the tarball needs to know first: the system libraries it loads.
    echo "Stitch Studio $VERSION for Linux"
    echo
    echo "Install for this user:   ./install.sh        (remove: ./install.sh --uninstall)"
    echo "Or run it from here:     ./StitchStudio      (./studio doctor says what is missing)"
    echo
    echo "The window and its sound playback load these system libraries. On Debian or Ubuntu:"
    echo
    echo "    sudo apt-get install $(grep -vE '^\s*(#|$)' resources/system-libraries.txt | awk '{print $2}' | sort -u | tr '\n' ' ')"
    echo
    grep -vE '^\s*(#|$)' resources/system-libraries.txt | awk '{lib=$1; pkg=$2; $1=""; $2=""; sub(/^  /, ""); printf "  %-24s %-22s %s\n", lib, pkg, $0}'
} > "$STAGE/README.txt"
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
