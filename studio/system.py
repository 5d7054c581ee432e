"""The system libraries the window and its playback need, and which of them are missing.

The list is data (`resources/system-libraries.txt`): each library, the Debian/Ubuntu package that
has it and what needs it. `scripts/bootstrap.sh` reads the same file to install what is missing,
`studio doctor` and the player name the missing ones with the command that installs them, and the
.deb declares them. Linux only: on Windows and macOS Qt's wheels carry what they need.
"""

from __future__ import annotations

import ctypes
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).resolve().parents[1] / "resources" / "system-libraries.txt"


@dataclass(frozen=True)
class Library:
    soname: str  # libpulse.so.0
    package: str  # libpulse0
    purpose: str  # sound playback (QtMultimedia)

    @property
    def for_window(self) -> bool:
        return "window" in self.purpose


def libraries(table: Path = TABLE) -> list[Library]:
    found = []
    for raw in table.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        soname, package, purpose = re.split(r"\s+", line, maxsplit=2)
        found.append(Library(soname, package, purpose))
    return found


@lru_cache(maxsize=1)
def _ldconfig() -> str:
    try:
        return subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def present(soname: str) -> bool:
    """Whether the dynamic loader can find `soname` (asked of ldconfig's cache, then by loading it)."""
    if f"{soname} " in _ldconfig():
        return True
    try:
        ctypes.CDLL(soname)
        return True
    except OSError:
        return False


def missing(purpose: str | None = None) -> list[Library]:
    """The libraries of the table that this machine lacks ([] off Linux); `purpose` filters by a word
    of what needs them ("window", "playback")."""
    if not sys.platform.startswith("linux"):
        return []
    return [lib for lib in libraries() if (purpose is None or purpose in lib.purpose) and not present(lib.soname)]


def install_command(libs: list[Library]) -> str:
    packages = " ".join(dict.fromkeys(lib.package for lib in libs))
    return f"sudo apt-get install {packages}"


def library_in_error(text: str) -> Library | None:
    """The library of the table that an import error's text says could not be opened, if any."""
    for lib in libraries():
        if lib.soname in text:
            return lib
    return None


def sentence_for(libs: list[Library], what: str) -> str:
    """'The window needs libxcb-icccm.so.4 and …, which this computer lacks: install them with
    `sudo apt-get install …` (Debian/Ubuntu).'"""
    names = ", ".join(lib.soname for lib in libs)
    return (f"{what} needs the system {'libraries' if len(libs) > 1 else 'library'} {names}, which this computer "
            f"lacks: install {'them' if len(libs) > 1 else 'it'} with `{install_command(libs)}` (Debian/Ubuntu; "
            "other systems: the package that has that file).")
