"""The script file on disk: what the studio last read or wrote, and another editor's save.

Changes are noticed by size and time stamp first, then confirmed by a hash, so a
touch without an edit is not a change. When the studio and another editor both
changed the script, the other version is held as a conflict until the creator
picks one; the studio never writes over a version it has not seen.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from studio.errors import ProjectError
from studio.project.readers import script_text
from studio.storage import atomic_write_bytes, decode_text, encode_text

READ_ONLY_SUFFIXES = (".docx", ".fountain")


@dataclass(frozen=True)
class DiskScript:
    """What the script file held when the studio last read or wrote it."""

    mtime_ns: int
    size: int
    digest: str
    text: str
    encoding: str

    @classmethod
    def read(cls, path: Path) -> "DiskScript":
        try:
            raw = path.read_bytes()
            st = os.stat(path)
        except OSError as exc:
            raise ProjectError(f"{path.name} could not be read ({exc.strerror or exc}). Check that it is there and readable; nothing was changed.") from exc
        if path.suffix.lower() in READ_ONLY_SUFFIXES:
            # Word and Fountain scripts are read as Markdown and never written back.
            text, encoding = script_text(raw, path.name), "read-only"
        else:
            text, encoding = decode_text(raw, path.name)
        return cls(st.st_mtime_ns, st.st_size, digest(raw), text, encoding)

    def same_stat(self, st: os.stat_result) -> bool:
        return (st.st_mtime_ns, st.st_size) == (self.mtime_ns, self.size)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ScriptFile:
    def __init__(self, path: Path, disk: DiskScript):
        self.path = path
        self.disk = disk  # the version the studio's edits started from
        self.conflict: DiskScript | None = None  # another editor's version, while unsettled

    def peek(self) -> DiskScript | None:
        """The file as it is now; read only when its size or time stamp moved."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            # Editors that save by delete-and-rename leave a moment without the file.
            return None
        for known in (self.disk, self.conflict):
            if known is not None and known.same_stat(st):
                return known
        return DiskScript.read(self.path)

    def adopt(self, disk: DiskScript) -> None:
        self.disk, self.conflict = disk, None

    def keep_mine(self) -> None:
        """Treat the other editor's version as seen: the next write replaces it."""
        if self.conflict is not None:
            self.adopt(self.conflict)

    def write(self, text: str) -> None:
        if self.path.suffix.lower() in READ_ONLY_SUFFIXES:
            raise read_only_error(self.path.name)
        # Encoded first: a character the file's encoding cannot hold stops before any write.
        data = encode_text(text, self.disk.encoding, self.path.name)
        now = self.peek()
        if now is not None and now.digest != self.disk.digest:
            raise ProjectError(
                f"{self.path.name} was changed in another editor while you were editing it. "
                "Reload it or keep your version, then save again; nothing was saved."
            )
        # Through a symlink to the file it points at, so the link stays a link.
        atomic_write_bytes(self.path.resolve(), data)
        st = os.stat(self.path)
        self.adopt(DiskScript(st.st_mtime_ns, st.st_size, digest(data), text, self.disk.encoding))


def read_only_error(name: str) -> ProjectError:
    return ProjectError(
        f"{name} is read by the studio but written only by the app it comes from. Change the words "
        "there and save: the studio reads the new version. Nothing was changed."
    )
