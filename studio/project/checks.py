"""What the self-check heard in each take: `.stitch/checks/<take id>.json`.

Written by the check job (any thread: one atomic file per take, nothing shared),
read by the project for the editor: word timings for karaoke highlight and
captions, the word error rate, and the words that differ. The values are plain
dicts here; `studio.engines.stt.Transcript` and `studio.jobs.check.CheckResult`
read them back (the project layer knows neither).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from studio.errors import StorageError
from studio.storage import atomic_write_json, read_json

CHECKS_DIR = Path(".stitch") / "checks"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class TakeCheck:
    take_id: str
    passed: bool
    wer: float
    summary: str
    engine: str  # the transcription engine and model that listened
    model: str
    transcript: dict = field(default_factory=dict)  # Transcript.to_dict()
    result: dict = field(default_factory=dict)  # CheckResult.to_dict()

    def words(self) -> list[dict]:
        """[{text, start, end, probability}] in spoken order."""
        return [w for s in self.transcript.get("segments", ()) for w in s.get("words", ())]

    @classmethod
    def from_dict(cls, d: dict) -> "TakeCheck":
        """A stored check; TypeError when its transcript is not segments of words (edited by hand)."""
        transcript = d.get("transcript") or {}
        segments = transcript.get("segments", []) if isinstance(transcript, dict) else None
        if not isinstance(segments, list) or not all(
            isinstance(s, dict) and isinstance(s.get("words", []), list)
            and all(isinstance(w, dict) for w in s.get("words", [])) for s in segments
        ):
            raise TypeError("the stored transcript is not segments of words")
        return cls(
            take_id=str(d["take_id"]), passed=bool(d["passed"]), wer=float(d["wer"]),
            summary=str(d.get("summary", "")), engine=str(d.get("engine", "")), model=str(d.get("model", "")),
            transcript=dict(d.get("transcript") or {}), result=dict(d.get("result") or {}),
        )


def _path(folder: Path, take_id: str) -> Path | None:
    return Path(folder) / CHECKS_DIR / f"{take_id}.json" if _SAFE_ID.match(take_id or "") else None


def write_check(folder: Path, check: TakeCheck) -> None:
    path = _path(folder, check.take_id)
    if path is None:
        raise ValueError(f"not a take id: {check.take_id!r}")
    atomic_write_json(path, {"schema": 1, **asdict(check)})


def read_check(folder: Path, take_id: str) -> TakeCheck | None:
    path = _path(folder, take_id)
    try:
        data = read_json(path, default=None) if path is not None else None
        return TakeCheck.from_dict(data) if isinstance(data, dict) else None
    except (KeyError, TypeError, ValueError, StorageError):
        return None  # a damaged check is as good as none: the take is checked again


def remove_check(folder: Path, take_id: str) -> None:
    path = _path(folder, take_id)
    if path is not None and path.is_file():
        path.unlink()


class ProjectChecks:
    """The self-check as the editor sees it: part of `Project` (see files.py for why it is split)."""

    def take_check(self, take_id: str) -> TakeCheck | None:
        """What the self-check heard in this take, or None before it has listened."""
        return read_check(self.folder, take_id)

    def check_state(self, line_id: str) -> str:
        """"unchecked", "passed" or "failed", for the take that plays for this line."""
        take = self.chosen_take(line_id)
        check = self.take_check(take.id) if take is not None else None
        if check is None:
            return "unchecked"
        return "passed" if check.passed else "failed"

    def check_recorded(self, take_id: str) -> None:
        """Tell views that a take's check arrived (the job wrote it on a worker thread)."""
        take = self.takes.get(take_id)
        if take is not None:
            self._emit("line", take.line_id)
