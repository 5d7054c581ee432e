#!/usr/bin/env sh
# Install the unpacked tarball for this user: the app goes to ~/.local/opt/StitchStudio, a launcher
# to ~/.local/bin/StitchStudio, the menu entry and icon to the XDG folders. Run again to update;
# `install.sh --uninstall` removes them (settings and models in the platform folders stay).
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
PREFIX="${XDG_DATA_HOME:-$HOME/.local/share}"
OPT="$HOME/.local/opt/StitchStudio"
BIN="$HOME/.local/bin"
if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$OPT" "$BIN/StitchStudio" "$PREFIX/applications/stitch-studio.desktop" \
        "$PREFIX/icons/hicolor/512x512/apps/stitch-studio.png"
    echo "Stitch Studio removed."; exit 0
fi
rm -rf "$OPT" && mkdir -p "$OPT" "$BIN" "$PREFIX/applications" "$PREFIX/icons/hicolor/512x512/apps"
cp -a "$HERE/." "$OPT/"
ln -sf "$OPT/StitchStudio" "$BIN/StitchStudio"
sed "s|^Exec=StitchStudio|Exec=$OPT/StitchStudio|" "$HERE/stitch-studio.desktop" > "$PREFIX/applications/stitch-studio.desktop"
cp "$HERE/stitch-studio.png" "$PREFIX/icons/hicolor/512x512/apps/stitch-studio.png"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$PREFIX/applications" || true
echo "Stitch Studio installed: $BIN/StitchStudio"
