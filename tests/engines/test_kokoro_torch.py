"""The kokoro (PyTorch) engine, on a small random-weight KModel built by the tests.

Random weights speak noise, so these tests check the contract (format, length,
progress, cancel, errors, no download), not the words; the int8 engine's tests
check the words with Whisper.
"""

from __future__ import annotations

import numpy as np
import pytest

from studio.engines.base import NullState, SpeechEngine
from studio.engines.kokoro_torch import KokoroEngine
from studio.models.store import ModelStore
from studio.errors import Cancelled, EngineError, MissingWeights


@pytest.fixture
def hub_downloads(monkeypatch):
    """Every Hugging Face download attempt, recorded and refused."""
    import huggingface_hub
    import kokoro.model
    import kokoro.pipeline

    calls = []

    def refuse(*args, **kwargs):
        calls.append((args, kwargs))
        raise AssertionError("hf_hub_download was called")

    for module in (huggingface_hub, kokoro.model, kokoro.pipeline):
        monkeypatch.setattr(module, "hf_hub_download", refuse)
    return calls


@pytest.fixture(scope="module")
def engine(tiny_kokoro, tmp_path_factory):
    store = ModelStore(root=tmp_path_factory.mktemp("torch-store"))
    store.add("kokoro-82m", tiny_kokoro)
    engine = KokoroEngine(store=store)
    yield engine
    engine.unload()


def test_it_is_a_speech_engine_with_the_folders_voices(engine):
    assert isinstance(engine, SpeechEngine)
    assert (engine.id, engine.task, engine.local, engine.label) == ("kokoro", "tts", True, "Kokoro (PyTorch)")
    assert engine.voices() == ["other", "test"]
    assert engine.default_voice() == "other"  # no af_heart here: the first voice
    request = engine.request("Hello there.", "test", 1.0)
    assert (request.engine, request.model, request.g2p) == ("kokoro", "kokoro-82m", "espeak-ng")
    assert request.model_revision == engine.model().revision


def test_it_renders_float32_at_24_khz_longer_for_longer_text(engine, hub_downloads, make_state):
    state = make_state()
    short = engine.synthesize(engine.request("Hello there.", "test", 1.0), state)
    long = engine.synthesize(engine.request("Hello there. How are you doing today, my friend?", "test", 1.0), NullState())
    for audio in (short, long):
        assert audio.sample_rate == 24000
        assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
        assert np.isfinite(audio.samples).all() and np.abs(audio.samples).max() <= 1.0
    assert short.duration > 0.1
    assert long.duration > short.duration * 2
    assert short.info["g2p"] == "espeak-ng" and short.info["phonemes"] == "həlˈO ðˈɛɹ."
    assert state.calls == [(0.0, "Rendering sentence 1 of 1"), (1.0, "Rendered")]
    assert hub_downloads == []


def test_a_blend_of_two_voices_renders(engine):
    request = engine.request("Hi.", "test:0.25,other:0.75", 1.0)
    assert request.voice == "test:0.25,other:0.75"
    assert engine.synthesize(request, NullState()).duration > 0


def test_cancel_stops_between_sentences(engine, make_state):
    state = make_state(cancel_after=2)
    with pytest.raises(Cancelled):
        engine.synthesize(engine.request("One. Two. Three. Four. Five.", "test", 1.0), state)
    assert [m for _, m in state.calls] == ["Rendering sentence 1 of 5", "Rendering sentence 2 of 5"]


def test_nothing_to_speak_and_unknown_voice_are_sentences(engine):
    with pytest.raises(EngineError, match=r"^This line has nothing to speak"):
        engine.synthesize(engine.request("🎉 ...", "test", 1.0), NullState())
    with pytest.raises(EngineError, match="^There is no voice called 'af_heart'; the voices are other, test.$"):
        engine.request("Hi.", "af_heart", 1.0)


def test_missing_weights_say_how_to_get_them_without_any_download(hub_downloads):
    engine = KokoroEngine(store=ModelStore())
    with pytest.raises(MissingWeights) as caught:
        engine.request("Hello.", "", 1.0)
    assert str(caught.value) == (
        "Kokoro weights are not on this machine: run `studio models add kokoro-82m FOLDER` with a folder "
        "holding config.json and kokoro-v1_0.pth, or open Models (355 MB)."
    )
    assert hub_downloads == []


def test_damaged_weights_are_a_sentence(tmp_path, tiny_kokoro):
    import shutil

    folder = tmp_path / "broken"
    shutil.copytree(tiny_kokoro / "voices", folder / "voices")
    shutil.copy(tiny_kokoro / "config.json", folder)
    (folder / "kokoro-v1_0.pth").write_bytes(b"not a checkpoint")
    store = ModelStore()
    store.add("kokoro-82m", folder)
    engine = KokoroEngine(store=store)
    with pytest.raises(EngineError, match=r"could not be loaded: add a fresh copy with `studio models add kokoro-82m"):
        engine.synthesize(engine.request("Hi.", "test", 1.0), NullState())
