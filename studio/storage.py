"""Atomic file writes, careful text reads and file checksums.

Every file the studio writes goes through `atomic_write_bytes`: a temporary file
in the same folder, flushed and fsynced, then renamed over the target. A crash at
any point leaves either the old file or the new one, never half of either.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from studio.errors import StorageError

# Tried in order when reading a script the creator wrote. UTF-16 only with a BOM,
# cp1252 last because it decodes most bytes and would hide a wrong guess.
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


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


def read_json(path: Path, default=None):
    """Read a JSON file the studio wrote; a missing file gives `default`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return default
    except OSError as exc:
        raise StorageError(f"Could not read {path.name}: {exc.strerror or exc}.") from exc
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StorageError(
            f"{path.name} is damaged and could not be read ({exc}). "
            "It was left as it is; move it away to start that part afresh.",
        ) from exc


def decode_text(data: bytes, name: str = "the file") -> tuple[str, str]:
    """Decode a creator's text file. Returns (text, encoding) or raises StorageError."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
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
