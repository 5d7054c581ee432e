"""Two studio processes on one project: an OS file lock around every update of the records.

Every change to a record file (`takes.json`, `lines.json`, `images.json`, `trash.json`, ...)
is a read-modify-write done under `records_lock(folder)`: the file is read again, this
process's change is applied to what is on disk, and the result is written. So a second
process (a CLI render beside the window, a final render beside a draft one) never writes
back a stale copy over the other's records.

`render_lock(folder, key)` is held while one request is rendered: a second process that
wants the same audio waits, then finds the take on disk instead of rendering (and paying
for) it again.

The locks are `fcntl.flock` (`msvcrt.locking` on Windows) on small files in
`.stitch/locks/`; the system lets go of them when a process ends, even by kill -9, so a
crashed studio never leaves a project locked. The holder writes its pid and command into
the lock file, so a waiting process can say who it waits for.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from studio.errors import Cancelled, ProjectError, StorageError, StudioError
from studio.project.paths import refuse_studio_links

LOCKS_DIR = Path(".stitch") / "locks"
RECORDS_LOCK = LOCKS_DIR / "records.lock"
WAIT_LIMIT_S = 600.0  # a record update takes milliseconds; a render of one line, minutes at most

log = logging.getLogger(__name__)

# What this process is, in the creator's words ("studio render"); set by the CLI and the window.
doing = "the studio"
# Told, once per wait, that another process holds the lock; the CLI prints it on stderr.
on_wait: Callable[[str], None] | None = None

_held: dict[str, tuple[threading.RLock, list]] = {}  # lock file → (thread lock, [fd, depth])
_held_guard = threading.Lock()


def describe(what: str) -> None:
    """Say what this process is doing, for another process that waits on it."""
    global doing
    doing = what


@contextmanager
def records_lock(folder):
    """Hold the project's record lock (re-entrant within this process)."""
    with _file_lock(Path(folder), RECORDS_LOCK, "is working on this project"):
        yield


@contextmanager
def render_lock(folder, cache_key: str, is_cancelled: Callable[[], bool] | None = None):
    """Hold the lock of one request's audio while it is rendered."""
    relative = LOCKS_DIR / f"render-{cache_key[:20]}.lock"
    with _file_lock(Path(folder), relative, "is rendering this line", is_cancelled):
        yield


OPEN_LOCK = LOCKS_DIR / "open.lock"
_open: dict[str, list] = {}  # folder → [fd, projects of this process that hold it]


def hold_open(folder) -> bool:
    """Hold a shared lock on the project for as long as it is open; True when another process
    had it open already (its half-written files and previews must then be left alone).
    A second Project of this same process on the folder says False (the session lock tells)."""
    key = os.path.abspath(Path(folder) / OPEN_LOCK)
    with _held_guard:
        held = _open.get(key)
        if held is not None:
            held[1] += 1
            return False
        fd = _open_lock_file(Path(folder), OPEN_LOCK)
        others = not _try_lock(fd)
        if not others:
            _share(fd)  # downgrade: other processes may open it too
        else:
            deadline = time.monotonic() + 5.0
            while not _try_share(fd) and time.monotonic() < deadline:  # another one is probing right now
                time.sleep(0.02)
        _open[key] = [fd, 1]
        return others


def let_go_open(folder) -> None:
    key = os.path.abspath(Path(folder) / OPEN_LOCK)
    with _held_guard:
        held = _open.get(key)
        if held is None:
            return
        held[1] -= 1
        if held[1] <= 0:
            del _open[key]
            _release(held[0])


def open_elsewhere(folder) -> bool:
    """Whether another Project (of this process or another) holds the project open now."""
    key = os.path.abspath(Path(folder) / OPEN_LOCK)
    with _held_guard:
        if key in _open:
            return True
        try:
            fd = _open_lock_file(Path(folder), OPEN_LOCK)
        except StudioError:
            return True
        try:
            free = _try_lock(fd)
        finally:
            os.close(fd)  # closing lets go of the probe's lock too
        return not free


def holder(folder, relative: Path = RECORDS_LOCK) -> dict | None:
    """{"pid", "doing"} of the process that last held this lock (it may have let go since)."""
    try:
        data = json.loads((Path(folder) / relative).read_text(encoding="utf-8") or "null")
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


@contextmanager
def _file_lock(folder: Path, relative: Path, busy: str, is_cancelled=None):
    path = folder / relative
    key = os.path.abspath(path)
    with _held_guard:
        entry = _held.setdefault(key, (threading.RLock(), [None, 0]))
    thread_lock, state = entry
    # Threads of this process take turns on the thread lock; the file lock is between processes.
    while not thread_lock.acquire(timeout=0.1):
        if is_cancelled is not None and is_cancelled():
            raise Cancelled("Stopped while waiting for another render of the same line.")
    try:
        if state[1] == 0:
            state[0] = _acquire(folder, relative, busy, is_cancelled)
        state[1] += 1
        try:
            yield
        finally:
            state[1] -= 1
            if state[1] == 0:
                fd, state[0] = state[0], None
                _release(fd)
    finally:
        thread_lock.release()


def _open_lock_file(folder: Path, relative: Path) -> int:
    refuse_studio_links(folder, relative.parent.as_posix())
    path = folder / relative
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise StorageError(
            f"Could not lock the project's records ({exc.strerror or exc}); nothing was changed.", detail=repr(exc)
        ) from exc


def _acquire(folder: Path, relative: Path, busy: str, is_cancelled) -> int:
    fd = _open_lock_file(folder, relative)
    started = time.monotonic()
    told = False
    try:
        while not _try_lock(fd):
            if not told:
                told = True
                _tell(folder, relative, busy)
            if is_cancelled is not None and is_cancelled():
                raise Cancelled("Stopped while waiting for another studio process.")
            if time.monotonic() - started > WAIT_LIMIT_S:
                who = _who(folder, relative)
                raise ProjectError(
                    f"{who} has held this project for {int(WAIT_LIMIT_S // 60)} minutes; "
                    "let it finish (or close it) and try again. Nothing was changed."
                )
            time.sleep(0.05)
        _write_holder(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _release(fd: int | None) -> None:
    if fd is None:
        return
    try:
        _unlock(fd)
    finally:
        os.close(fd)


def _write_holder(fd: int) -> None:
    data = json.dumps({"pid": os.getpid(), "doing": doing}).encode("utf-8")
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        if sys.platform != "win32":
            os.ftruncate(fd, 0)
        os.write(fd, data)
    except OSError:
        pass  # who holds it is a courtesy for the waiting process, never a reason to fail


def _who(folder: Path, relative: Path) -> str:
    info = holder(folder, relative) or {}
    pid, what = info.get("pid"), info.get("doing")
    if isinstance(pid, int) and isinstance(what, str):
        return f"Another studio process (pid {pid}, `{what[:60]}`)"
    return "Another studio process"


def _tell(folder: Path, relative: Path, busy: str) -> None:
    announce(f"{_who(folder, relative)} {busy}; waiting…")


def announce(sentence: str) -> None:
    """Say something about the other processes on this project (stderr in the CLI, the log here)."""
    log.info(sentence)
    if on_wait is not None:
        try:
            on_wait(sentence)
        except Exception:
            log.exception("the lock's waiting message could not be shown")


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

    # msvcrt has no shared locks: a project open elsewhere is told by the session lock alone.
    def _share(fd: int) -> None:
        _unlock(fd)

    def _try_share(fd: int) -> bool:
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:
            raise StorageError(f"Could not lock the project's records ({exc.strerror or exc}).") from exc
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _share(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_SH)

    def _try_share(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return False
        return True
