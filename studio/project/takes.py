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

from studio.project.shapes import take_problem, takes_shape
from studio.project.storage import atomic_write_bytes, read_json

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
    """All takes of one project. Safe to use from worker threads."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._path = self.folder / TAKES_FILE
        self._lock = threading.Lock()
        # A file of the wrong shape is refused with a sentence, never counted as empty.
        data = read_json(self._path, default={"takes": []}, shape=takes_shape)
        self._takes: list[Take] = []
        self._by_id: dict[str, Take] = {}
        self._by_line: dict[str, list[Take]] = {}
        # Records this studio cannot use (damaged by hand, or from another version) are kept
        # verbatim in every rewrite, so nothing in the file is lost.
        self._unread: list = []
        for record in data["takes"]:
            if take_problem(record) is None:
                self._index(Take.from_dict(record))
            else:
                self._unread.append(record)
        self.notices = [unread_notice(self._unread, TAKES_FILE.as_posix(), take_problem)] if self._unread else []
        # A newer studio's extra top-level keys survive our rewrites of the file.
        self._extra = {k: v for k, v in data.items() if k not in ("schema", "takes")}
        # Each record's JSON, made once: the file is rewritten whole on every new take, and
        # encoding thousands of records again each time made long scripts slow.
        self._encoded: dict[int, tuple[Take, str]] = {}

    def add(self, take: Take) -> None:
        with self._lock:
            # Written first: if the disk refuses, the store stays as the file says.
            self._write(self._takes + [take])
            self._index(take)

    def remove(self, take_ids) -> list[Take]:
        """Forget these takes' records (their files are the caller's business); returns them."""
        gone = set(take_ids)
        with self._lock:
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
            return self._by_id.get(take_id)

    def for_line(self, line_id: str) -> list[Take]:
        """The line's takes, newest first."""
        with self._lock:
            mine = list(self._by_line.get(line_id, ()))
        # Stable sort on the recorded time: takes made in the same instant keep their order.
        mine.reverse()
        mine.sort(key=lambda take: take.created, reverse=True)
        return mine

    def find_by_key(self, cache_key: str) -> Take | None:
        """The newest take rendered from this exact request whose audio is still on disk."""
        with self._lock:
            candidates = [take for take in reversed(self._takes) if take.cache_key == cache_key]
        for take in candidates:
            if (self.folder / take.path).is_file():
                return take
        return None

    def all(self) -> list[Take]:
        with self._lock:
            return list(self._takes)

    def _index(self, take: Take) -> None:
        self._takes.append(take)
        self._by_id[take.id] = take
        self._by_line.setdefault(take.line_id, []).append(take)

    def _write(self, takes: list[Take]) -> None:
        records = [self._encode(take) for take in takes] + [_dumps(record) for record in self._unread]
        head = "".join(f" {_dumps(k)}: {_dumps(v)},\n" for k, v in {"schema": TAKES_SCHEMA, **self._extra}.items())
        body = ",\n".join(f"  {r}" for r in records)
        text = f'{{\n{head} "takes": [' + (f"\n{body}\n ]" if records else "]") + "\n}\n"
        atomic_write_bytes(self._path, text.encode("utf-8"))
        alive = {id(take) for take in takes}
        self._encoded = {key: value for key, value in self._encoded.items() if key in alive}

    def _encode(self, take: Take) -> str:
        known = self._encoded.get(id(take))
        if known is None or known[0] is not take:
            known = self._encoded[id(take)] = (take, _dumps(take.to_dict()))
        return known[1]


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
