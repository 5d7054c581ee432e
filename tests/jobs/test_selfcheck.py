"""Takes are listened to: word timings and the self-check stored beside each take."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
import soundfile as sf

from studio.cli import command as cli
from studio.engines.base import ModelRef, NullState
from studio.engines.stt import Segment, Transcript, Word
from studio.jobs.selfcheck import check_take_job, stored_check
from studio.project.checks import CHECKS_DIR
from studio.project.project import Project


class HearsEngine:
    """A transcription engine that hears what it is told to, timed evenly over the audio."""

    id, task, local, label = "whisper", "stt", True, "Fake Whisper"

    def __init__(self, *phrases: str):
        self.phrases = list(phrases)
        self.heard: list = []

    def model(self):
        return ModelRef("fake-whisper", "1")

    def transcribe(self, audio, state, *, language=None, word_timestamps=True, **options):
        self.heard.append(audio)
        segments, at = [], 0.0
        for phrase in self.phrases:
            words = [Word(w, at + i * 0.3, at + i * 0.3 + 0.25) for i, w in enumerate(phrase.split())]
            segments.append(Segment(phrase, at, words[-1].end, words))
            at = words[-1].end + 1.0
        return Transcript(" ".join(self.phrases), "en", at, segments)

    def unload(self):
        pass


@pytest.fixture
def voiced(voiced_project):
    return voiced_project("Voiced", "# One\n\nHello there, friend.\n\nSee you soon.\n")


def test_a_check_is_stored_beside_the_take_and_read_back(voiced):
    line = voiced.lines[0]
    take = voiced.chosen_take(line.id)
    assert voiced.check_state(line.id) == "unchecked" and voiced.take_check(take.id) is None
    check = check_take_job(voiced.folder, take, HearsEngine("Hello there friend."), NullState())
    assert check.passed and check.wer == 0.0
    assert (voiced.folder / CHECKS_DIR / f"{take.id}.json").is_file()
    stored = voiced.take_check(take.id)
    assert [w["text"] for w in stored.words()] == ["Hello", "there", "friend."]
    assert voiced.check_state(line.id) == "passed"
    transcript, result = stored_check(stored)
    assert transcript.words[0].end == 0.25 and result.passed


def test_a_take_that_says_other_words_fails_naming_them(voiced):
    line = voiced.lines[1]
    take = voiced.chosen_take(line.id)
    check = check_take_job(voiced.folder, take, HearsEngine("See you tomorrow at noon."), NullState())
    assert not check.passed
    differs = stored_check(voiced.take_check(take.id))[1].diffs
    assert [(d.script, d.heard) for d in differs] == [("soon", "tomorrow at noon")]
    assert voiced.check_state(line.id) == "failed"


def test_cli_check_prints_wer_and_differing_words(voiced, sine_registry, capsys):
    voiced.save()
    voiced.close()
    args = argparse.Namespace(command="check", project=str(voiced.folder), json=True)
    code = cli._listen(args, registry=_registry_hearing(sine_registry, "Hello there friend.", ))
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in records] == ["passed", "failed"]  # the fake hears line one's words twice
    assert records[1]["differs"][0]["script"] == "See you soon" and code == 1


def _registry_hearing(registry, *phrases):
    engine = HearsEngine(*phrases)
    registry.register("whisper", lambda: engine)
    return registry


def test_cli_transcribe_imports_a_recording_as_lines_linked_by_reference(tmp_path, sine_registry, capsys):
    folder = tmp_path / "Recorded"
    folder.mkdir()
    (folder / "script.md").write_text("# Intro\n\nA line of mine.\n", encoding="utf-8")
    samples = 0.1 * np.sin(np.linspace(0, 2000, 16000 * 4)).astype(np.float32)
    sf.write(folder / "voiceover.wav", samples, 16000)
    original = (folder / "voiceover.wav").read_bytes()
    registry = _registry_hearing(sine_registry, "First thing I say.", "Then the second.")
    args = argparse.Namespace(command="transcribe", path=str(folder), json=True)
    assert cli._listen(args, registry=registry) == 0
    assert json.loads(capsys.readouterr().out)["file"] == "voiceover.wav"
    assert (folder / "voiceover.wav").read_bytes() == original

    project = Project.open(folder)
    assert [s.title for s in project.scenes][-1] == "voiceover"
    lines = project.lines[-2:]
    assert [line.text for line in lines] == ["First thing I say.", "Then the second."]
    takes = [project.chosen_take(line.id) for line in lines]
    assert all(t.path == "voiceover.wav" and t.tier == "recording" for t in takes)
    assert takes[1].offset > takes[0].offset
    assert project.line_state(lines[0].id, None) == "recording"
    assert project.take_check(takes[1].id).words()[0]["start"] == 0.0  # timed from the take's start
    project.close()

    assert cli._listen(args, registry=registry) == 0  # a second run imports nothing twice
    assert len(Project.open(folder).lines) == 3


def test_cli_captions_place_lines_back_to_back_with_the_gap(voiced, sine_registry, tmp_path, capsys):
    first, second = voiced.lines
    check_take_job(voiced.folder, voiced.chosen_take(first.id), HearsEngine("Hello there, friend."), NullState())
    voiced.close()
    out = tmp_path / "all.vtt"
    args = argparse.Namespace(command="captions", project=str(voiced.folder), format="vtt", out=str(out), per_line=False)
    assert cli._listen(args, registry=sine_registry) == 0
    text = out.read_text("utf-8")
    # (The fake check times "friend." after the end of this short take: not heard, not captioned.)
    assert text.startswith("WEBVTT") and "Hello there," in text and "See you soon." in text
    assert "00:00:00.000 --> " in text


def test_cli_captions_follow_the_gaps_set_on_the_timeline(voiced, sine_registry, tmp_path):
    from studio.render.from_project import build_timeline, save_timeline

    first, second = voiced.lines
    timeline = build_timeline(voiced)
    save_timeline(voiced, timeline.set_line_gap(second.id, 2.0))  # the creator widened one gap
    voiced.close()
    out = tmp_path / "all.srt"
    args = argparse.Namespace(command="captions", project=str(voiced.folder), format="srt", out=str(out), per_line=False)
    assert cli._listen(args, registry=sine_registry) == 0
    starts = [block.splitlines()[1].split(" --> ")[0] for block in out.read_text("utf-8").strip().split("\n\n")]
    duration = Project.open(voiced.folder).chosen_take(first.id).duration
    expected = duration + 2.0
    assert starts[-1] == f"00:00:{int(expected):02d},{round((expected % 1) * 1000):03d}"


def test_whole_script_cues_start_each_line_after_the_previous_take_and_the_gap(voiced):
    from studio.render.captions import line_cues
    from studio.render.from_project import build_timeline, timeline_cues

    first, second = voiced.lines
    check_take_job(voiced.folder, voiced.chosen_take(first.id), HearsEngine("Hello"), NullState())
    cues = timeline_cues(voiced, build_timeline(voiced), min_duration=0.0)  # the default layout
    # The check's timings, the script's words (it heard only "Hello": the words it did not
    # hear share the rest of the take); the second line is unchecked.
    assert [c.text for c in cues] == ["Hello there, friend.", "See you soon."]
    assert cues[0].start == 0.0 and cues[0].end == pytest.approx(voiced.chosen_take(first.id).duration)
    assert cues[1].start == pytest.approx(voiced.chosen_take(first.id).duration + 0.35)
    assert cues[1].end == pytest.approx(cues[1].start + voiced.chosen_take(second.id).duration)
    per_line = line_cues(voiced, min_duration=0.0)
    assert per_line[second.id][0].start == 0.0
