"""Takes: the record of every render, kept in `.stitch/takes.json`.

A take's audio lives in `renders/`, named by its cache key; the record says which
line it was made for and from what request. Records are written the moment a take
exists, so a crash never loses a render that finished.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from studio.errors import StudioError
from studio.project.lock import records_lock
from studio.project.paths import OutsideProject, inside_project, is_inside
from studio.project.shapes import take_problem, takes_shape
from studio.storage import atomic_write_bytes, read_json

TAKES_FILE = Path(".stitch") / "takes.json"
TAKES_SCHEMA = 1


@dataclass
class Take:
    id: str
    line_id: str
    path: str  # posix, relative to the project folder: "renders/ab12....wav"
    cache_key: str
    engine: str
    model: str
    voice: str
    speed: float
    text: str
    g2p: str
    seconds: float  # wall time the render took
    duration: float  # length of the audio
    sample_rate: int
    created: str  # ISO 8601, UTC
    tier: str = "draft"  # "draft", "final", or "recording" (the creator's own file, by reference)
    request: dict = field(default_factory=dict)
    offset: float = 0.0  # where the take starts in its file: one recording holds many lines

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Take":
        # Keys a newer studio added are ignored; keys an older one lacked get empty values.
        values = {}
        for f in fields(cls):
            if f.name in d:
                values[f.name] = d[f.name]
            elif f.name in _EMPTY:
                values[f.name] = _EMPTY[f.name]
        return cls(**values)


_EMPTY = {
    "id": "", "line_id": "", "path": "", "cache_key": "", "engine": "", "model": "",
    "voice": "", "speed": 1.0, "text": "", "g2p": "", "seconds": 0.0, "duration": 0.0,
    "sample_rate": 0, "created": "",
}


class TakeStore:
    """All takes of one project. Safe to use from worker threads, and from two processes:
    every change is made to the file as it is on disk, under the project's record lock
    (`lock.records_lock`), and a read picks up what another process recorded since."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._path = self.folder / TAKES_FILE
        self._lock = threading.Lock()
        self._takes: list[Take] = []
        self._by_id: dict[str, Take] = {}
        self._by_line: dict[str, list[Take]] = {}
        self._extra: dict = {}
        self._refused: list[dict] = []  # records whose path leads outside: kept in the file, never used
        # Records this studio cannot use (damaged by hand, or from another version) are kept
        # verbatim in every rewrite, so nothing in the file is lost.
        self._unread: list = []
        self.notices: list[str] = []
        # Each record's JSON, made once: the file is rewritten whole on every new take, and
        # encoding thousands of records again each time made long scripts slow.
        self._encoded: dict[int, tuple[Take, str]] = {}
        self._signature = None
        self._load()

    def add(self, take: Take) -> None:
        with records_lock(self.folder), self._lock:
            self._reload()  # what another process recorded meanwhile is kept
            if take.id in self._by_id:
                return
            # Written first: if the disk refuses, the store stays as the file says.
            self._write(self._takes + [take])
            self._index(take)

    def remove(self, take_ids) -> list[Take]:
        """Forget these takes' records (their files are the caller's business); returns them."""
        gone = set(take_ids)
        with records_lock(self.folder), self._lock:
            self._reload()
            removed = [take for take in self._takes if take.id in gone]
            if not removed:
                return []
            kept = [take for take in self._takes if take.id not in gone]
            self._write(kept)
            self._takes, self._by_id, self._by_line = [], {}, {}
            for take in kept:
                self._index(take)
        return removed

    def get(self, take_id: str) -> Take | None:
        with self._lock:
            self._catch_up()
            return self._by_id.get(take_id)

    def for_line(self, line_id: str) -> list[Take]:
        """The line's takes, newest first."""
        with self._lock:
            self._catch_up()
            mine = list(self._by_line.get(line_id, ()))
        # Stable sort on the recorded time: takes made in the same instant keep their order.
        mine.reverse()
        mine.sort(key=lambda take: take.created, reverse=True)
        return mine

    def find_by_key(self, cache_key: str) -> Take | None:
        """The newest take rendered from this exact request whose audio is still on disk."""
        with self._lock:
            self._catch_up()
            candidates = [take for take in reversed(self._takes) if take.cache_key == cache_key]
        for take in candidates:
            if is_inside(self.folder, take.path) and (self.folder / take.path).is_file():
                return take
        return None

    def all(self) -> list[Take]:
        with self._lock:
            self._catch_up()
            return list(self._takes)

    def refused(self) -> list[str]:
        """A sentence for each record the studio will not use (its path leads outside the folder)."""
        with self._lock:
            return [_refusal(self.folder, record) for record in self._refused]

    def _index(self, take: Take) -> None:
        self._takes.append(take)
        self._by_id[take.id] = take
        self._by_line.setdefault(take.line_id, []).append(take)

    def _catch_up(self) -> None:
        """Read the file again when another process changed it (a stat when it did not)."""
        if file_signature(self._path) != self._signature:
            try:
                self._load()
            except StudioError:
                pass  # damaged meanwhile: what this process knows stays in use; a change will refuse

    def _reload(self) -> None:
        """Read the file again if it changed since this process last read or wrote it (a damaged
        file is refused, so a change is never made over it)."""
        if file_signature(self._path) != self._signature:
            self._load()

    def _load(self) -> None:
        signature = file_signature(self._path)
        # A file of the wrong shape is refused with a sentence, never counted as empty.
        data = read_json(self._path, default={"takes": []}, shape=takes_shape)
        self._takes, self._by_id, self._by_line, self._refused, self._unread = [], {}, {}, [], []
        for record in data["takes"]:
            if take_problem(record) is not None:
                self._unread.append(record)
            elif not is_inside(self.folder, record.get("path")):
                self._refused.append(record)
            else:
                self._index(Take.from_dict(record))
        self.notices = [unread_notice(self._unread, TAKES_FILE.as_posix(), take_problem)] if self._unread else []
        # A newer studio's extra top-level keys survive our rewrites of the file.
        self._extra = {k: v for k, v in data.items() if k not in ("schema", "takes")}
        self._signature = signature

    def _write(self, takes: list[Take]) -> None:
        records = [self._encode(take) for take in takes] + [_dumps(record) for record in self._refused + self._unread]
        head = "".join(f" {_dumps(k)}: {_dumps(v)},\n" for k, v in {"schema": TAKES_SCHEMA, **self._extra}.items())
        body = ",\n".join(f"  {r}" for r in records)
        text = f'{{\n{head} "takes": [' + (f"\n{body}\n ]" if records else "]") + "\n}\n"
        atomic_write_bytes(self._path, text.encode("utf-8"))
        self._signature = file_signature(self._path)
        alive = {id(take) for take in takes}
        self._encoded = {key: value for key, value in self._encoded.items() if key in alive}

    def _encode(self, take: Take) -> str:
        known = self._encoded.get(id(take))
        if known is None or known[0] is not take:
            known = self._encoded[id(take)] = (take, _dumps(take.to_dict()))
        return known[1]


def file_signature(path: Path):
    """What changes whenever the file is replaced (every write is a rename over it)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _refusal(folder: Path, record: dict) -> str:
    try:
        inside_project(folder, record.get("path"), "A take's audio file")
    except OutsideProject as exc:
        return exc.message
    return "A take's audio file is back inside the project; open the project again to use it."


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def unread_notice(records: list, name: str, problem) -> str:
    """One sentence for the records of `name` the studio set aside (and keeps as they are)."""
    count = len(records)
    first = problem(records[0]) or "it cannot be read"
    what = "1 record" if count == 1 else f"{count:,} records"
    return (f"{what} in {name} could not be used ({'the first: ' if count > 1 else ''}{first}); "
            f"{'it is' if count == 1 else 'they are'} kept in the file as {'it is' if count == 1 else 'they are'}. "
            "Fix it in a text editor to bring that take back.")
