"""What the studio keeps beside each take, and freeing it once no take needs it.

Beside a take's audio the studio keeps its self-check (`checks.py`, by take id), the
speech engine's word timings (`.stitch/timings/<cache key[:20]>.json`, written by
`studio.jobs.selfcheck`), its loudness (`.stitch/loudness.json`, kept by
`studio.render.take_levels`, keyed by the take's file) and, while a line renders, streaming
preview pieces (`.stitch/preview/`, `studio.jobs.streaming`). The names live here, in the
project layer, so emptying the trash can free them without importing the layers above.

A take "still needs" something when it is in the project or in the trash (undo can bring
a trashed take back until the trash is emptied); nothing else holds take ids.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from studio.errors import StudioError
from studio.project.checks import CHECKS_DIR, remove_check
from studio.project.lock import records_lock
from studio.project.paths import delete_own, may_delete, studio_link
from studio.storage import atomic_write_json, read_json

TIMINGS_DIR = Path(".stitch") / "timings"
LEVELS_FILE = Path(".stitch") / "loudness.json"
PREVIEW_DIR = Path(".stitch") / "preview"
STALE_PREVIEW_S = 24 * 3600.0  # pieces this old belong to no render still running
levels_lock = threading.Lock()  # loudness.json is read, changed and rewritten under this


def timings_path(folder: Path, cache_key: str) -> Path:
    """Where the engine's word timings of this audio are kept (shared by every take of it)."""
    return Path(folder) / TIMINGS_DIR / f"{cache_key[:20]}.json"


def read_levels(folder: Path) -> dict:
    """loudness.json as a dict; {} when missing or damaged (measured again and rewritten)."""
    try:
        levels = read_json(Path(folder) / LEVELS_FILE, default={})
    except StudioError:
        return {}
    return levels if isinstance(levels, dict) else {}


def _level_path(key: str) -> str:
    return key.split("@", 1)[0]  # "renders/a.wav@1.000+2.000" is a stretch of renders/a.wav


@dataclass
class Leftovers:
    """Files and loudness entries that belong to no take."""

    files: list[Path] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)  # keys of loudness.json

    def size(self) -> int:
        return sum(_size(path) for path in self.files)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _own_files(folder: Path, directory: Path, pattern: str) -> list[Path]:
    """The studio's plain files in one of its folders; none when the folder is a link (its
    files are not the studio's to list or delete) or not there."""
    where = Path(folder) / directory
    if studio_link(folder, directory.as_posix()) is not None or not where.is_dir():
        return []
    return sorted(p for p in where.glob(pattern) if may_delete(folder, p))


def _drop_levels(folder: Path, keys: set[str]) -> None:
    if not keys:
        return
    with records_lock(folder), levels_lock:
        levels = read_levels(folder)
        kept = {key: value for key, value in levels.items() if key not in keys}
        if len(kept) != len(levels):
            atomic_write_json(Path(folder) / LEVELS_FILE, kept)


def free_take_leftovers(folder: Path, gone: Iterable, kept: Iterable) -> int:
    """After `gone` takes were deleted for good: remove their checks, and the timings and
    loudness of their audio unless a `kept` take still plays it. Returns the bytes freed."""
    folder = Path(folder)
    gone = list(gone)
    kept = list(kept)
    kept_keys = {take.cache_key[:20] for take in kept if take.cache_key}
    kept_paths = {str(take.path) for take in kept}
    freed = 0
    for take in gone:
        check = folder / CHECKS_DIR / f"{take.id}.json"
        if may_delete(folder, check):
            freed += _size(check)
            remove_check(folder, take.id)
        if take.cache_key and take.cache_key[:20] not in kept_keys:
            freed += delete_own(folder, timings_path(folder, take.cache_key))
    gone_paths = {str(take.path) for take in gone} - kept_paths
    _drop_levels(folder, {key for key in read_levels(folder) if _level_path(key) in gone_paths})
    return freed


def find_leftovers(folder: Path, takes: Iterable) -> Leftovers:
    """Checks, timings and loudness entries that none of `takes` (live and trashed) needs."""
    folder = Path(folder)
    takes = list(takes)
    ids = {take.id for take in takes}
    keys = {take.cache_key[:20] for take in takes if take.cache_key}
    paths = {str(take.path) for take in takes}
    found = Leftovers()
    found.files += [p for p in _own_files(folder, CHECKS_DIR, "*.json") if p.stem not in ids]
    found.files += [p for p in _own_files(folder, TIMINGS_DIR, "*.json") if p.stem not in keys]
    found.levels = sorted(key for key in read_levels(folder) if _level_path(key) not in paths)
    return found


def free_leftovers(folder: Path, found: Leftovers) -> int:
    """Remove what `find_leftovers` found; returns the bytes freed."""
    freed = sum(delete_own(folder, path) for path in found.files)
    _drop_levels(Path(folder), set(found.levels))
    return freed


def stale_previews(folder: Path, older_than_s: float = 0.0, now: float | None = None) -> list[Path]:
    """Preview pieces last written more than `older_than_s` seconds ago."""
    limit = (time.time() if now is None else now) - older_than_s
    stale = []
    for path in _own_files(Path(folder), PREVIEW_DIR, "*"):
        try:
            if path.stat().st_mtime <= limit:
                stale.append(path)
        except OSError:
            continue
    return stale


# What a write killed half-way leaves: `storage.atomic_write_bytes`'s temporary files
# (`.<name>.<8 random>.tmp`) and an export's (`.<name>.<8 hex>.partial.<suffix>`, ffmpeg.partial_path).
_TEMP = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")
_PARTIAL = re.compile(r"^\..+\.[0-9a-f]{8}\.partial\.(mp4|wav|mp3|m4a|srt|vtt)$")
SCRATCH_DIRS = (".stitch", ".stitch/preview", ".stitch/timings", ".stitch/checks", ".stitch/trash",
                ".stitch/trash/images", "renders", "renders/cards", "renders/images", "exports")


def stale_scratch(folder: Path, older_than_s: float = 0.0, now: float | None = None) -> list[Path]:
    """Half-written files a killed studio left (temporary files of atomic writes, partial
    exports), last touched more than `older_than_s` seconds ago. Only the studio's own name
    patterns, only plain files, never through a link; at the top of the folder only the
    temporary files of stitch.toml and scripts (the creator's other files are theirs)."""
    folder = Path(folder)
    limit = (time.time() if now is None else now) - older_than_s
    found = []
    for directory in ("", *SCRATCH_DIRS):
        for path in _own_files(folder, Path(directory), ".*") if directory else _top_temps(folder):
            match = _TEMP.match(path.name)
            if not (match or (directory == "exports" and _PARTIAL.match(path.name))):
                continue
            try:
                if path.stat().st_mtime <= limit:
                    found.append(path)
            except OSError:
                continue
    return found


def _top_temps(folder: Path) -> list[Path]:
    found = []
    for path in folder.glob(".*.tmp"):
        match = _TEMP.match(path.name)
        name = match.group("name").lower() if match else ""
        if (name == "stitch.toml" or name.endswith((".md", ".markdown", ".txt"))) and may_delete(folder, path):
            found.append(path)
    return sorted(found)


def clear_stale_scratch(folder: Path, older_than_s: float = 0.0) -> int:
    """Delete what `stale_scratch` finds; returns the bytes freed."""
    return sum(delete_own(folder, path) for path in stale_scratch(folder, older_than_s))


def clear_stale_previews(folder: Path, older_than_s: float = 0.0) -> int:
    """Delete preview pieces no running render is writing; returns the bytes freed.
    A preview folder that is a link is never followed: its files are not the studio's."""
    return sum(delete_own(folder, path) for path in stale_previews(folder, older_than_s))
