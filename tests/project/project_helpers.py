"""Helpers for the project-layer tests: hashing folders, finding temp files, making takes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from studio.project.takes import Take


def file_hashes(folder: Path) -> dict[str, str]:
    """Every file under `folder` (the studio's own data excluded) with the hash of its bytes."""
    found = {}
    for path in sorted(Path(folder).rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and not relative.startswith(".stitch/"):
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def leftover_temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in Path(folder).rglob("*") if p.name.endswith((".tmp", ".probe")))


def make_take(project, line_id: str, key: str, created: str = "2025-01-01T00:00:00+00:00", write_file: bool = True) -> Take:
    path = f"renders/{key[:20]}.wav"
    if write_file:
        (project.folder / path).write_bytes(b"RIFF fake wav")
    return Take(
        id=f"take-{key}", line_id=line_id, path=path, cache_key=key, engine="kokoro-onnx",
        model="tone", voice="af", speed=1.0, text=project.line(line_id).text, g2p="none",
        seconds=0.1, duration=1.5, sample_rate=24000, created=created,
    )
