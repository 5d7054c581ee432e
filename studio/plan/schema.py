"""The plan's schema, versioned: what a planning model must answer, and the plan file.

`REPLY_SCHEMA` is the JSON Schema sent to the model (OpenAI's strict mode: every
property required, no others, "no value" as null). `Reply` (pydantic) checks a
reply against the same shape and against the limits the studio can act on
(prompt length, speed range, the dictionary's forms); its errors, as
`field: problem` lines, are what the model is shown when it is asked again.
`Plan` is the file kept in `.stitch/plans/`: the reply plus where it came from.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from studio.project.manifest import SPEED_RANGE

SCHEMA_VERSION = 1
SCHEMA_ID = f"stitch-plan/{SCHEMA_VERSION}"
MAX_PROMPT = 600  # characters of an image prompt (a diffusion model reads ~77 tokens anyway)
MAX_NEGATIVE = 300
MAX_STYLE = 300
MAX_WORD = 60
MAX_SAY = 120
MAX_NOTE = 600
MAX_PAUSE = 5.0  # seconds after a line
NOTE_KINDS = ("hard to say", "inconsistent name", "typo", "hook", "pacing", "other")
# A respelling: letters (any script), hyphens, spaces, apostrophes, periods. Phonemes: between slashes.
_RESPELLING = re.compile(r"^[^\W\d_](?:[\w' .\-]*[^\W_])?$", re.UNICODE)
_PHONEMES = re.compile(r"^/[^/]+/$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ScenePrompt(_Strict):
    scene_id: str
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT)
    negative_prompt: str = Field(default="", max_length=MAX_NEGATIVE)


class Pronunciation(_Strict):
    word: str = Field(min_length=1, max_length=MAX_WORD)
    say: str = Field(min_length=1, max_length=MAX_SAY)

    @field_validator("word")
    @classmethod
    def _word(cls, value: str) -> str:
        if not any(c.isalnum() for c in value):
            raise ValueError("a word needs letters or digits, as the script spells it")
        return value

    @field_validator("say")
    @classmethod
    def _say(cls, value: str) -> str:
        value = " ".join(value.split())
        if _PHONEMES.match(value) or _RESPELLING.match(value):
            return value
        raise ValueError("not a form the dictionary takes: write a respelling such as KOH-koh-roh "
                         "(letters, hyphens, spaces) or phonemes between slashes such as /kˈOkəɹO/")


class LineDirection(_Strict):
    line_id: str
    speed: float | None = Field(default=None, ge=SPEED_RANGE[0], le=SPEED_RANGE[1])
    pause_after: float | None = Field(default=None, ge=0.0, le=MAX_PAUSE)
    voice: str | None = None


class Split(_Strict):
    line_id: str
    parts: list[str] = Field(min_length=2)
    reason: str = Field(default="", max_length=MAX_NOTE)


class Merge(_Strict):
    line_ids: list[str] = Field(min_length=2)
    text: str = Field(default="", max_length=4000)
    reason: str = Field(default="", max_length=MAX_NOTE)


class Note(_Strict):
    line_id: str | None = None
    kind: Literal[NOTE_KINDS] = "other"  # type: ignore[valid-type]
    text: str = Field(min_length=1, max_length=MAX_NOTE)


class Reply(_Strict):
    """What the model answers: one plan for the whole script."""

    style: str = Field(default="", max_length=MAX_STYLE)
    scenes: list[ScenePrompt] = Field(default_factory=list)
    pronunciations: list[Pronunciation] = Field(default_factory=list)
    lines: list[LineDirection] = Field(default_factory=list)
    splits: list[Split] = Field(default_factory=list)
    merges: list[Merge] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)


class Plan(_Strict):
    """A plan as kept in the project: the reply, and what it was made from and for."""

    schema_: str = Field(default=SCHEMA_ID, alias="schema")
    made: str = ""  # ISO 8601, UTC
    engine: str = ""
    model: str = ""
    direction: str = ""
    script: dict[str, str] = Field(default_factory=dict)  # line id -> its text when the plan was made
    scene_titles: dict[str, str] = Field(default_factory=dict)
    reply: Reply = Field(default_factory=Reply)
    dropped: list[str] = Field(default_factory=list)  # what the reply named that the script does not have
    usage: dict = Field(default_factory=dict)
    charged: str = "0"
    parts: int = 1  # calls it took: a long script is planned a few scenes at a time

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def dump(self) -> dict:
        return self.model_dump(by_alias=True, mode="json")


def _nullable(kind: str) -> dict:
    return {"type": [kind, "null"]}


def _object(properties: dict, description: str = "") -> dict:
    out = {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}
    if description:
        out["description"] = description
    return out


def _list(item: dict, description: str = "") -> dict:
    out = {"type": "array", "items": item}
    if description:
        out["description"] = description
    return out


STRING = {"type": "string"}
REPLY_SCHEMA = _object({
    "style": {"type": "string", "description": f"One visual style shared by every scene's prompt (at most {MAX_STYLE} characters)."},
    "scenes": _list(_object({
        "scene_id": {"type": "string", "description": "A scene id exactly as given."},
        "prompt": {"type": "string", "description": f"The image prompt, with the shared style (at most {MAX_PROMPT} characters)."},
        "negative_prompt": {"type": "string", "description": f"What the image must not show (at most {MAX_NEGATIVE} characters)."},
    }), "One image prompt per scene."),
    "pronunciations": _list(_object({
        "word": {"type": "string", "description": "The word or name as the script spells it."},
        "say": {"type": "string", "description": "A respelling such as KOH-koh-roh, or phonemes between slashes."},
    }), "Words the local voice will likely get wrong: names, places, acronyms, numbers, units."),
    "lines": _list(_object({
        "line_id": {"type": "string"},
        "speed": {**_nullable("number"), "description": f"{SPEED_RANGE[0]} to {SPEED_RANGE[1]}; null keeps it."},
        "pause_after": {**_nullable("number"), "description": f"Seconds of silence after the line, 0 to {MAX_PAUSE:g}; null keeps it."},
        "voice": {**_nullable("string"), "description": "One of the voices or blends listed; null keeps it."},
    }), "Direction for lines that need it; leave the others out."),
    "splits": _list(_object({
        "line_id": {"type": "string"},
        "parts": _list(STRING, "The line's words in two or more shorter lines."),
        "reason": STRING,
    }), "Overlong lines to split (shown to the creator, never applied for them)."),
    "merges": _list(_object({
        "line_ids": _list(STRING, "Two or more neighbouring lines."),
        "text": STRING,
        "reason": STRING,
    }), "Fragments to merge (shown to the creator, never applied for them)."),
    "notes": _list(_object({
        "line_id": _nullable("string"),
        "kind": {"type": "string", "enum": list(NOTE_KINDS)},
        "text": STRING,
    }), "Review notes: hard-to-say sentences, inconsistent names, likely typos, a hook that comes too late."),
})


def validation_errors(exc: ValidationError, limit: int = 20) -> list[str]:
    """`scenes.0.prompt: String should have at most 600 characters` lines, for the model and the creator."""
    out = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(part) for part in error.get("loc", ())) or "the reply"
        out.append(f"{where}: {error.get('msg', 'invalid')}")
    if len(exc.errors()) > limit:
        out.append(f"... and {len(exc.errors()) - limit} more")
    return out
