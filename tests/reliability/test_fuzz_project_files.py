"""Property-based fuzzing (hypothesis) of everything a project folder holds: stitch.toml, the
script in every format and encoding, every JSON file under .stitch/, dropped-in media.

Each case is made in memory and handed to the loading code in-process. The property is the
same everywhere: the studio's own error (a sentence naming the file) or success, never
another exception; the creator's files byte-identical; a studio file of the wrong shape kept
as a backup. Every suite writes its figures for report.py."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.errors import StudioError
from studio.project.manifest import Manifest
from studio.project.project import Project
from studio.storage import decode_text
from studio.project.script import ScriptDocument

from .support import ROOT, creator_bytes, examples, record_run, rendered_demo  # noqa: F401 (a fixture)

DEMO = ROOT / "resources" / "demo"
FAST = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck))


class Count:
    def __init__(self, suite: str):
        self.suite, self.cases, self.survived = suite, 0, 0

    def __enter__(self):
        self.cases += 1
        return self

    def __exit__(self, kind, exc, tb):
        if kind is None:
            self.survived += 1
        return False

    def write(self):
        record_run(self.suite, self.cases, self.cases, self.survived, 0)


def _mutate(data: bytes, edits) -> bytes:
    out = bytearray(data)
    for kind, at, value in edits:
        at = at % (len(out) + 1)
        if kind == "cut":
            del out[at:]
        elif kind == "insert":
            out[at:at] = value
        elif kind == "delete":
            del out[at : at + len(value) + 1]
        else:
            out[at : at + len(value)] = value
    return bytes(out)


EDITS = st.lists(st.tuples(st.sampled_from(["cut", "insert", "delete", "replace"]), st.integers(0, 10_000),
                           st.binary(min_size=1, max_size=12) | st.sampled_from(
                               [b"\x00", b"\r", b"\n", b'"', b"[", b"=", b"nan", b"inf", b"-1", b"\xff\xfe", b"]]"])),
                 min_size=1, max_size=4)


# ---- stitch.toml ------------------------------------------------------------------------


TOML_VALUES = st.one_of(
    st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.booleans(), st.lists(st.integers(), max_size=3), st.just({"a": 1}),
)
TOML_KEYS = ["schema", "title", "script", "format", "voice.voice", "voice.speed", "routing.tts.draft",
             "routing.tts.final", "budget.cap", "engines.openai-tts.base_url", "engines.openai-tts.api_key", "voice"]


def _toml_from(values: dict) -> str:
    import tomlkit

    doc = tomlkit.document()
    for dotted, value in values.items():
        node = doc
        *tables, key = dotted.split(".")
        try:
            for table in tables:
                if table not in node or not isinstance(node[table], dict):
                    node[table] = tomlkit.table()
                node = node[table]
            node[key] = value
        except Exception:  # tomlkit refuses some shapes: the case is then what the text says
            continue
    return tomlkit.dumps(doc)


def test_fuzz_stitch_toml(tmp_path):
    count = Count("fuzz_stitch_toml")
    original = (DEMO / "stitch.toml").read_bytes()
    folder = tmp_path / "p"
    folder.mkdir()

    def check(data: bytes):
        with count:
            (folder / "stitch.toml").write_bytes(data)
            try:
                manifest = Manifest.load(folder)
            except StudioError as exc:
                assert "stitch.toml" in exc.message, exc.message
            else:
                assert manifest.schema >= 0 and manifest.budget >= 0 and manifest.budget < float("inf")
            assert (folder / "stitch.toml").read_bytes() == data

    @settings(max_examples=examples(180, 3000), **FAST)
    @given(EDITS)
    def mutated(edits):
        check(_mutate(original, edits))

    @settings(max_examples=examples(120, 2000), **FAST)
    @given(st.dictionaries(st.sampled_from(TOML_KEYS), TOML_VALUES, max_size=6))
    def generated(values):
        check(_toml_from(values).encode("utf-8"))

    mutated()
    generated()
    count.write()


# ---- scripts in every format and encoding --------------------------------------------------


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1"]
SCRIPT_TEXT = st.lists(
    st.one_of(
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
        st.sampled_from(["# Scene", "## Two", "---", "```", "<!-- c -->", "[image: a lighthouse]", "", "  ",
                         "Every draft is free.", "Ünïcödé — “quotes”", "\t", "\x00", "\x0c"]),
    ),
    max_size=12,
)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_fuzz_scripts_in_every_encoding():
    count = Count("fuzz_scripts")

    @settings(max_examples=examples(300, 5000), **FAST)
    @given(SCRIPT_TEXT, st.sampled_from(["\n", "\r\n", "\r"]), st.sampled_from(ENCODINGS),
           st.sampled_from(["md", "txt"]), st.integers(0, 3))
    def script(parts, newline, encoding, kind, damage):
        with count:
            text = newline.join(parts)
            try:
                data = text.encode(encoding)
            except UnicodeEncodeError:
                data = text.encode("utf-8")
                encoding = "utf-8"
            if encoding in ("utf-16-le", "utf-16-be") and damage < 2:
                data = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding] + data
            if damage == 3 and data:
                data = data[:-1]  # cut short by one byte
            try:
                decoded, _ = decode_text(data, "script.md")
            except StudioError as exc:
                assert "script.md" in exc.message
                return
            # Read as the creator's words, never as garbage: a BOM'd file is exactly its text.
            # (A UTF-16 file whose first character is NUL starts like UTF-32's BOM: not prose either way.)
            if damage != 3 and encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-32") and "\x00" not in text:
                assert decoded == text
            doc = ScriptDocument.parse(decoded, kind)
            assert doc.render() == decoded  # nothing of the creator's is changed by reading
            if "\r" in decoded and newline == "\r" and any(p.strip() for p in parts):
                assert len(decoded.splitlines()) >= len(doc.line_texts())

    script()
    count.write()


# ---- every JSON file under .stitch/ -------------------------------------------------------------


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**64, 2**64) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
STUDIO_FILES = [".stitch/takes.json", ".stitch/lines.json", ".stitch/trash/trash.json", ".stitch/images.json",
                ".stitch/scenes.json", ".stitch/pronunciation.json", ".stitch/blends.json", ".stitch/timeline.json",
                ".stitch/autosave.json", ".stitch/session.lock", ".stitch/loudness.json", ".stitch/ledger.jsonl",
                ".stitch/trash/images/trash.json"]
TAKE_FIELDS = ["id", "line_id", "path", "cache_key", "engine", "speed", "text", "duration", "sample_rate",
               "created", "tier", "request", "offset"]


def _exercise(folder: Path, relative: str) -> None:
    """What a creator's session reads: open, every line's state, images, trash, costs, and the
    timeline when the file is one it reads (laying it out measures every take: slow)."""
    from studio.cli.command import main
    from studio.render.from_project import build_timeline

    project = Project.open(folder)
    try:
        for line in project.lines:
            project.line_state(line.id, None)
            project.takes_for(line.id)
        project.image_takes.all()
        project._scene_book()
        project._image_bin().takes()
        project.trash_size()
        project.leftovers()
        if relative in (".stitch/timeline.json", ".stitch/loudness.json"):
            build_timeline(project)
    finally:
        project.close()
    if relative == ".stitch/ledger.jsonl":
        assert main(["cost", str(folder)]) in (0, 2)


def test_fuzz_every_json_under_stitch(rendered_demo, capsys, monkeypatch):
    count = Count("fuzz_studio_json")
    # Durability is the kill -9 suite's business; here only what is read matters, so the
    # studio's fsyncs (most of each case's time on a busy disk) are skipped.
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    folder = rendered_demo
    stitch = folder / ".stitch"
    # The studio's files as rendered: put back before each case (the renders stay as they are).
    pristine = {p: p.read_bytes() for p in stitch.rglob("*") if p.is_file()}
    takes = json.loads((stitch / "takes.json").read_text())

    def reset():
        shutil.rmtree(stitch)
        for path, data in pristine.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def check(relative: str, data: bytes):
        with count:
            reset()
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            before = creator_bytes(folder)
            try:
                _exercise(folder, relative)
            except StudioError as exc:
                shown = relative.removesuffix(".jsonl")
                assert shown.split("/")[-1].split(".")[0] in exc.message or "stitch" in exc.message, exc.message
                if "not what the studio wrote" in exc.message:  # a wrong shape: kept as a backup
                    backups = list((folder / ".stitch" / "damaged").iterdir())
                    assert any(b.read_bytes() == data for b in backups)
                    assert target.read_bytes() == data
            assert creator_bytes(folder) == before
            said = capsys.readouterr().err
            assert "Traceback" not in said

    @settings(max_examples=examples(240, 4000), **FAST)
    @given(st.sampled_from(STUDIO_FILES), JSON)
    def any_json(relative, value):
        check(relative, json.dumps(value).encode())

    @settings(max_examples=examples(100, 2000), **FAST)
    @given(st.sampled_from(TAKE_FIELDS), JSON, st.booleans())
    def damaged_take(field, value, drop):
        data = json.loads(json.dumps(takes))
        record = data["takes"][0]
        if drop:
            record.pop(field, None)
        else:
            record[field] = value
        check(".stitch/takes.json", json.dumps(data).encode())

    @settings(max_examples=examples(70, 1500), **FAST)
    @given(st.sampled_from([".stitch/takes.json", ".stitch/lines.json"]), EDITS)
    def mutated_bytes(relative, edits):
        check(relative, _mutate(pristine[folder / relative], edits))

    any_json()
    damaged_take()
    mutated_bytes()
    count.write()


# ---- dropped-in media ---------------------------------------------------------------------------


def test_fuzz_dropped_in_media(tmp_path):
    """A file dropped into the folder as a picture or a recording: read, or one sentence naming it."""
    from studio.engines.media import decode_audio
    from studio.project.images import creator_pictures
    from studio.render.frames import read_image

    count = Count("fuzz_media")
    folder = tmp_path / "media"
    folder.mkdir()
    png = (ROOT / "resources" / "icons").glob("*.png")
    seed_png = next(iter(sorted(png)), None)
    seeds = {".png": seed_png.read_bytes() if seed_png else b"\x89PNG\r\n\x1a\n", ".wav": _tiny_wav(), ".jpg": b"\xff\xd8\xff"}

    @settings(max_examples=examples(60, 600), **FAST)
    @given(st.sampled_from(sorted(seeds)), EDITS)
    def media(suffix, edits):
        with count:
            data = _mutate(seeds[suffix], edits)
            path = folder / f"dropped{suffix}"
            path.write_bytes(data)
            try:
                if suffix == ".wav":
                    decode_audio(path)
                else:
                    assert f"dropped{suffix}" in creator_pictures(folder)
                    read_image(path)
            except StudioError as exc:
                assert f"dropped{suffix}" in exc.message, exc.message
            assert path.read_bytes() == data

    media()
    count.write()


def _tiny_wav() -> bytes:
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes(3200))
    return buffer.getvalue()
