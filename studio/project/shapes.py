"""What each studio file under `.stitch/` must look like before the studio trusts it.

Each `*_shape` function takes the parsed JSON of one file and returns why it is not what
the studio writes (a few words, shown in a sentence), or None when it is. `read_json(...,
shape=...)` refuses a file of the wrong shape as it refuses broken JSON: it is never
counted as empty and overwritten, and a copy is kept in `.stitch/damaged/`.

Record checks (`take_problem`, `image_take_problem`) look at one take: a record that fails
is not used, and the store keeps it verbatim in every rewrite, so nothing is lost.
"""

from __future__ import annotations

import math

_NOT_TABLE = "it is not a set of named values"


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _list_of(data, key: str, what: str, required: bool = True) -> str | None:
    if not isinstance(data, dict):
        return _NOT_TABLE
    if key not in data:
        return f"it has no list of {what}" if required else None
    if not isinstance(data[key], list):
        return f"its {key} are not a list of {what}"
    return None


def _fields(record, text=(), numbers=(), whole=(), tables=(), flags=()) -> str | None:
    """Why this record's fields are not of their kinds; fields it lacks are left to defaults."""
    if not isinstance(record, dict):
        return _NOT_TABLE
    if not isinstance(record.get("id"), str) or not record["id"]:
        return "it has no id"
    checks = (
        (text, lambda v: isinstance(v, str), "text"),
        (numbers, _number, "a number"),
        (whole, lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
        (tables, lambda v: isinstance(v, dict), "a set of named values"),
        (flags, lambda v: isinstance(v, bool), "true or false"),
    )
    for names, ok, kind in checks:
        for name in names:
            if name in record and not ok(record[name]):
                return f"its {name} is not {kind}"
    return None


# ---- takes ---------------------------------------------------------------------------------

_TAKE_TEXT = ("line_id", "path", "cache_key", "engine", "model", "voice", "text", "g2p", "created", "tier")
_TAKE_NUMBERS = ("speed", "seconds", "duration", "offset")


def take_problem(record) -> str | None:
    """Why one record of takes.json (or a trashed take) cannot be used as a voice take."""
    problem = _fields(record, text=_TAKE_TEXT, numbers=_TAKE_NUMBERS, whole=("sample_rate",), tables=("request",))
    if problem is None and not record.get("path"):
        return "it names no audio file"
    return problem


def image_take_problem(record) -> str | None:
    """Why one record of images.json (or a trashed image) cannot be used as an image take."""
    problem = _fields(record, text=("scene_id", "path", "source", "created", "kind", "cache_key"),
                      numbers=("seconds",), tables=("request",), flags=("pinned",))
    if problem is None:
        if not isinstance(record.get("scene_id"), str) or not isinstance(record.get("path"), str) or not record["path"]:
            return "it names no scene or no picture"
        seed = record.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            return "its seed is not a whole number"
    return problem


def takes_shape(data) -> str | None:
    """takes.json and images.json: {"schema": 1, "takes": [record, ...]}."""
    return _list_of(data, "takes", "takes")


def trash_shape(data) -> str | None:
    """trash.json: {"schema": 1, "takes": [{"take": record, "file": name or null}, ...]}."""
    problem = _list_of(data, "takes", "deleted takes")
    if problem is None:
        for n, item in enumerate(data["takes"], 1):
            if not isinstance(item, dict) or not isinstance(item.get("take"), dict):
                return f"deleted take {n} is not a take"
            if item.get("file") is not None and not isinstance(item["file"], str):
                return f"the file of deleted take {n} is not a name"
    return problem


# ---- lines, scenes and the voice book -----------------------------------------------------


def lines_shape(data) -> str | None:
    """lines.json: lines, scenes and retired lines, each a list of records with an id."""
    if not isinstance(data, dict):
        return _NOT_TABLE
    if "lines" not in data:
        return "it has no list of lines"
    for key, text in (("lines", "text"), ("scenes", "title"), ("retired", "text")):
        problem = _list_of(data, key, key, required=False)
        if problem:
            return problem
        for n, record in enumerate(data.get(key) or (), 1):
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                return f"entry {n} of its {key} has no id"
            if text in record and not isinstance(record[text], str):
                return f"entry {n} of its {key} has a {text} that is not text"
    return None


def scenes_shape(data) -> str | None:
    """scenes.json: {"scenes": {scene id: {"prompt", "direction", "chosen", "negative"}}}."""
    if not isinstance(data, dict):
        return _NOT_TABLE
    scenes = data.get("scenes", {})
    if not isinstance(scenes, dict) or not all(isinstance(v, dict) for v in scenes.values()):
        return "its scenes are not a set of named scenes"
    return None


def book_shape(key: str):
    """pronunciation.json ("entries") and blends.json ("blends"): word → text."""

    def shape(data) -> str | None:
        if not isinstance(data, dict):
            return _NOT_TABLE
        found = data.get(key, {})
        if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
            return f"its {key} are not words with their text"
        return None

    return shape


def table_shape(data) -> str | None:
    """Any file the studio writes as one set of named values (the timeline)."""
    return None if isinstance(data, dict) else _NOT_TABLE
