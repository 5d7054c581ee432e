"""Kokoro's own word timings: from the predicted phoneme durations to the take's words,
stored with their source, so the self-check listens only for the words."""

from __future__ import annotations

import numpy as np
import pytest

from studio.engines.base import ModelRef, NullState
from studio.engines.kokoro_common import SAMPLE_RATE, Timed, phoneme_word_times, script_word_times
from studio.engines.kokoro_torch import KokoroEngine
from studio.engines.registry import EngineRegistry
from studio.models.store import ModelStore
from studio.engines.stt import Segment, Transcript, Word
from studio.jobs.pipeline import Voicing
from studio.jobs.selfcheck import TIMINGS, check_take_job, engine_timings
from studio.project.project import Project

TWO = "Hello there, friend. See you soon."


@pytest.fixture(scope="module")
def engine(tiny_kokoro, tmp_path_factory):
    store = ModelStore(root=tmp_path_factory.mktemp("timing-store"))
    store.add("kokoro-82m", tiny_kokoro)
    engine = KokoroEngine(store=store)
    yield engine
    engine.unload()


def test_phoneme_words_are_timed_from_the_durations():
    # <bos> a b ␠ c d . <eos>, one frame each, 600 samples a frame: 0.025 s a frame.
    timed = Timed(np.zeros(8 * 600, np.float32), np.array([1, 1, 1, 1, 1, 1, 1, 1]), "ab cd.")
    assert np.allclose(phoneme_word_times(timed), [(0.025, 0.075), (0.1, 0.15)])
    longer = Timed(np.zeros(10 * 600, np.float32), np.array([1, 1, 3, 1, 1, 1, 1, 1]), "ab cd.")
    assert np.allclose(phoneme_word_times(longer)[0], (0.025, 0.125))
    # Durations that do not belong to these phonemes give no timings, not wrong ones.
    assert phoneme_word_times(Timed(np.zeros(600, np.float32), np.array([1, 1, 1]), "ab cd.")) == []


def test_script_words_take_the_phoneme_words_times():
    spans = [(0.0, 0.2), (0.3, 0.5), (0.6, 0.9)]
    assert script_word_times("One two three.", spans) == [
        {"text": "One", "start": 0.0, "end": 0.2}, {"text": "two", "start": 0.3, "end": 0.5},
        {"text": "three.", "start": 0.6, "end": 0.9}]
    # "25" spoken as two words: the script's words still cover the whole sentence, in order.
    merged = script_word_times("Add 25 eggs", [(0.0, 0.2), (0.3, 0.5), (0.5, 0.7), (0.8, 1.0)])
    assert [w["text"] for w in merged] == ["Add", "25", "eggs"]
    assert merged[0]["start"] == 0.0 and merged[-1]["end"] == 1.0
    assert all(a["end"] <= b["start"] + 1e-9 for a, b in zip(merged, merged[1:]))


def test_the_torch_engine_gives_word_timings_for_the_script(engine):
    audio = engine.synthesize(engine.request(TWO, "test", 1.0), NullState())
    words = audio.info["words"]
    assert audio.info["timing"] == "kokoro"
    assert [w["text"] for w in words] == TWO.split()
    duration = audio.samples.size / SAMPLE_RATE
    assert all(0.0 <= w["start"] <= w["end"] <= duration + 1e-3 for w in words)
    assert all(a["start"] <= b["start"] for a, b in zip(words, words[1:]))
    # The second sentence starts after the first one ended and the pause between them.
    assert words[3]["start"] >= words[2]["end"] + 0.2
    faster = engine.synthesize(engine.request(TWO, "test", 1.5), NullState())
    assert faster.info["words"][-1]["end"] < words[-1]["end"]


class HearsOnce:
    """A transcription engine that hears the script and remembers what it was asked."""

    id, task, local, label = "whisper", "stt", True, "Fake Whisper"

    def __init__(self):
        self.asked = []

    def model(self):
        return ModelRef("fake-whisper", "1")

    def transcribe(self, audio, state, *, language=None, word_timestamps=True, **options):
        self.asked.append(word_timestamps)
        words = [Word(w, 9.0 + i, 9.5 + i) for i, w in enumerate(TWO.split())]  # timings that must not be kept
        return Transcript(TWO, "en", 20.0, [Segment(TWO, 9.0, 15.0, words)])

    def unload(self):
        pass


def test_a_take_keeps_the_engines_timings_and_the_check_only_listens_for_words(engine, tmp_path):
    folder = tmp_path / "Timed"
    folder.mkdir()
    (folder / "script.md").write_text(f"# One\n\n{TWO}\n", encoding="utf-8")
    (folder / "stitch.toml").write_text('[routing.tts]\ndraft = "kokoro"\n', encoding="utf-8")
    registry = EngineRegistry(engine.store)
    registry.register("kokoro", lambda store=None: engine)
    project = Project.open(folder)
    try:
        voicing = Voicing(project, registry)
        line = project.lines[0].id
        take = voicing.commit(voicing.render_line(line, NullState()))
        assert take.engine == "kokoro"
        assert (folder / TIMINGS / f"{take.cache_key[:20]}.json").is_file()
        source, timed = engine_timings(folder, take)
        assert source == "kokoro" and [w["text"] for w in timed] == TWO.split()

        listener = HearsOnce()
        check = check_take_job(folder, take, listener, NullState())
        assert listener.asked == [False]  # no word timestamps asked of Whisper
        assert check.passed and check.transcript["timing"] == "kokoro"
        stored = project.take_check(take.id).words()
        assert [(w["start"], w["end"]) for w in stored] == [(w["start"], w["end"]) for w in timed]
        assert stored[-1]["end"] <= take.duration + 1e-3
    finally:
        project.close()


def test_without_engine_timings_whisper_times_the_words(tmp_path, sine_registry):
    folder = tmp_path / "Sine"
    folder.mkdir()
    (folder / "script.md").write_text(f"# One\n\n{TWO}\n", encoding="utf-8")
    project = Project.open(folder)
    try:
        voicing = Voicing(project, sine_registry)
        take = voicing.commit(voicing.render_line(project.lines[0].id, NullState()))
        assert engine_timings(folder, take) is None
        listener = HearsOnce()
        check = check_take_job(folder, take, listener, NullState())
        assert listener.asked == [True] and check.transcript["timing"] == "whisper"
        assert project.take_check(take.id).words()[0]["start"] == 9.0
    finally:
        project.close()
