"""Atomic file writes, careful text reads and file checksums.

Every file the studio writes goes through `atomic_write_bytes`: a temporary file
in the same folder, flushed and fsynced, then renamed over the target. A crash at
any point leaves either the old file or the new one, never half of either.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Callable

from studio.errors import StorageError

# Tried in order when reading a script the creator wrote. UTF-16 and UTF-32 only with a
# BOM (UTF-32 first: its little-endian BOM starts like UTF-16's), cp1252 last because it
# decodes most bytes and would hide a wrong guess.
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)
# Control characters no text editor writes into prose (tab, newlines, vertical tab and form
# feed are text).
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
# Where a studio file of the wrong shape is copied before the studio refuses it.
DAMAGED_DIR = "damaged"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise StorageError(
            f"Could not write {path.name}: {exc.strerror or exc}. Nothing was changed.",
            detail=repr(exc),
        ) from exc
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _give_mode(tmp, path)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise StorageError(
            f"Could not write {path.name}: {exc.strerror or exc}. The previous version is intact.",
            detail=repr(exc),
        ) from exc
    _fsync_dir(path.parent)


def _give_mode(tmp: str, path: Path) -> None:
    # mkstemp makes owner-only files; a creator's script saved by the studio must keep
    # the permissions it had (or get the usual ones when new).
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_UMASK
    try:
        os.chmod(tmp, mode)
    except OSError:
        pass


def _read_umask() -> int:
    # The only portable way to read the umask is to set it; done once, at import.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def encode_text(text: str, encoding: str, name: str) -> bytes:
    """Encode for writing, or say which character the file's encoding cannot hold."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise StorageError(
            f"{name} is stored as {encoding}, which cannot hold {bad!r}. "
            "Remove that character or convert the file to UTF-8; nothing was changed.",
        ) from exc


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, encode_text(text, encoding, Path(path).name))


def atomic_write_json(path: Path, value) -> None:
    atomic_write_bytes(path, (json.dumps(value, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))


def read_json(path: Path, default=None, shape: Callable[[object], str | None] | None = None):
    """Read a JSON file the studio wrote; a missing file gives `default`.

    A file that is not JSON is refused with a sentence and left as it is. With `shape`
    (a function returning why the value is not what the studio writes, or None when it
    is), valid JSON of the wrong shape is refused the same way, never counted as empty
    and overwritten; a copy of a refused file is kept in `.stitch/damaged/` too.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return default
    except OSError as exc:
        raise StorageError(f"Could not read {shown_name(path)}: {exc.strerror or exc}.") from exc
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        if shape is None:
            raise StorageError(
                f"{shown_name(path)} is damaged and could not be read ({reason}). "
                "It was left as it is; move it away to start that part afresh.",
            ) from None
        raise damaged_file(path, raw, reason) from None
    if shape is not None:
        try:
            problem = shape(value)
        except RecursionError:
            problem = "it is nested too deeply"
        if problem:
            raise damaged_file(path, raw, problem)
    return value


def shown_name(path: Path) -> str:
    """A studio file as the creator finds it: `.stitch/takes.json`, else its name."""
    parts = Path(path).parts
    if ".stitch" in parts:
        return "/".join(parts[len(parts) - 1 - parts[::-1].index(".stitch"):])
    return Path(path).name


def keep_damaged(path: Path, raw: bytes) -> Path | None:
    """Copy a damaged studio file into `.stitch/damaged/` (once per content); where it went."""
    path = Path(path)
    parts = path.parts
    if ".stitch" in parts:
        at = len(parts) - 1 - parts[::-1].index(".stitch")
        folder = Path(*parts[: at + 1]) / DAMAGED_DIR
        stem = "-".join(parts[at + 1 : -1] + (path.stem,))
    else:
        folder, stem = path.parent, path.stem + ".damaged"
    target = folder / f"{stem}.{hashlib.sha256(raw).hexdigest()[:10]}{path.suffix}"
    try:
        if not target.is_file():
            atomic_write_bytes(target, raw)
    except (OSError, StorageError):
        return None
    return target


def damaged_file(path: Path, raw: bytes, reason: str) -> StorageError:
    """The sentence for a studio file that is not what the studio wrote, its copy kept."""
    backup = keep_damaged(path, raw)
    kept = f" A copy is kept as {shown_name(backup)}." if backup is not None else ""
    return StorageError(
        f"{shown_name(path)} is not what the studio wrote ({reason.rstrip('.')}), so it was not used "
        f"and was left as it is.{kept} Fix it in a text editor, or move it away to start that part afresh.",
    )


def decode_text(data: bytes, name: str = "the file") -> tuple[str, str]:
    """Decode a creator's text file. Returns (text, encoding) or raises StorageError."""
    for bom, encoding, label in _BOMS:
        if data.startswith(bom):
            try:
                return _text_only(data.decode(encoding), name), encoding
            except UnicodeDecodeError:
                # A BOM says what the file is; bytes that do not fit are damage, not another encoding.
                raise StorageError(
                    f"{name} starts as {label} text but is cut short or damaged, so it cannot be read "
                    "as words. Save it again as UTF-8 in your editor; nothing was changed."
                ) from None
    for encoding in ("utf-8", "cp1252"):
        try:
            return _text_only(data.decode(encoding), name), encoding
        except UnicodeDecodeError:
            continue
    raise StorageError(
        f"{name} is not in a text encoding the studio can read (UTF-8, UTF-16 with a BOM "
        "or Windows-1252). Save it as UTF-8 in your editor and open the folder again; "
        "nothing was changed."
    )


def sha256_file(path: Path, block: int = 1 << 20) -> str:
    """The sha256 of a file's bytes, read a block at a time (weights are gigabytes)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(block):
            h.update(chunk)
    return h.hexdigest()
def _text_only(text: str, name: str) -> str:
    """Refuse a file that decodes but is not prose: a picture, a sound, UTF-16 without its BOM."""
    if _NOT_TEXT.search(text):
        raise StorageError(
            f"{name} is not a text file (it holds bytes no text editor writes, such as NUL), so "
            "it cannot be narrated. Choose the script you write in, saved as UTF-8; nothing was changed."
        )
    return text
