"""Reading a planning model's reply: unwrap, parse, validate, keep only what the script has.

Many models wrap JSON in a Markdown fence or think aloud first (`<think>...</think>`,
as reasoning models served by Ollama or llama.cpp do); both are taken off before
parsing. A reply that is not JSON or breaks the schema raises `BadReply` with the
problems as lines, which is what the model is shown when asked again. Ids the
script does not have (and voices it does not know) are dropped, each with a
sentence saying what was dropped.
"""

from __future__ import annotations

import json
import re

from pydantic import ValidationError

from studio.errors import StudioError
from studio.plan.schema import Reply, validation_errors

_THINK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_OPEN_THINK = re.compile(r"^\s*<(think|thinking|reasoning)>.*", re.DOTALL | re.IGNORECASE)  # never closed
_FENCE = re.compile(r"```[A-Za-z0-9_-]*\s*\n?(.*?)```", re.DOTALL)


class BadReply(StudioError):
    """The reply is not a plan; `problems` says why, one line each."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message, detail="\n".join(problems))
        self.problems = problems


def unwrap(text: str) -> str:
    """The JSON in `text`: reasoning blocks and code fences taken off, prose around the object cut."""
    text = _THINK.sub("", text)
    text = _OPEN_THINK.sub("", text) if not text.lstrip().startswith("{") else text
    fenced = _FENCE.findall(text)
    if fenced:
        text = max(fenced, key=len)
    text = text.strip()
    if not text.startswith("{"):
        start, end = text.find("{"), text.rfind("}")
        if start != -1 and end > start:
            text = text[start : end + 1]
    return text


def parse_reply(text: str) -> Reply:
    raw = unwrap(text or "")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BadReply("The planning model's reply is not valid JSON.",
                       [f"the reply is not valid JSON ({exc}); answer with one JSON object only"]) from None
    if not isinstance(data, dict):
        raise BadReply("The planning model's reply is not a JSON object.", ["the reply must be one JSON object"])
    try:
        return Reply.model_validate(data)
    except ValidationError as exc:
        problems = validation_errors(exc)
        raise BadReply(f"The planning model's reply does not follow the plan's schema ({problems[0]}).", problems) from None


def keep_known(reply: Reply, scene_ids, line_ids, voices) -> tuple[Reply, list[str]]:
    """The reply without what names a scene, line or voice the project does not have; and what went."""
    scene_ids, line_ids, voices = set(scene_ids), set(line_ids), set(voices)
    dropped: list[str] = []

    def known_line(line_id, what):
        if line_id in line_ids:
            return True
        dropped.append(f"{what} for line '{line_id}', which is not in the script")
        return False

    scenes, seen = [], set()
    for scene in reply.scenes:
        if scene.scene_id not in scene_ids:
            dropped.append(f"an image prompt for scene '{scene.scene_id}', which is not in the script")
        elif scene.scene_id not in seen:
            seen.add(scene.scene_id)
            scenes.append(scene)
    lines = []
    for line in reply.lines:
        if not known_line(line.line_id, "direction"):
            continue
        if line.voice is not None and voices and line.voice not in voices:
            dropped.append(f"the voice '{line.voice}' for line '{line.line_id}', which this project does not have")
            line = line.model_copy(update={"voice": None})
        lines.append(line)
    splits = [s for s in reply.splits if known_line(s.line_id, "a split")]
    merges = [m for m in reply.merges if all(known_line(i, "a merge") for i in m.line_ids)]
    notes = []
    for note in reply.notes:
        if note.line_id is not None and note.line_id not in line_ids:
            dropped.append(f"a note's link to line '{note.line_id}', which is not in the script (the note is kept)")
            note = note.model_copy(update={"line_id": None})
        notes.append(note)
    words, pronunciations = set(), []
    for entry in reply.pronunciations:
        key = " ".join(entry.word.split()).casefold()
        if key not in words:
            words.add(key)
            pronunciations.append(entry)
    kept = reply.model_copy(update={"scenes": scenes, "lines": lines, "splits": splits, "merges": merges,
                                    "notes": notes, "pronunciations": pronunciations})
    return kept, dropped
