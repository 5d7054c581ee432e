"""Crash safety for an open project: the session lock and the autosave.

While a project is open, `.stitch/session.lock` says so and `.stitch/autosave.json`
holds the unsaved edits. A clean close removes both; finding them at the next open
means the last session ended without closing, and its edits can be offered back.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from studio.errors import StorageError
from studio.storage import atomic_write_json, read_json

LOCK_FILE = Path(".stitch") / "session.lock"
AUTOSAVE_FILE = Path(".stitch") / "autosave.json"


@dataclass(frozen=True)
class Recovery:
    """Edits an earlier session autosaved and never saved."""

    saved_at: str  # ISO 8601, UTC
    script_text: str
    lines: dict  # the lines.json contents at that moment


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_lock(folder: Path) -> None:
    from studio.project import lock  # what this process is doing, for the other one's sentence

    atomic_write_json(folder / LOCK_FILE, {"pid": os.getpid(), "host": socket.gethostname(), "opened_at": now_iso(),
                                           "doing": lock.doing})


def remove_lock(folder: Path) -> None:
    """Remove the session lock if it is this process's (another studio may have written its own since)."""
    try:
        held = read_json(folder / LOCK_FILE, default=None)
    except StorageError:
        held = None
    if isinstance(held, dict) and held.get("pid") not in (None, os.getpid()) and held.get("host") == socket.gethostname():
        return
    _remove(folder / LOCK_FILE)


def lock_holder(folder: Path) -> str:
    """"Another studio process (pid N, `studio render`)", from the session lock."""
    try:
        held = read_json(folder / LOCK_FILE, default=None)
    except StorageError:
        held = None
    pid = held.get("pid") if isinstance(held, dict) else None
    doing = held.get("doing") if isinstance(held, dict) else None
    if isinstance(pid, int) and isinstance(doing, str):
        return f"Another studio process (pid {pid}, `{doing[:60]}`)"
    return "Another studio process" + (f" (pid {pid})" if isinstance(pid, int) else "")


def lock_is_live(folder: Path) -> bool:
    """Whether another studio, still running on this machine, has the project open."""
    try:
        lock = read_json(folder / LOCK_FILE, default=None)
    except StorageError:
        return False
    if not isinstance(lock, dict) or lock.get("host") != socket.gethostname():
        # A lock from another machine (a synced folder) cannot be checked: treat it as left behind.
        return False
    pid = lock.get("pid")
    # Only a real process id is asked about: 0 and negative ids name process groups, and a
    # number past what the system can hold would overflow.
    if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid < 2**31 or pid == os.getpid():
        return False
    if sys.platform == "win32":
        # os.kill(pid, 0) would end the process on Windows; assume it was left behind.
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it just belongs to someone else
    except (OSError, OverflowError, ValueError):
        return False
    return True


def write_autosave(folder: Path, script_text: str, lines: dict) -> None:
    atomic_write_json(folder / AUTOSAVE_FILE, {"saved_at": now_iso(), "script_text": script_text, "lines": lines})


def remove_autosave(folder: Path) -> None:
    """Remove the autosave a clean save or close made obsolete; a damaged one is kept as it is
    (the studio did not write it that way, so it may be the only copy of something)."""
    path = folder / AUTOSAVE_FILE
    try:
        read_json(path, default=None, shape=_autosave_shape)
    except StorageError:
        return
    _remove(path)


def _autosave_shape(data) -> str | None:
    if not isinstance(data, dict):
        return "it is not a set of named values"
    if not isinstance(data.get("script_text"), str):
        return "it holds no script text"
    if "lines" in data and not isinstance(data["lines"], dict):
        return "its lines are not a set of named values"
    return None


def find_recovery(folder: Path, script_path: Path, disk_text: str, disk_lines: dict,
                  notices: list[str] | None = None) -> Recovery | None:
    """The autosave an unclosed session left, if it is newer than the script and differs from it.

    A damaged autosave cannot be offered: a copy is kept in `.stitch/damaged/` (a later clean
    close removes the file itself) and the sentence saying so goes to `notices`."""
    path = folder / AUTOSAVE_FILE
    try:
        data = read_json(path, default=None, shape=_autosave_shape)
        saved = path.stat().st_mtime_ns if data is not None else 0
    except (StorageError, OSError) as exc:
        if notices is not None:
            notices.append(str(exc))
        return None
    if data is None:
        return None
    try:
        if saved < script_path.stat().st_mtime_ns:
            return None  # the script was saved (maybe elsewhere) after this autosave
    except OSError:
        pass
    lines = data.get("lines") if isinstance(data.get("lines"), dict) else {}
    if data["script_text"] == disk_text and _same(lines, disk_lines):
        return None
    return Recovery(str(data.get("saved_at", "")), data["script_text"], lines)


def _same(a: dict, b: dict) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise StorageError(f"Could not remove {path.name}: {exc.strerror or exc}.") from exc
