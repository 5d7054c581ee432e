"""The timeline's sound: voice takes and music mixed at 48 kHz, normalized, written out.

A mix is a float32 array (frames, 2). Voice takes sit at their clip starts, in the
middle of the stereo field; music loops to fill its clip, fades in and out, and
dips under speech along the timeline's ducking envelope. The master is brought to
the preset's loudness (−14 LUFS for shorts, −16 otherwise) with peaks under −1 dBFS.
"""

from __future__ import annotations

import io
import math
from collections import Counter
import os
import tempfile
from pathlib import Path

import numpy as np

from studio.engines.base import NullState, TaskState, check_cancelled
from studio.project.paths import inside_project, refuse_writing_through_link
from studio.storage import atomic_write_bytes
from studio.render import ffmpeg
from studio.render.errors import MediaError
from studio.render.loudness import fast_length, integrated_loudness, normalize
from studio.render.timeline import Clip, Timeline, duck_envelope

SAMPLE_RATE = 48000
EDGE_FADE = 0.003  # seconds: a cut in the middle of a sound must not click
_GAIN_BLOCK = 1 << 16  # samples of music gain worked out at a time
LOUDNESS = {"shorts": -14.0}
DEFAULT_LOUDNESS = -16.0


def loudness_target(preset_name: str) -> float:
    return LOUDNESS.get(preset_name, DEFAULT_LOUDNESS)


def resample(x: np.ndarray, rate_from: int, rate_to: int) -> np.ndarray:
    """Band-limited resampling through the FFT (a whole file at once), exact in its ratio."""
    if rate_from == rate_to or len(x) == 0:
        return x
    g = math.gcd(rate_from, rate_to)
    p, q = rate_from // g, rate_to // g
    # Silence after the end keeps the FFT's wrap-around out of the sound; lengths in the
    # exact ratio p:q and built of small factors keep the FFTs fast.
    k = fast_length(-(-(len(x) + rate_from // 10) // p))
    n, m = k * p, k * q
    length = round(len(x) * q / p)
    result = np.empty((length, x.shape[1]), np.float32)
    for c in range(x.shape[1]):  # a channel at a time: a long music file's spectra are tens of MB each
        spectrum = np.fft.rfft(np.ascontiguousarray(x[:, c], dtype=np.float32), n)
        out = np.zeros(m // 2 + 1, np.complex64)
        keep = min(len(spectrum), len(out))
        out[:keep] = spectrum[:keep]
        del spectrum
        y = np.fft.irfft(out, m)
        del out
        result[:, c] = y[:length]
        result[:, c] *= np.float32(m / n)
    return result


def read_sound(path: Path, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A sound file as float32 stereo at `rate`; soundfile first, ffmpeg for anything else."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path.name} is missing from {path.parent}: "
                         "render it again or take its clip off the timeline.")
    import soundfile

    try:
        data, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError):
        from studio.render.probe import decode_audio

        return decode_audio(path, rate, 2)
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    elif data.shape[1] > 2:
        data = data[:, :2]
    return resample(data, file_rate, rate)


def _edges(n: int, rate: int, fade_in: float, fade_out: float) -> np.ndarray:
    """A gain ramp up over `fade_in` s and down over the last `fade_out` s of n frames."""
    gain = np.ones(n, np.float32)
    for seconds, sl in ((fade_in, slice(None)), (fade_out, slice(None, None, -1))):
        k = min(n, round(seconds * rate))
        if k > 0:
            gain[sl][:k] *= np.linspace(0.0, 1.0, k, endpoint=False, dtype=np.float32)
    return gain


def _place(out: np.ndarray, start: float, samples: np.ndarray, rate: int) -> None:
    i = round(start * rate)
    n = max(0, min(len(samples), len(out) - i))
    out[i:i + n] += samples[:n]


def _voice(clip: Clip, sound: np.ndarray, rate: int) -> np.ndarray:
    a = round(clip.in_point * rate)
    piece = sound[a:a + round(clip.duration * rate)]
    fade = min(EDGE_FADE, clip.duration / 4)
    gain = _edges(len(piece), rate, max(fade, clip.fade_in), max(fade, clip.fade_out))
    return piece * (gain * np.float32(10 ** (clip.gain_db / 20)))[:, None]


def _music(clip: Clip, sound: np.ndarray, rate: int, timeline: Timeline, level_db: float = 0.0) -> np.ndarray:
    n = round(clip.duration * rate)
    if len(sound) == 0 or n == 0:
        return np.zeros((n, 2), np.float32)
    piece = np.empty((n, sound.shape[1]), np.float32)
    at, filled = round(clip.in_point * rate) % len(sound), 0
    while filled < n:  # loops when the clip is longer than the sound
        part = min(n - filled, len(sound) - at)
        piece[filled:filled + part] = sound[at:at + part]
        filled, at = filled + part, 0
    d = timeline.ducking
    envelope = duck_envelope(clip, timeline.track("voice"), d.amount_db, d.attack, d.release)
    times, gains = [t for t, _ in envelope], [g for _, g in envelope]
    edges = _edges(n, rate, clip.fade_in, max(EDGE_FADE, clip.fade_out))
    for a in range(0, n, _GAIN_BLOCK):  # in blocks: per-sample float64 work on a whole bed is 100+ MB
        b = min(n, a + _GAIN_BLOCK)
        gain_db = np.interp(clip.start + np.arange(a, b, dtype=np.float64) / rate, times, gains) + clip.gain_db + level_db
        gain = (10 ** (gain_db / 20)).astype(np.float32) * edges[a:b]
        piece[a:b] *= gain[:, None]
    return piece


def mix(timeline: Timeline, project_folder: Path, tracks=("voice", "music"), rate: int = SAMPLE_RATE,
        state: TaskState | None = None) -> np.ndarray:
    """The tracks' sound for the whole timeline, as float32 (frames, 2) at `rate`."""
    state = state or NullState()
    out = np.zeros((round(timeline.duration * rate), 2), np.float32)
    sounds: dict[str, np.ndarray] = {}
    # Voices first: the music is levelled against how loud they came out.
    clips = sorted((c for c in timeline.clips if c.track in tracks and c.track in ("voice", "music")),
                   key=lambda c: c.track != "voice")
    uses = Counter(c.source for c in clips)  # a source is let go after its last clip
    speech_lufs = None
    for n, clip in enumerate(clips):
        check_cancelled(state)
        if clip.source not in sounds:
            where = inside_project(Path(project_folder), clip.source, f"The sound of the {clip.track} clip")
            sounds[clip.source] = read_sound(where, rate)
        sound = sounds[clip.source]
        if clip.track == "music" and speech_lufs is None:
            speech_lufs = _speech_loudness(timeline, project_folder, out if "voice" in tracks else None, rate)
        level = _music_level(sound, rate, speech_lufs, timeline.ducking.under_speech_lu) if clip.track == "music" else 0.0
        piece = _voice(clip, sound, rate) if clip.track == "voice" else _music(clip, sound, rate, timeline, level)
        _place(out, clip.start, piece, rate)
        del piece, sound
        uses[clip.source] -= 1
        if not uses[clip.source]:
            del sounds[clip.source]
        state.set_progress((n + 1) / max(1, len(clips)), "Mixing the sound")
    return out


# Speech is about this loud when there is none to measure (a music-only timeline).
_SPEECH_LUFS = -20.0
_MUSIC_LEVEL_RANGE = 60.0  # dB a music file is raised or lowered by at most


def _speech_loudness(timeline: Timeline, folder: Path, voice_mix: np.ndarray | None, rate: int) -> float:
    if voice_mix is None:
        if not timeline.track("voice"):
            return _SPEECH_LUFS
        voice_mix = mix(timeline, folder, tracks=("voice",), rate=rate)
    loudness = integrated_loudness(voice_mix, rate) if len(voice_mix) else float("-inf")
    return loudness if math.isfinite(loudness) else _SPEECH_LUFS


def _music_level(sound: np.ndarray, rate: int, speech_lufs: float, under_lu: float) -> float:
    """The gain (dB) that puts a music file `under_lu` under the speech, whatever its own level."""
    if not under_lu:
        return 0.0
    own = integrated_loudness(sound, rate) if len(sound) else float("-inf")
    if not math.isfinite(own):
        return 0.0  # silence stays silence
    wanted = speech_lufs - abs(under_lu)
    return float(np.clip(wanted - own, -_MUSIC_LEVEL_RANGE, _MUSIC_LEVEL_RANGE))


def master(samples: np.ndarray, target_lufs: float, rate: int = SAMPLE_RATE) -> tuple[np.ndarray, float]:
    """The mix at `target_lufs` integrated loudness with peaks under −1 dBFS; and its loudness."""
    return normalize(samples, rate, target_lufs)


def wav_bytes(samples: np.ndarray, rate: int = SAMPLE_RATE, subtype: str = "PCM_16") -> bytes:
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(samples, -1.0, 1.0), rate, subtype=subtype, format="WAV")
    return buffer.getvalue()


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE, subtype: str = "PCM_16") -> None:
    atomic_write_bytes(Path(path), wav_bytes(samples, rate, subtype))


def export_narration(timeline: Timeline, project_folder: Path, out_path: Path, target_lufs: float = DEFAULT_LOUDNESS,
                     state: TaskState | None = None) -> float:
    """The voice track alone as WAV or MP3 (by `out_path`'s suffix), normalized. Returns its loudness."""
    state = state or NullState()
    out_path = Path(out_path)
    kind = out_path.suffix.lower()
    if kind not in (".wav", ".mp3"):
        raise MediaError(f"Narration can be exported as .wav or .mp3, not {kind or 'a file without a suffix'}: "
                         "change the name.")
    if not timeline.track("voice"):
        raise MediaError("The timeline has no voice yet: render some lines, then export the narration.")
    refuse_writing_through_link(project_folder, out_path)
    sound, loudness = master(mix(timeline, project_folder, tracks=("voice",), state=state), target_lufs)
    check_cancelled(state)
    if kind == ".wav":
        write_wav(out_path, sound)
        return loudness
    with tempfile.TemporaryDirectory(prefix="stitch-narration-") as tmp:
        wav = Path(tmp) / "narration.wav"
        wav.write_bytes(wav_bytes(sound))
        partial = ffmpeg.partial_path(out_path)
        try:
            out_path.parent.mkdir(parents=True, exist_ok=True)
            ffmpeg.run([ffmpeg.ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav),
                        "-c:a", "libmp3lame", "-q:a", "2", "-f", "mp3", str(partial)],
                       "the MP3 export", out_path, state)
            os.replace(partial, out_path)
        except OSError as exc:
            raise MediaError(f"Could not save {out_path.name}: {exc.strerror or exc}.", detail=repr(exc)) from exc
        finally:
            ffmpeg.remove_quietly(partial)
    return loudness

