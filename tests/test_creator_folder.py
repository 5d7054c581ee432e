"""End to end: a creator's own folder, made outside the studio, opened, rendered, captioned,
checked and exported from the command line, and read as the creator meant it.

The voice is the fast sine engine (real speech is not needed to test what is read, timed
and mixed); the self-check's transcriber is a local test engine that writes what it hears
the way Whisper does ("1" ",200", "harbor"), so the normaliser is what is under test.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile

from studio.engines.stt import Segment, Transcript, Word
from studio.project.conventions import spoken_text

EPISODE = """# The Keeper of Nyhavn Light

## Scene 1: Arrival at the harbour

NARRATOR: The ferry came in late, and Nyhavn was already dark when Ida stepped onto the quay.

(beat)

## Scene 2: The climb

There are 1,200 steps between the harbour wall and the lamp room, or so the locals like to say.

[SCENE 3 - The lamp room]
She counted every one of them (pause) and lost count at the top.
"""
NOTES = "- ask the harbour master about the ferry times\n- music: calm, strings\n- pictures from the trip\n"
MARKERS = ("SCENE", "Scene", "NARRATOR", "beat", "pause", "Keeper", "[", "(", "#")


def sha(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def creator_folder(tmp_path) -> Path:
    from PIL import Image

    folder = tmp_path / "episode-03"
    (folder / "pics").mkdir(parents=True)
    (folder / "audio").mkdir()
    (folder / "episode-03.md").write_text(EPISODE, encoding="utf-8")
    (folder / "notes.txt").write_text(NOTES, encoding="utf-8")
    Image.new("RGB", (1600, 900), (30, 60, 120)).save(folder / "pics" / "harbour.jpg")  # landscape
    Image.new("RGB", (600, 1000), (200, 120, 40)).save(folder / "pics" / "stairs-portrait.png")  # portrait
    Image.new("RGB", (800, 800), (240, 220, 90)).save(folder / "pics" / "lamp.jpg")  # square
    rate = 44100
    t = np.arange(40 * rate) / rate
    bed = 0.003 * np.sin(2 * np.pi * 196 * t) * (1 + 0.3 * np.sin(2 * np.pi * 0.25 * t))  # a quiet 40 s bed
    soundfile.write(folder / "audio" / "bed.wav", np.stack([bed, bed], 1).astype(np.float32), rate)
    return folder


class WhisperLike:
    """A local transcriber for the test: hears each checked take as the line's words, written
    the way Whisper writes them (a number split into "1" ",200", American spellings)."""

    id, task, local, label = "whisper", "stt", True, "Test transcriber"

    def __init__(self, phrases: list[str]):
        self.phrases = list(phrases)

    def model(self):
        from studio.engines.base import ModelRef

        return ModelRef("test-transcriber", "1")

    def transcribe(self, audio, state, *, language=None, word_timestamps=True, **options):
        phrase = self.phrases.pop(0)
        phrase = phrase.replace("1,200", "1 ,200").replace("harbour", "harbor")
        pieces = phrase.split()
        words = [Word((" " if not p.startswith(",") else "") + p, i * 0.2, i * 0.2 + 0.15) for i, p in enumerate(pieces)]
        text = "".join(w.text for w in words)
        return Transcript(text, "en", words[-1].end, [Segment(text, 0.0, words[-1].end, words)])

    def unload(self):
        pass


def test_a_creators_folder_is_read_rendered_captioned_checked_and_exported_as_meant(creator_folder, sine_registry):
    from studio.cli.command import _listen, main, render_project
    from studio.project.project import Project
    from studio.render.audio import mix
    from studio.render.from_project import build_timeline
    from studio.render.loudness import integrated_loudness

    folder = creator_folder
    before = sha(folder)

    # Opened and rendered: episode-03.md is the script (notes.txt is notes), its title the project's.
    assert render_project(folder, registry=sine_registry, out=io.StringIO()) == 0
    project = Project.open(folder)
    try:
        assert project.script_path.name == "episode-03.md"
        assert project.title == "The Keeper of Nyhavn Light"
        assert [s.title for s in project.scenes] == [
            "Scene 1: Arrival at the harbour", "Scene 2: The climb", "SCENE 3 - The lamp room"]
        spoken = [project.spoken(line.id) for line in project.lines]
        assert spoken == [
            "The ferry came in late, and Nyhavn was already dark when Ida stepped onto the quay.",
            "There are 1,200 steps between the harbour wall and the lamp room, or so the locals like to say.",
            "She counted every one of them… and lost count at the top.",
        ]
        # No marker is spoken: what each engine was asked to say holds none.
        for line in project.lines:
            said = project.chosen_take(line.id).text
            assert not any(marker in said for marker in MARKERS), said
        timeline = build_timeline(project)
        pictures = [c.source for c in timeline.track("image")]
        assert pictures == ["pics/harbour.jpg", "pics/stairs-portrait.png", "pics/lamp.jpg"]  # by name, then order
        music = timeline.track("music")
        assert [c.source for c in music] == ["audio/bed.wav"]
        speech = integrated_loudness(mix(timeline, folder, tracks=("voice",)), 48000)
        undipped = timeline.set_ducking(0.0, timeline.ducking.attack, timeline.ducking.release)
        bed = integrated_loudness(mix(undipped, folder, tracks=("music",)), 48000)
        assert bed == pytest.approx(speech - 18.0, abs=2.0)  # levelled: the quiet file is heard
    finally:
        project.close()

    # Checked: a correct read passes, though the transcriber split the number and spelled it American.
    out = io.StringIO()
    args = argparse.Namespace(command="check", project=str(folder), json=True, final=False, yes=True, script=None)
    from studio.engines.registry import EngineRegistry

    registry = EngineRegistry()
    registry.register("whisper", lambda store=None: WhisperLike(spoken))
    assert _listen(args, registry=registry, out=out) == 0
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["status"] for r in records] == ["passed"] * 3, records
    assert records[1]["name"].startswith("“There are 1,200 steps")

    # Captioned: every word of every line, in order, and nothing else.
    srt = folder / "exports" / "captions.srt"
    assert main(["captions", str(folder), "--out", str(srt)]) == 0
    blocks = [b.split("\n", 2)[2] for b in srt.read_text(encoding="utf-8").strip().split("\n\n")]
    caption_words = " ".join(blocks).split()
    assert caption_words == " ".join(spoken).split()
    for line_words in (s.split() for s in spoken):
        text = " ".join(caption_words)
        assert " ".join(line_words) in text  # each line's words together, in order
    assert "1,200 steps" in " ".join(caption_words)
    assert all(len(b.split()) > 1 for b in blocks), blocks  # no one-word cue

    # Exported, named after the script's title.
    out = io.StringIO()
    from studio.cli import export as export_command

    parser_args = argparse.Namespace(project=str(folder), preset="landscape", out=None, captions="burn",
                                     narration=None, captions_only=None, render=False, json=True, script=None,
                                     overwrite=False)
    assert export_command.run(parser_args, out=out, err=io.StringIO()) == 0
    record = json.loads(out.getvalue())
    video = Path(record["path"])
    assert video.name == "the-keeper-of-nyhavn-light-landscape.mp4" and video.is_file()
    assert record["duration"] == pytest.approx(timeline.duration, abs=0.1)
    # A second export never replaces the first unasked.
    out = io.StringIO()
    assert export_command.run(parser_args, out=out, err=io.StringIO()) == 0
    assert Path(json.loads(out.getvalue())["path"]).name == "the-keeper-of-nyhavn-light-landscape-2.mp4"

    # Nothing of the creator's was changed.
    after = sha(folder)
    assert {k: after[k] for k in before} == before
    assert not any(re.match(r"(pics|audio)/", k) for k in set(after) - set(before))


def test_how_the_studio_reads_the_script_is_shown_before_rendering(creator_folder, capsys):
    from studio.cli.command import main

    before = sha(creator_folder)
    assert main(["script", str(creator_folder), "--show"]) == 0
    shown = capsys.readouterr().out
    assert "Title: The Keeper of Nyhavn Light" in shown
    assert "Scene 1: Arrival at the harbour" in shown and "SCENE 3 - The lamp room" in shown
    assert "not spoken (speaker): NARRATOR:" in shown and "not spoken (direction): (beat)" in shown
    assert "  2. There are 1,200 steps between the harbour wall" in shown
    assert "3 scenes, 3 spoken lines." in shown
    assert main(["script", str(creator_folder), "--json"]) == 0
    kinds = [json.loads(line)["kind"] for line in capsys.readouterr().out.splitlines()]
    assert kinds.count("line") == 3 and kinds.count("scene") == 3 and kinds[0] == "title"
    after = sha(creator_folder)
    assert {k: after[k] for k in before} == before


def test_doctor_checks_a_projects_script_routes_and_files(creator_folder, sine_registry):
    from studio.cli.command import render_project
    from studio.cli.doctor_project import project_checks

    assert render_project(creator_folder, registry=sine_registry, out=io.StringIO()) == 0
    results = {c.name: c for c in project_checks(creator_folder)}
    assert results["script"].ok and "3 scenes, 3 spoken lines" in results["script"].sentence
    assert results["pictures"].ok and "pics/harbour.jpg" in results["pictures"].sentence
    assert results["music"].ok and "audio/bed.wav" in results["music"].sentence
    (creator_folder / "stitch.toml").write_text(
        (creator_folder / "stitch.toml").read_text().replace('draft = "whisper"', 'draft = "no-such-engine"'))
    (creator_folder / "pics" / "lamp.jpg").unlink()
    results = {c.name: c for c in project_checks(creator_folder)}
    assert not results["route stt draft"].ok and "no-such-engine" in results["route stt draft"].sentence
    assert not results["pictures"].ok or "lamp.jpg" not in results["pictures"].sentence
