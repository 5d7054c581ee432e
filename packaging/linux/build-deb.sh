#!/usr/bin/env bash
# Wrap a built bundle as a Debian package (build-linux.sh runs this when dpkg-deb is there):
#
#     packaging/linux/build-deb.sh BUNDLE_DIR VERSION OUT_DIR [WORK_DIR]
#
# Installs the bundle under /opt/stitch-studio, a /usr/bin/stitch-studio link to its executable,
# the menu entry in /usr/share/applications and the icon in /usr/share/icons/hicolor. Writes
# OUT_DIR/stitch-studio_<version>_<arch>.deb and prints its path. Settings, models and the torch
# add-on live in the user's platform folders, so removing the package leaves them (as intended).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUNDLE="$(cd "$1" && pwd)"; VERSION="$2"; OUT="$3"; WORK="${4:-$(mktemp -d)}"
command -v dpkg-deb >/dev/null || { echo "dpkg-deb is not installed: no .deb" >&2; exit 1; }
[ -x "$BUNDLE/StitchStudio" ] || { echo "no StitchStudio executable in $BUNDLE" >&2; exit 1; }
case "$(uname -m)" in
    x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; *) ARCH="$(dpkg --print-architecture)" ;;
esac
NAME="stitch-studio_${VERSION}_${ARCH}"
TREE="$WORK/deb/$NAME"
rm -rf "$TREE" && mkdir -p "$TREE/DEBIAN" "$TREE/opt" "$TREE/usr/bin" "$TREE/usr/share/applications" \
    "$TREE/usr/share/icons/hicolor/512x512/apps"
cp -a "$BUNDLE" "$TREE/opt/stitch-studio"
ln -s /opt/stitch-studio/StitchStudio "$TREE/usr/bin/stitch-studio"
sed "s|^Exec=StitchStudio|Exec=stitch-studio|" "$HERE/stitch-studio.desktop" > "$TREE/usr/share/applications/stitch-studio.desktop"
install -m 644 "$ROOT/resources/icons/stitch-studio.png" "$TREE/usr/share/icons/hicolor/512x512/apps/stitch-studio.png"
# Every system library the window and its playback load (one table: resources/system-libraries.txt).
SYSTEM_DEPENDS="$(grep -vE '^\s*(#|$)' "$ROOT/resources/system-libraries.txt" | awk '{print $2}' | sort -u | paste -sd, - | sed 's/,/, /g')"
SIZE_KB="$(du -sk --exclude=DEBIAN "$TREE" | cut -f1)"
cat > "$TREE/DEBIAN/control" <<CONTROL
Package: stitch-studio
Version: $VERSION
Section: video
Priority: optional
Architecture: $ARCH
Installed-Size: $SIZE_KB
Depends: libc6 (>= 2.28), $SYSTEM_DEPENDS
Maintainer: Stitch Studio <team@stitchstudio.org>
Homepage: https://stitchstudio.org
Description: desktop studio for narrated videos
 Write a script, hear it with local voices, add images and captions, and
 export a narrated video. Local models draft; hosted models re-render one
 asset on request. The torch engines (Kokoro on torch, diffusers) are
 installed on first use from the Models window.
CONTROL
mkdir -p "$OUT"
# gzip, as the tarball: xz saves ~15 % more but takes minutes on a bundle of this size.
dpkg-deb --root-owner-group -Zgzip --build "$TREE" "$OUT/$NAME.deb" >/dev/null
echo "$OUT/$NAME.deb"
