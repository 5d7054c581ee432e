"""`stitch.toml`: the project's manifest, which the creator may edit by hand.

The parsed tomlkit document is kept, so saving changes only the values the studio
changed and leaves the creator's comments, layout and unknown keys alone. A file
that cannot be understood is never overwritten: loading it raises a sentence
saying where the problem is.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.toml_document import TOMLDocument

from studio.errors import ProjectError
from studio.storage import atomic_write_text
from studio.project.look import check_look
from studio.project.paths import inside_project

SCHEMA_VERSION = 1
FILE_NAME = "stitch.toml"
FORMATS = ("16:9", "9:16", "1:1")
SPEED_RANGE = (0.5, 2.0)
# Each task names a draft engine (free, local, used all the time) and a final one
# (premium, used only when the creator asks); "" means none.
# "plan": a language model that plans the work (draft: a local one, final: a frontier one).
TASKS = ("tts", "stt", "image", "cleanup", "plan")
TASK_NAMES = {"tts": "Voice", "stt": "Transcription", "image": "Images", "cleanup": "Picture cleanup", "plan": "Planning"}
DEFAULT_ROUTES = {"tts": ("kokoro-onnx", ""), "stt": ("whisper", ""), "image": ("diffusers", ""), "cleanup": ("opencv", ""),
                  "plan": ("smollm2", "")}
# Settings that would be a secret: keys live in the OS keyring, never in a project.
_SECRET_WORDS = ("key", "token", "secret", "password")
# Counts of tokens a planner may read or write (max_tokens, context_tokens): numbers, not secrets.
_TOKEN_COUNT = "_tokens"

_FIX = "Fix it in a text editor; the studio changed nothing."

# What a new project's manifest looks like; values are filled in before writing.
_TEMPLATE = """\
# Stitch Studio project. This file is yours to edit by hand.
schema = 1
title = ""
script = "script.md"
format = "16:9"

[voice]
# Empty means the engine's default voice.
voice = ""
speed = 1.0

# Per task: the draft engine renders every preview for free; the final engine
# (premium, often hosted) renders one asset only when asked. Settings of an
# engine (base_url, model, voice) go under [engines.<engine id>].
[routing.tts]
draft = "kokoro-onnx"
final = ""

[routing.stt]
draft = "whisper"
final = ""

[routing.image]
draft = "diffusers"
final = ""

[routing.cleanup]
draft = "opencv"
final = ""

# Planning: a language model proposes image prompts, pronunciations and direction
# (Tools > Plan...). The draft is SmolLM2, small and on this computer; set final to
# "anthropic" or "openai-chat" (a hosted model or your own server) to plan with it.
[routing.plan]
draft = "smollm2"
final = ""

[budget]
# Dollars this project may spend on final (premium) renders; 0 allows none.
cap = 0.0

[timeline]
# A picture whose shape is far from the video's (a portrait photo in a 16:9 video):
# "blur" shows it whole over a blurred copy of itself; "subject" crops it to the
# video's shape around its subject (the box the cleanup finds).
fit = "blur"
# The music bed under the narration: a sound file in this folder, used where it is.
# Without this line the studio uses a music file it finds here (in audio/ or music/,
# or named like "music-bed.mp3"); music = "" means no music. It is levelled under
# the speech and dips while a line is spoken.
# music = "audio/bed.mp3"

[captions]
# Captions burned into the video. font: a font file or font name on this machine
# ("" is the studio's bold sans); size: 1.0 is the studio's size (0.5 to 2.0);
# position: "bottom", "top" or "middle"; highlight: a colour such as "#ffd23f" for
# the word being spoken (karaoke), "" for none.
font = ""
size = 1.0
position = "bottom"
highlight = ""
"""

# Where each field lives in the file, and what kind of value it must be.
_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "schema": (("schema",), "int"),
    "title": (("title",), "str"),
    "script": (("script",), "str"),
    "format": (("format",), "str"),
    "voice": (("voice", "voice"), "str"),
    "speed": (("voice", "speed"), "number"),
    **{
        f"{task}_{tier}": (("routing", task, tier), "str")
        for task in TASKS for tier in ("draft", "final")
    },
    "budget": (("budget", "cap"), "number"),
    "fit": (("timeline", "fit"), "str"),
    "caption_font": (("captions", "font"), "str"),
    "caption_size": (("captions", "size"), "number"),
    "caption_position": (("captions", "position"), "str"),
    "caption_highlight": (("captions", "highlight"), "str"),
}
_EXPECTED = {"int": "a whole number such as 1", "str": 'text in quotes such as ""', "number": "a number such as 1.0"}


@dataclass
class Manifest:
    schema: int = SCHEMA_VERSION
    title: str = ""
    script: str = "script.md"
    format: str = "16:9"
    voice: str = ""
    speed: float = 1.0
    tts_draft: str = DEFAULT_ROUTES["tts"][0]
    tts_final: str = ""
    stt_draft: str = DEFAULT_ROUTES["stt"][0]
    stt_final: str = ""
    image_draft: str = DEFAULT_ROUTES["image"][0]
    image_final: str = ""
    cleanup_draft: str = DEFAULT_ROUTES["cleanup"][0]
    cleanup_final: str = ""
    plan_draft: str = DEFAULT_ROUTES["plan"][0]
    plan_final: str = ""
    budget: float = 0.0  # dollars; a hard cap on what final renders may spend
    # How the video looks (checked and read as a `look.Look` by studio.project.look).
    fit: str = "blur"
    caption_font: str = ""
    caption_size: float = 1.0
    caption_position: str = "bottom"
    caption_highlight: str = ""
    # `[engines.<id>]` tables: base_url, model, voice... handed to that engine as it is made.
    engines: dict = field(default_factory=dict)
    # The document as read, kept so that saving preserves what the creator wrote.
    _doc: TOMLDocument | None = field(default=None, init=False, repr=False, compare=False)
    _saved: dict | None = field(default=None, init=False, repr=False, compare=False)
    _migrated: bool = field(default=False, init=False, repr=False, compare=False)
    _script_named: bool = field(default=False, init=False, repr=False, compare=False)

    @property
    def exists(self) -> bool:
        """Whether this manifest was read from a `stitch.toml` on disk."""
        return self._doc is not None

    @property
    def names_script(self) -> bool:
        """Whether the file on disk says which script the project uses."""
        return self._script_named

    @property
    def edited(self) -> bool:
        """Whether a value differs from the file (an upgrade of an old file alone is not an edit)."""
        return self._doc is None or self._values() != self._saved

    @property
    def changed(self) -> bool:
        """Whether saving would change `stitch.toml` (or create it)."""
        return self._doc is None or self._migrated or self._values() != self._saved

    @classmethod
    def load(cls, folder: Path) -> "Manifest":
        folder = Path(folder)
        path = folder / FILE_NAME
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(title=folder.name)
        except OSError as exc:
            raise ProjectError(f"{FILE_NAME} could not be read ({exc.strerror or exc}). Check its permissions; the studio changed nothing.") from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ProjectError(f"{FILE_NAME} is not UTF-8 text. Save it as UTF-8 in a text editor; the studio changed nothing.") from exc
        try:
            doc = tomlkit.parse(text)
        except TOMLKitError as exc:
            raise ProjectError(f"{FILE_NAME} could not be read ({_where(exc)}). {_FIX}", detail=repr(exc)) from exc

        if not doc.body or all(key is None for key, _ in doc.body):
            # Only blank lines and comments: emptied or cut short, not a project's settings.
            raise ProjectError(
                f"{FILE_NAME} is empty or was cut short: it holds no settings. Put back a copy of it, "
                f"or delete it and open the folder again to start afresh; the studio changed nothing."
            )
        manifest = cls(title=folder.name)
        schema = _read(doc, "schema", 0)
        if schema < 0:
            raise ProjectError(f"In {FILE_NAME}, schema must be {SCHEMA_VERSION}, not {schema}. {_FIX}")
        if schema > SCHEMA_VERSION:
            raise ProjectError(
                f"{FILE_NAME} was written by a newer Stitch Studio (project schema {schema}; this one "
                f"reads up to {SCHEMA_VERSION}). Update Stitch Studio to open this project; the studio changed nothing."
            )
        manifest._migrated = migrate(doc)
        for name in _KEYS:
            setattr(manifest, name, _read(doc, name, getattr(manifest, name)))
        manifest.engines = _read_engines(doc)
        manifest._check_values()
        manifest._script_named = _lookup(doc, _KEYS["script"][0]) is not None
        manifest._doc = doc
        manifest._saved = manifest._values()
        return manifest

    def check(self) -> None:
        """Raise the sentence `save` would, without writing anything."""
        self._check_values("Nothing was saved.")

    def save(self, folder: Path) -> None:
        self.check()
        fresh = self._doc is None
        doc = tomlkit.parse(_TEMPLATE) if fresh else self._doc
        for name, (path, _) in _KEYS.items():
            value = getattr(self, name)
            # Only what changed is written, so the creator's formatting of the rest stays.
            if fresh or value != self._saved.get(name):
                _assign(doc, path, value)
        _write_engines(doc, self.engines, {} if fresh else self._saved.get("engines", {}))
        atomic_write_text(Path(folder) / FILE_NAME, tomlkit.dumps(doc))
        self._doc = doc
        self._saved = self._values()
        self._migrated = False
        self._script_named = True

    # ---- the music bed ------------------------------------------------------------------

    @property
    def music(self) -> str | None:
        """`[timeline] music` as written: a file in the folder, "" for no music, None when the
        line is absent (the studio then uses a music file it finds in the folder)."""
        value = _lookup(self._doc, ("timeline", "music")) if self._doc is not None else None
        value = value.unwrap() if hasattr(value, "unwrap") else value
        return value if isinstance(value, str) else None

    def set_music(self, folder: Path, music: str | None) -> None:
        """Write `[timeline] music` (None takes the line out); the rest of the file stays as written."""
        if self._doc is None:
            self.save(folder)
        table = self._doc.get("timeline")
        if music is None:
            if isinstance(table, dict) and "music" in table:
                del table["music"]
        else:
            _assign(self._doc, ("timeline", "music"), music)
        self.save(folder)

    # ---- routing ------------------------------------------------------------------------

    def route(self, task: str) -> tuple[str, str]:
        """(draft engine id, final engine id) for `task`; the final one is "" when none is set."""
        _check_task(task)
        return getattr(self, f"{task}_draft"), getattr(self, f"{task}_final")

    def set_route(self, task: str, *, draft: str | None = None, final: str | None = None) -> None:
        _check_task(task)
        if draft is not None:
            setattr(self, f"{task}_draft", draft)
        if final is not None:
            setattr(self, f"{task}_final", final)

    def engine_settings(self, engine_id: str) -> dict:
        """What `[engines.<engine_id>]` says (base_url, model, voice...), as keyword arguments."""
        return dict(self.engines.get(engine_id, {}))

    def set_engine_settings(self, engine_id: str, settings: dict) -> None:
        engines = copy.deepcopy(self.engines)
        engines[engine_id] = dict(settings)
        _check_engines(engines, "Nothing was saved.")
        self.engines = engines

    def _values(self) -> dict:
        values = {name: getattr(self, name) for name in _KEYS}
        values["engines"] = copy.deepcopy(self.engines)
        return values

    def _check_values(self, fix: str = _FIX) -> None:
        if self.format not in FORMATS:
            allowed = ", ".join(f'"{f}"' for f in FORMATS[:-1]) + f' or "{FORMATS[-1]}"'
            raise ProjectError(f'In {FILE_NAME}, format must be {allowed}, not "{self.format}". {fix}')
        low, high = SPEED_RANGE
        if not low <= self.speed <= high:
            raise ProjectError(f"In {FILE_NAME}, speed under [voice] must be between {low} and {high}, not {self.speed}. {fix}")
        if not math.isfinite(self.budget):
            raise ProjectError(f"In {FILE_NAME}, cap under [budget] must be a number of dollars such as 5.0, not {self.budget}. {fix}")
        if self.budget < 0:
            raise ProjectError(f"In {FILE_NAME}, cap under [budget] must be 0 or more dollars, not {self.budget}. {fix}")
        _check_engines(self.engines, fix)
        check_look(self, fix)


def _check_task(task: str) -> None:
    if task not in TASKS:
        raise ProjectError(f"There is no task called '{task}'; the tasks are {', '.join(TASKS)}.")


def _check_engines(engines: dict, fix: str = _FIX) -> None:
    for engine_id, settings in engines.items():
        for name, value in settings.items():
            if name.lower().endswith(_TOKEN_COUNT):
                if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                    raise ProjectError(f"In {FILE_NAME}, {name} under [engines.{engine_id}] must be a whole number of "
                                       f"tokens such as 4096. {fix}")
                continue
            if any(word in name.lower() for word in _SECRET_WORDS):
                raise ProjectError(
                    f"In {FILE_NAME}, [engines.{engine_id}] holds '{name}', and API keys never belong in a "
                    f"project: remove it and run `studio keys set SERVICE` (or use Settings) instead. {fix}"
                )
            if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
                continue  # a list of text: several servers' addresses (`base_urls`)
            if isinstance(value, (dict, list)) or value is None:
                raise ProjectError(
                    f"In {FILE_NAME}, {name} under [engines.{engine_id}] must be text, a number, true/false "
                    f"or a list of text. {fix}"
                )


def _read_engines(doc) -> dict:
    table = _lookup(doc, ("engines",))
    if table is None:
        return {}
    engines = {}
    for engine_id, settings in table.items():
        if not isinstance(settings, dict):
            raise ProjectError(
                f"In {FILE_NAME}, engines.{engine_id} must be a table (an [engines.{engine_id}] section). {_FIX}"
            )
        engines[str(engine_id)] = {str(k): v.unwrap() if hasattr(v, "unwrap") else v for k, v in settings.items()}
    return engines


def _write_engines(doc, engines: dict, saved: dict) -> None:
    for engine_id in sorted(set(engines) | set(saved)):
        settings, before = engines.get(engine_id, {}), saved.get(engine_id, {})
        if settings == before:
            continue  # untouched tables keep the creator's layout and comments
        for name, value in settings.items():
            if before.get(name) != value:
                _assign(doc, ("engines", engine_id, name), value)
        for name in set(before) - set(settings):
            doc["engines"][engine_id].remove(name)


# ---- reading and writing values ---------------------------------------------------


def _where(exc: TOMLKitError) -> str:
    message = re.sub(r"\s*at line \d+ col \d+\s*$", "", str(exc)).rstrip(".")
    line, col = getattr(exc, "line", None), getattr(exc, "col", None)
    if line is None:
        return message
    # tomlkit counts columns from 0; text editors from 1.
    return f"line {line}, column {(col or 0) + 1}: {message}"


def _lookup(doc, path: tuple[str, ...]):
    node = doc
    for depth, part in enumerate(path):
        if not isinstance(node, dict):
            table = ".".join(path[:depth])
            raise ProjectError(f"In {FILE_NAME}, {table} must be a table (a [{table}] section). {_FIX}")
        if part not in node:
            return None
        node = node[part]
    return node


def _read(doc, name: str, default):
    path, kind = _KEYS[name]
    value = _lookup(doc, path)
    if value is None:
        return default
    if hasattr(value, "unwrap"):
        value = value.unwrap()
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "str": isinstance(value, str),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
    }[kind]
    if not ok:
        where = path[-1] if len(path) == 1 else f"{path[-1]} under [{'.'.join(path[:-1])}]"
        shown = f'"{value}"' if isinstance(value, str) else json.dumps(value, default=str)
        raise ProjectError(f"In {FILE_NAME}, {where} must be {_EXPECTED[kind]}, not {shown}. {_FIX}")
    return float(value) if kind == "number" else value


def _assign(doc, path: tuple[str, ...], value) -> None:
    node = doc
    for depth, part in enumerate(path[:-1]):
        if part not in node:
            # A table that only holds tables is written as [routing.tts], not an empty [routing].
            node[part] = tomlkit.table(is_super_table=depth < len(path) - 2)
        node = node[part]
    node[path[-1]] = value


# ---- migrations ---------------------------------------------------------------------


def _v0_to_v1(doc) -> None:
    # Manifests from before the `schema` key kept the voice settings at the top level.
    flat = {key: doc[key] for key in ("voice", "speed") if key in doc and not isinstance(doc[key], dict)}
    if flat and not isinstance(doc.get("voice"), dict):
        table = tomlkit.table()
        for key, value in flat.items():
            doc.remove(key)
            table[key] = value
        doc["voice"] = table
    doc["schema"] = 1


# MIGRATIONS[n] turns a schema-n document into schema n + 1, in place.
MIGRATIONS: dict[int, Callable[[TOMLDocument], None]] = {0: _v0_to_v1}


def migrate(doc: TOMLDocument) -> bool:
    """Bring a document up to SCHEMA_VERSION in place; True when anything changed."""
    version = _read(doc, "schema", 0)
    start = version
    while version < SCHEMA_VERSION:
        MIGRATIONS[version](doc)
        version += 1
    return version != start


# ---- paths ----------------------------------------------------------------------------


def safe_path(folder: Path, relative: str, what: str = "The path") -> Path:
    """The file `relative` names inside `folder`; refuses anything that would lead outside it
    (one guard for every path: `paths.inside_project`)."""
    if isinstance(relative, str) and not relative.strip():
        raise ProjectError(f"{what} is empty. Name a file inside {Path(folder).name}, such as \"script.md\".")
    return inside_project(folder, str(relative), what)
