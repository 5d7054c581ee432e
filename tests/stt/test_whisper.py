"""The faster-whisper engine on a tiny random-weight model: loading, settings, progress, cancel, weights."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from studio.engines import whisper as whisper_module
from studio.engines.base import Cost, NullState
from studio.engines.stt import Transcript, TranscriptionEngine
from studio.engines.whisper import WhisperEngine
from studio.errors import Cancelled, EngineError, MissingWeights

FAST = {"beam_size": 1, "temperature": 0}  # random weights would otherwise retry at every temperature


class Recording(NullState):
    def __init__(self, cancel_after: int | None = None):
        self.progress: list[tuple[float, str]] = []
        self.cancel_after = cancel_after

    def set_progress(self, fraction, message=""):
        self.progress.append((fraction, message))

    def is_cancelled(self):
        return self.cancel_after is not None and len(self.progress) > self.cancel_after


def noise(seconds: float) -> np.ndarray:
    return (np.random.default_rng(0).standard_normal(int(16000 * seconds)) * 0.1).astype(np.float32)


@pytest.fixture
def engine(random_whisper):
    e = WhisperEngine(random_whisper, **FAST)
    yield e
    e.unload()


def spy_on_transcribe(engine) -> list[dict]:
    """Records the options the engine hands to faster-whisper."""
    loaded = engine._whisper()
    real = loaded.transcribe
    calls: list[dict] = []

    def spy(audio, **options):
        calls.append(options)
        return real(audio, **options)

    loaded.transcribe = spy
    return calls


pytestmark = pytest.mark.slow


def test_the_engine_meets_the_transcription_protocol(engine):
    assert isinstance(engine, TranscriptionEngine)
    assert (engine.id, engine.task, engine.local) == ("whisper", "stt", True)
    ref = engine.model()
    assert ref.id == "ct2" and Path(ref.path).name == "ct2" and len(ref.revision) == 16
    assert isinstance(engine.estimate(60.0), Cost) and engine.estimate(60.0).money == 0.0
    assert engine.estimate(120.0).seconds > engine.estimate(3.0).seconds > 0


def test_random_weights_go_through_loading_and_transcription_without_crashing(engine, tmp_path, no_network):
    soundfile.write(tmp_path / "take.wav", noise(4.0), 16000)
    state = Recording()
    transcript = engine.transcribe(tmp_path / "take.wav", state)
    assert isinstance(transcript, Transcript)
    assert transcript.duration == pytest.approx(4.0, abs=0.01) and transcript.language == "en"
    assert state.progress[-1] == (1.0, "Transcribed")
    # Gibberish, but timed gibberish: word timings are ordered and inside the audio.
    words = transcript.words
    assert all(0.0 <= w.start <= w.end <= transcript.duration for w in words)
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    assert Transcript.from_dict(transcript.to_dict()).to_dict() == transcript.to_dict()
    assert engine.device == "cpu"


def test_the_model_loads_once_even_when_two_threads_ask_at_once(random_whisper, monkeypatch):
    loads = []
    real_load = whisper_module._load

    def slow_load(folder):
        loads.append(folder)
        time.sleep(0.2)
        return real_load(folder)

    monkeypatch.setattr(whisper_module, "_load", slow_load)
    engine = WhisperEngine(random_whisper)
    got = []
    threads = [threading.Thread(target=lambda: got.append(engine._whisper())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1 and got[0] is got[1]
    engine.transcribe(noise(1.0), NullState(), **FAST)
    assert len(loads) == 1  # reused, not reloaded
    engine.unload()
    engine.transcribe(noise(1.0), NullState(), **FAST)
    assert len(loads) == 2


def test_speed_settings_for_cpu_short_and_long_audio(engine):
    calls = spy_on_transcribe(engine)
    engine.transcribe(noise(3.0), NullState())
    engine.transcribe(noise(31.0), NullState(), language="en", word_timestamps=False)
    short, long = calls
    assert short["beam_size"] == 1 and short["vad_filter"] is False and short["word_timestamps"] is True
    assert short["condition_on_previous_text"] is False
    assert long["vad_filter"] is True and long["language"] == "en" and long["word_timestamps"] is False
    assert short["temperature"] == 0  # the caller's options win over the engine's


def test_a_long_file_reports_progress_and_stops_between_segments_when_cancelled(engine):
    audio = noise(60.0)
    finished = Recording()
    engine.transcribe(audio, finished, vad_filter=False)  # VAD would drop the noise
    fractions = [f for f, _ in finished.progress]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert len(fractions) > 4 and fractions == sorted(fractions)
    assert any(message.startswith("Heard 0:") and message.endswith(" of 1:00") for _, message in finished.progress)

    cancelled = Recording(cancel_after=2)  # the start, then one segment
    with pytest.raises(Cancelled):
        engine.transcribe(audio, cancelled, vad_filter=False)
    assert len(cancelled.progress) == 3 and cancelled.progress[-1][0] < 1.0


def test_a_cancelled_job_does_not_even_load_the_model(random_whisper):
    engine = WhisperEngine(random_whisper)
    state = Recording(cancel_after=-1)
    with pytest.raises(Cancelled):
        engine.transcribe(noise(1.0), state)
    assert engine._loaded is None


def test_silence_of_length_zero_is_an_empty_transcript_without_a_model():
    engine = WhisperEngine("/nowhere")
    transcript = engine.transcribe(np.zeros(0, np.float32), NullState())
    assert transcript.text == "" and transcript.segments == [] and transcript.duration == 0.0


def test_an_english_only_model_refuses_another_language(engine):
    with pytest.raises(EngineError, match=r"only understands English: add multilingual weights"):
        engine.transcribe(noise(1.0), NullState(), language="fr")


# -- where the weights come from ------------------------------------------------------


def copy_without(folder: Path, target: Path, missing: str) -> Path:
    shutil.copytree(folder, target)
    (target / missing).unlink()
    return target


def test_a_folder_without_tokenizer_json_fails_with_a_sentence_and_no_download(random_whisper, tmp_path, no_network):
    folder = copy_without(random_whisper, tmp_path / "whisper", "tokenizer.json")
    engine = WhisperEngine(folder)
    with pytest.raises(MissingWeights, match=r"has no tokenizer\.json: copy the model's tokenizer\.json beside model\.bin"):
        engine.model()
    with pytest.raises(MissingWeights, match=r"tokenizer\.json"):
        engine.transcribe(noise(1.0), NullState(), **FAST)


def test_a_folder_without_model_bin_fails_with_a_sentence(random_whisper, tmp_path, no_network):
    folder = copy_without(random_whisper, tmp_path / "whisper", "model.bin")
    with pytest.raises(MissingWeights, match=r"has no model\.bin: open Models"):
        WhisperEngine(folder).transcribe(noise(1.0), NullState())


def test_a_missing_folder_fails_with_a_sentence_and_no_download(tmp_path, no_network):
    with pytest.raises(MissingWeights, match=r"folder .* is missing: open Models"):
        WhisperEngine(tmp_path / "not-there").transcribe(noise(1.0), NullState())


def test_damaged_weights_fail_with_a_sentence(random_whisper, tmp_path):
    folder = tmp_path / "whisper"
    shutil.copytree(random_whisper, folder)
    (folder / "model.bin").write_bytes(b"not a model at all")
    with pytest.raises(MissingWeights, match=r"could not be loaded \(damaged") as caught:
        WhisperEngine(folder).transcribe(noise(1.0), NullState())
    assert caught.value.detail


class Store:
    """Stands in for the model store: `get(id)` gives an entry with `.path`, or None."""

    def __init__(self, entries: dict[str, Path]):
        self.entries = entries
        self.asked: list[str] = []

    def get(self, model_id):
        self.asked.append(model_id)
        path = self.entries.get(model_id)
        return type("Entry", (), {"path": path, "revision": "rev-from-store"})() if path else None


def test_the_model_store_is_asked_first_tiny_en_then_base(random_whisper):
    store = Store({"whisper-base": random_whisper})
    ref = WhisperEngine(store=store).model()
    assert (ref.id, ref.path, ref.revision) == ("whisper-base", str(random_whisper), "rev-from-store")
    assert store.asked == ["whisper-tiny.en", "whisper-base"]


def test_the_packaged_tiny_en_is_used_when_the_store_has_nothing():
    ref = WhisperEngine(store=Store({})).model()
    assert ref.id == "whisper-tiny.en" and Path(ref.path, "model.bin").is_file()


def test_no_weights_anywhere_is_a_sentence(monkeypatch):
    monkeypatch.setattr(whisper_module, "packaged_tiny_en", lambda: None)
    monkeypatch.setattr(whisper_module.bundled, "provide_whisper_base", lambda root: None)
    with pytest.raises(MissingWeights, match=r"^Whisper weights are not on this machine: open Models"):
        WhisperEngine(store=Store({})).model()


def test_a_gpu_that_refuses_float16_falls_back_to_the_cpu(random_whisper, monkeypatch):
    import ctranslate2

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)  # this machine has no usable CUDA
    engine = WhisperEngine(random_whisper, **FAST)
    engine.transcribe(noise(1.0), NullState())
    assert engine.device == "cpu"
    engine.unload()


def test_on_a_gpu_the_wider_beam_is_used(random_whisper, monkeypatch):
    real_load = whisper_module._load
    monkeypatch.setattr(whisper_module, "_load", lambda folder: (real_load(folder)[0], "cuda"))
    engine = WhisperEngine(random_whisper)
    calls = spy_on_transcribe(engine)
    engine.transcribe(noise(1.0), NullState(), temperature=0)
    assert calls[0]["beam_size"] == 5
    assert engine.estimate(30).seconds < WhisperEngine(random_whisper).estimate(30).seconds
    engine.unload()
