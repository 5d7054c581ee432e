"""Decoding a creator's recordings (wav, mp3, m4a, video) to 16 kHz mono with the bundled ffmpeg."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from studio.engines.base import NullState
from studio.engines.media import as_samples, decode_audio
from studio.errors import Cancelled, EngineError

from .conftest import run_ffmpeg


def peak_frequency(samples: np.ndarray, rate: int = 16000) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()])


def test_a_stereo_wav_at_another_rate_becomes_16k_mono(tmp_path):
    rate = 44100
    t = np.arange(int(rate * 1.5)) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    soundfile.write(tmp_path / "take.wav", np.stack([tone, tone], axis=1), rate)
    samples = decode_audio(tmp_path / "take.wav")
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert len(samples) == pytest.approx(24000, abs=40)
    assert peak_frequency(samples) == pytest.approx(440, abs=2)
    assert 0.45 < np.abs(samples).max() <= 0.51


def test_stereo_can_be_kept_for_mixing(tmp_path):
    left = np.full(4800, 0.25, np.float32)
    soundfile.write(tmp_path / "two.wav", np.stack([left, -left], axis=1), 48000)
    frames = decode_audio(tmp_path / "two.wav", 48000, channels=2)
    assert frames.shape == (4800, 2)
    assert frames[100, 0] == pytest.approx(0.25, abs=1e-3) and frames[100, 1] == pytest.approx(-0.25, abs=1e-3)


@pytest.mark.parametrize(("name", "codec"), [("voice.mp3", "libmp3lame"), ("voice.m4a", "aac")])
def test_compressed_audio_decodes(tmp_path, ffmpeg, name, codec):
    path = tmp_path / name
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "sine=frequency=330:duration=2", "-c:a", codec, str(path))
    samples = decode_audio(path)
    assert len(samples) == pytest.approx(32000, abs=1200)  # encoders pad a little
    assert peak_frequency(samples) == pytest.approx(330, abs=2)


@pytest.mark.parametrize("name", ["clip.mp4", "clip.mov"])
def test_the_sound_of_a_video_decodes(tmp_path, ffmpeg, name):
    path = tmp_path / name
    run_ffmpeg(
        ffmpeg, "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10", "-f", "lavfi", "-i", "sine=frequency=550",
        "-t", "1", "-c:v", "mpeg4", "-c:a", "aac", "-shortest", str(path),
    )
    samples = decode_audio(path)
    assert len(samples) == pytest.approx(16000, abs=1200)
    assert peak_frequency(samples) == pytest.approx(550, abs=3)


def test_a_video_without_sound_is_named_in_a_sentence(tmp_path, ffmpeg):
    path = tmp_path / "silent film.mp4"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10", "-t", "1", "-c:v", "mpeg4", str(path))
    with pytest.raises(EngineError, match=r"^silent film\.mp4 has no sound to transcribe: .*\.$"):
        decode_audio(path)


def test_a_file_that_is_not_media_is_named_in_a_sentence(tmp_path):
    path = tmp_path / "notes.mp3"
    path.write_text("these are my notes, not a recording")
    with pytest.raises(EngineError, match=r"^notes\.mp3 could not be read as audio or video") as caught:
        decode_audio(path)
    assert caught.value.detail  # ffmpeg's own words kept for the log


def test_a_missing_file_is_named_in_a_sentence(tmp_path):
    with pytest.raises(EngineError, match=r"^gone\.wav was not found"):
        decode_audio(tmp_path / "gone.wav")


def test_decoding_stops_when_cancelled(tmp_path):
    soundfile.write(tmp_path / "long.wav", np.zeros(16000 * 5, np.float32), 16000)

    class Cancelling(NullState):
        def is_cancelled(self):
            return True

    with pytest.raises(Cancelled):
        decode_audio(tmp_path / "long.wav", state=Cancelling())


def test_arrays_pass_through_as_mono_float32():
    stereo = np.ones((100, 2), dtype=np.float64) * 0.25
    assert as_samples(stereo).dtype == np.float32 and as_samples(stereo).shape == (100,)
    pcm = np.full(10, 16384, dtype=np.int16)
    assert as_samples(pcm)[0] == pytest.approx(0.5, abs=1e-3)
    with pytest.raises(EngineError):
        as_samples(np.zeros((2, 2, 2)))
