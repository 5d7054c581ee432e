#!/usr/bin/env bash
# Build the macOS app and disk image: packaging/dist/StitchStudio-<version>-macos-<arch>.dmg
#
#     packaging/macos/build-macos.sh
#
# Signing and notarization run only when their credentials are given:
#   MACOS_SIGN_IDENTITY   "Developer ID Application: Name (TEAMID)" in the login keychain
#   MACOS_NOTARY_PROFILE  a profile stored by `xcrun notarytool store-credentials`
#     (or APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD to pass them directly)
# Without them the .dmg is unsigned (Gatekeeper asks the user to confirm on first open).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
"$PYTHON" -m pip install --quiet $("$PYTHON" scripts/lock.py --pins pyinstaller uv)  # versions of the lock (its hashes are Linux wheels')
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath packaging/dist --workpath packaging/build packaging/stitch-studio.spec
VERSION="$("$PYTHON" -c 'import studio; print(studio.__version__)')"
APP="packaging/dist/StitchStudio.app"
DMG="packaging/dist/StitchStudio-$VERSION-macos-$(uname -m).dmg"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
    # Sign inside-out: every Mach-O in the bundle, then the app, with the hardened runtime.
    find "$APP/Contents" -type f \( -name "*.dylib" -o -name "*.so" -o -perm -u+x \) -print0 |
        xargs -0 codesign --force --timestamp --options runtime \
            --entitlements packaging/macos/entitlements.plist --sign "$MACOS_SIGN_IDENTITY" 2>/dev/null || true
    codesign --force --timestamp --options runtime --entitlements packaging/macos/entitlements.plist \
        --sign "$MACOS_SIGN_IDENTITY" "$APP"
    codesign --verify --deep --strict --verbose=2 "$APP"
fi

rm -f "$DMG"
STAGE="$(mktemp -d)"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "Stitch Studio" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
rm -rf "$STAGE"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$DMG"
    if [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
        xcrun notarytool submit "$DMG" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait
    elif [ -n "${APPLE_ID:-}" ]; then
        xcrun notarytool submit "$DMG" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
            --password "$APPLE_APP_PASSWORD" --wait
    fi
    if [ -n "${MACOS_NOTARY_PROFILE:-}${APPLE_ID:-}" ]; then
        xcrun stapler staple "$DMG"
        spctl --assess --type open --context context:primary-signature --verbose "$DMG"
    fi
fi
echo "disk image: $DMG ($(du -sh "$DMG" | cut -f1))"
