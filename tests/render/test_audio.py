"""The mix and the loudness meter: placement, looping, ducking, BS.1770 against ffmpeg's own meter."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest
import soundfile

from studio.errors import Cancelled
from studio.render.audio import SAMPLE_RATE, export_narration, mix, resample
from studio.render.errors import MediaError
from studio.render.ffmpeg import ffmpeg_exe
from studio.render.loudness import integrated_loudness, limit, normalize
from studio.render.probe import decode_audio
from studio.render.timeline import Clip, Ducking, Timeline, layout


def ffmpeg_loudness(path) -> float:
    said = subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(path), "-af", "ebur128",
                           "-f", "null", "-"], capture_output=True, text=True).stderr
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", said)[-1])


def speechy(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    bursts = (np.sin(2 * np.pi * 1.3 * t) > -0.3).astype(np.float32)
    tone = 0.3 * np.sin(2 * np.pi * 180 * t) + 0.1 * np.sin(2 * np.pi * 1200 * t)
    return ((tone + 0.05 * rng.standard_normal(len(t))) * bursts).astype(np.float32)


def test_a_full_scale_1k_sine_reads_as_the_standard_says():
    t = np.arange(SAMPLE_RATE * 5) / SAMPLE_RATE
    sine = 0.5 * np.sin(2 * np.pi * 997 * t)
    # BS.1770: a 0 dBFS 1 kHz sine in one channel reads −3.01 LKFS; −6 dB and two channels: −6.0.
    assert integrated_loudness(np.stack([sine, sine], 1), SAMPLE_RATE) == pytest.approx(-6.02, abs=0.05)
    assert integrated_loudness(np.zeros((SAMPLE_RATE, 2)), SAMPLE_RATE) == float("-inf")


@pytest.mark.parametrize("rate", [48000, 44100, 24000])
def test_meter_agrees_with_ffmpegs_ebur128(tmp_path, rate):
    x = np.stack([speechy(6, rate, 1), 0.5 * speechy(6, rate, 2)], axis=1)
    x[: rate * 2] *= 0.01  # a quiet start, so that the gates matter
    path = tmp_path / "x.wav"
    soundfile.write(path, x, rate, subtype="FLOAT")
    assert integrated_loudness(x, rate) == pytest.approx(ffmpeg_loudness(path), abs=0.15)


def test_normalize_reaches_the_target_and_keeps_peaks_under_the_ceiling():
    x = np.stack([speechy(5, SAMPLE_RATE)] * 2, axis=1)
    x[SAMPLE_RATE:SAMPLE_RATE + 40] = 0.99  # a spike that the gain would push far over 0 dBFS
    for target in (-14.0, -16.0, -23.0):
        y, measured = normalize(x * 0.05, SAMPLE_RATE, target)
        assert measured == pytest.approx(target, abs=0.2)
        assert integrated_loudness(y, SAMPLE_RATE) == pytest.approx(target, abs=0.2)
        assert np.abs(y).max() <= 10 ** (-1 / 20) + 1e-6


def test_limiter_leaves_quiet_sound_untouched():
    x = np.full((1000, 2), 0.5, np.float32)
    assert limit(x, SAMPLE_RATE) is x


def test_resample_keeps_a_tone_and_the_length():
    t = np.arange(24000) / 24000
    x = np.sin(2 * np.pi * 440 * t).astype(np.float32)[:, None]
    y = resample(x, 24000, 48000)
    assert len(y) == 48000
    ref = np.sin(2 * np.pi * 440 * np.arange(48000) / 48000)
    assert np.abs(y[1000:-2000, 0] - ref[1000:-2000]).max() < 0.01


@pytest.fixture
def takes(tmp_path):
    """Two takes at 24 kHz with a click at 0.5 s, and a 1 s music loop at 44.1 kHz."""
    (tmp_path / "renders").mkdir()
    for name in ("a", "b"):
        take = np.zeros(24000, np.float32)
        take[12000] = 0.8
        soundfile.write(tmp_path / "renders" / f"{name}.wav", take, 24000)
    soundfile.write(tmp_path / "bed.wav", np.full((44100, 2), 0.1, np.float32), 44100)
    return tmp_path


def test_mix_places_each_take_at_its_clip_start(takes):
    tl = layout([("l1", "s", "renders/a.wav", 1.0), ("l2", "s", "renders/b.wav", 1.0)], [("s", None)], gap=0.5)
    tl = tl.trim("voice:l2", 0.25, 0.75, start=1.75)
    out = mix(tl, takes)
    assert out.shape == (round(2.5 * SAMPLE_RATE), 2)
    peaks = np.flatnonzero(np.abs(out[:, 0]) > 0.3) / SAMPLE_RATE
    # The click of l1 at 0.5 s; l2 trimmed by 0.25 s and placed at 1.75 s: its click at 2.0 s.
    assert peaks.min() == pytest.approx(0.5, abs=2 / SAMPLE_RATE)
    assert peaks.max() == pytest.approx(2.0, abs=2 / SAMPLE_RATE)
    assert np.array_equal(out[:, 0], out[:, 1])


def test_music_loops_fades_and_ducks_under_speech(takes):
    voice = Clip("voice:l1", "voice", "renders/a.wav", start=3.0, duration=1.0, source_duration=1.0)
    music = Clip("music:1", "music", "bed.wav", start=0.0, duration=6.0, gain_db=-6.0, fade_in=1.0, fade_out=1.0)
    tl = Timeline((voice, music), ducking=Ducking(under_speech_lu=0.0))  # the file's own level
    out = mix(tl, takes, tracks=("music",))
    level = lambda t: float(np.abs(out[round(t * SAMPLE_RATE), 0]))  # noqa: E731
    full = 0.1 * 10 ** (-6 / 20)
    assert level(0.0) == pytest.approx(0.0, abs=1e-3)  # fading in
    assert level(0.5) == pytest.approx(full / 2, rel=0.02)
    assert level(2.0) == pytest.approx(full, rel=0.01)  # the 1 s file looped past its end
    assert level(3.5) == pytest.approx(full * 10 ** (-12 / 20), rel=0.01)  # ducked under the line
    assert level(4.2) == pytest.approx(full * 10 ** (-6 / 20), rel=0.02)  # halfway through the release
    assert level(5.5) == pytest.approx(full / 2, rel=0.02)  # fading out


@pytest.mark.parametrize("bed_level", [0.0005, 0.02, 0.5])  # about -65, -33 and -5 dBFS
def test_music_is_levelled_under_speech_whatever_its_own_level(tmp_path, bed_level):
    (tmp_path / "renders").mkdir()
    soundfile.write(tmp_path / "renders" / "a.wav", 0.1 * speechy(4, 24000), 24000)
    rng = np.random.default_rng(3)
    bed = bed_level * np.sin(2 * np.pi * 220 * np.arange(6 * 44100) / 44100)[:, None] * np.ones((1, 2))
    soundfile.write(tmp_path / "bed.wav", (bed + 1e-5 * rng.standard_normal(bed.shape)).astype(np.float32), 44100)
    voice = Clip("voice:l1", "voice", "renders/a.wav", start=1.0, duration=4.0, source_duration=4.0)
    music = Clip("music:1", "music", "bed.wav", start=0.0, duration=6.0)
    tl = Timeline((voice, music), ducking=Ducking(amount_db=0.0))
    speech = integrated_loudness(mix(tl, tmp_path, tracks=("voice",)), SAMPLE_RATE)
    bed_mixed = integrated_loudness(mix(tl, tmp_path, tracks=("music",)), SAMPLE_RATE)
    assert bed_mixed == pytest.approx(speech - 18.0, abs=1.0)


def test_a_missing_take_is_named_in_a_sentence(tmp_path):
    tl = layout([("l1", "s", "renders/gone.wav", 1.0)], [("s", None)])
    with pytest.raises(MediaError, match="gone.wav is missing"):
        mix(tl, tmp_path)


def test_mix_stops_when_cancelled(takes):
    class Cancelling:
        def set_progress(self, fraction, message=""):
            pass

        def is_cancelled(self):
            return True

    tl = layout([("l1", "s", "renders/a.wav", 1.0)], [("s", None)])
    with pytest.raises(Cancelled):
        mix(tl, takes, state=Cancelling())


@pytest.mark.parametrize("suffix", [".wav", ".mp3"])
def test_narration_export_is_normalized(tmp_path, suffix):
    (tmp_path / "renders").mkdir()
    soundfile.write(tmp_path / "renders" / "a.wav", 0.05 * speechy(4, 24000), 24000)
    tl = layout([("l1", "s", "renders/a.wav", 4.0)], [("s", None)]).add_music("renders/a.wav")
    out = tmp_path / "exports" / f"narration{suffix}"
    loudness = export_narration(tl, tmp_path, out, target_lufs=-16.0)
    assert loudness == pytest.approx(-16.0, abs=0.2)
    decoded = decode_audio(out)
    assert len(decoded) == pytest.approx(4.0 * SAMPLE_RATE, abs=0.06 * SAMPLE_RATE)
    assert integrated_loudness(decoded, SAMPLE_RATE) == pytest.approx(-16.0, abs=0.5)
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left beside it
    with pytest.raises(MediaError, match=".wav or .mp3"):
        export_narration(tl, tmp_path, tmp_path / "n.ogg")
