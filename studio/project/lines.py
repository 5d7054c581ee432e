"""What the studio remembers about each line, in `.stitch/lines.json`.

The script file holds only the creator's words. Each line's id, its own voice,
speed and pause after it, and its chosen take live here, together with the line's last known text:
that text is how the id is found again after a restart or an edit made in
another editor. Lines that left the script are kept as retired, so that putting
the same words back brings their takes back with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from studio.project.identity import match_lines
from studio.project.manifest import SPEED_RANGE
from studio.project.script import ScriptDocument

LINES_FILE = Path(".stitch") / "lines.json"
LINES_SCHEMA = 1
# Enough to bring back anything deleted in the last several sessions, small enough to read fast.
RETIRED_LIMIT = 1000
PAUSE_RANGE = (0.0, 10.0)  # seconds of silence after a line (the timeline's longest gap)


@dataclass(frozen=True)
class LineSettings:
    """A line's own choices; None means "as the project says"."""

    voice: str | None = None
    speed: float | None = None
    chosen: str | None = None  # take id
    pause_after: float | None = None  # seconds of silence before the next line; None: the timeline's gap

    def to_dict(self) -> dict:
        return {k: v for k, v in (("voice", self.voice), ("speed", self.speed), ("chosen", self.chosen),
                                  ("pause_after", self.pause_after)) if v is not None}

    @classmethod
    def from_dict(cls, d: dict) -> "LineSettings":
        # A hand-edited or damaged value is dropped rather than failing the whole project.
        voice = d.get("voice") if isinstance(d.get("voice"), str) and d.get("voice") else None
        speed = d.get("speed")
        low, high = SPEED_RANGE
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not low <= speed <= high:
            speed = None
        chosen = d.get("chosen") if isinstance(d.get("chosen"), str) and d.get("chosen") else None
        pause = d.get("pause_after")
        if isinstance(pause, bool) or not isinstance(pause, (int, float)) or not PAUSE_RANGE[0] <= pause <= PAUSE_RANGE[1]:
            pause = None
        return cls(voice, float(speed) if speed is not None else None, chosen, float(pause) if pause is not None else None)


NO_SETTINGS = LineSettings()


@dataclass(frozen=True)
class RetiredLine:
    id: str
    text: str
    settings: LineSettings = NO_SETTINGS


@dataclass
class LineBook:
    """The contents of lines.json."""

    lines: list[tuple[str, str]] = field(default_factory=list)  # (id, text), script order
    scenes: list[tuple[str, str]] = field(default_factory=list)  # (id, title)
    settings: dict[str, LineSettings] = field(default_factory=dict)
    retired: tuple[RetiredLine, ...] = ()

    @classmethod
    def from_payload(cls, data) -> "LineBook":
        book = cls()
        if not isinstance(data, dict):
            return book
        seen: set[str] = set()

        def records(key):
            for record in data.get(key) or ():
                if isinstance(record, dict) and isinstance(record.get("id"), str) and record["id"] not in seen:
                    seen.add(record["id"])
                    yield record["id"], record.get("text") if isinstance(record.get("text"), str) else "", record

        for line_id, text, record in records("lines"):
            book.lines.append((line_id, text))
            settings = LineSettings.from_dict(record)
            if settings != NO_SETTINGS:
                book.settings[line_id] = settings
        book.retired = tuple(RetiredLine(i, t, LineSettings.from_dict(r)) for i, t, r in records("retired"))
        for record in data.get("scenes") or ():
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                title = record.get("title")
                book.scenes.append((record["id"], title if isinstance(title, str) else ""))
        return book


def payload(doc: ScriptDocument, settings: dict[str, LineSettings], retired: tuple[RetiredLine, ...]) -> dict:
    """What lines.json (and an autosave) holds for this document."""
    return {
        "schema": LINES_SCHEMA,
        "lines": [
            {"id": line_id, "text": text, **settings.get(line_id, NO_SETTINGS).to_dict()}
            for line_id, text in zip(doc.line_ids(), doc.line_texts())
        ],
        "scenes": [{"id": i, "title": t} for i, t in zip(doc.scene_ids(), doc.scene_titles())],
        "retired": [{"id": r.id, "text": r.text, **r.settings.to_dict()} for r in retired],
    }


def retire(retired: tuple[RetiredLine, ...], *lines: RetiredLine) -> tuple[RetiredLine, ...]:
    return (retired + lines)[-RETIRED_LIMIT:]


def attach_ids(doc: ScriptDocument, book: LineBook) -> tuple[dict[str, LineSettings], tuple[RetiredLine, ...]]:
    """Give a freshly parsed document the ids `book` remembers.

    Returns the settings of the lines now in the script and the retired lines:
    lines that left the script are retired, retired lines whose exact words came
    back are active again.
    """
    texts = doc.line_texts()
    ids = match_lines(book.lines, texts)

    # The most recently retired line with the same words wins.
    retired_by_text: dict[str, list[RetiredLine]] = {}
    for line in book.retired:
        retired_by_text.setdefault(line.text, []).append(line)
    back: set[str] = set()
    settings: dict[str, LineSettings] = {}
    for j, line_id in enumerate(ids):
        if line_id is None:
            candidates = retired_by_text.get(texts[j])
            if candidates:
                line = candidates.pop()
                ids[j] = line.id
                back.add(line.id)
                if line.settings != NO_SETTINGS:
                    settings[line.id] = line.settings
        elif line_id in book.settings:
            settings[line_id] = book.settings[line_id]

    present = set(ids)
    gone = [
        RetiredLine(line_id, text, book.settings.get(line_id, NO_SETTINGS))
        for line_id, text in book.lines
        if line_id not in present
    ]
    retired = retire(tuple(line for line in book.retired if line.id not in back), *gone)
    titles = doc.scene_titles()
    if titles and not titles[0] and doc.title():
        # The lines under a `# Title` were that heading's scene before the title was told
        # apart from the scenes: they keep its id (and the pictures chosen for it).
        titles[0] = doc.title()
    doc.set_ids(ids, match_lines(book.scenes, titles))
    return settings, retired
