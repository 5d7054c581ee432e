"""Decode any audio or video file a creator has into mono float32 samples.

imageio-ffmpeg ships an ffmpeg binary but no ffprobe, so nothing here asks what a
file holds first: ffmpeg is told to take the first audio stream, and its refusal
is turned into a sentence. The creator's file is only ever read.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from studio.engines.base import TaskState, check_cancelled
from studio.errors import EngineError

# Big enough that Python overhead vanishes, small enough that cancel is felt at once.
_READ_BYTES = 1 << 20


def decode_audio(
    path, sample_rate: int = 16000, state: TaskState | None = None, *, channels: int = 1
) -> np.ndarray:
    """Decode the first audio stream of `path` to float32 at `sample_rate`.

    Mono gives shape (samples,), more channels (frames, channels). Raises EngineError
    (a sentence naming the file) when the file is missing, is not media, or has no
    sound; raises Cancelled when `state` asks between chunks.
    """
    path = Path(path)
    if not path.is_file():
        raise EngineError(f"{path.name} was not found in {path.parent}: check that the file is still there.")
    try:
        import imageio_ffmpeg

        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # the package or its binary is missing or broken
        raise EngineError(
            "The studio's ffmpeg is missing, so recordings cannot be read: reinstall Stitch Studio.",
            detail=repr(exc),
        ) from exc
    command = [
        ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error",
        "-i", str(path),
        "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-f", "f32le", "-acodec", "pcm_f32le", "-ac", str(int(channels)), "-ar", str(int(sample_rate)),
        # ffmpeg's downmix adds channels at -3 dB: stereo comes out 1.4x louder and 5.1
        # can pass 1.0. Capping the matrix averages the channels instead.
        "-rematrix_maxval", "1.0",
        "-",
    ]
    chunks: list[bytes] = []
    # stderr goes to a file, not a pipe: a damaged file can make ffmpeg complain for
    # longer than a pipe buffer holds, which would stall it while we wait on stdout.
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=errors,
                # No console window flashing up on Windows for each decode.
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        except OSError as exc:
            raise EngineError(
                f"The studio's ffmpeg could not start to read {path.name}: reinstall Stitch Studio.",
                detail=repr(exc),
            ) from exc
        try:
            while True:
                if state is not None:
                    check_cancelled(state)
                chunk = process.stdout.read(_READ_BYTES)
                if not chunk:
                    break
                chunks.append(chunk)
            returncode = process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
        errors.seek(0)
        message = errors.read().decode("utf-8", errors="replace")
    if returncode != 0:
        raise _decode_error(path, message)
    data = b"".join(chunks)
    frame = 4 * int(channels)
    samples = np.frombuffer(data[: len(data) - len(data) % frame], dtype="<f4").astype(np.float32, copy=True)
    return samples if channels == 1 else samples.reshape(-1, int(channels))


def _decode_error(path: Path, ffmpeg_says: str) -> EngineError:
    said = ffmpeg_says.lower()
    if "matches no streams" in said or "does not contain any stream" in said:
        return EngineError(
            f"{path.name} has no sound to transcribe: choose a file with a voice track.",
            detail=ffmpeg_says,
        )
    if "permission denied" in said:
        return EngineError(
            f"{path.name} cannot be read (permission denied): check the file's permissions.",
            detail=ffmpeg_says,
        )
    return EngineError(
        f"{path.name} could not be read as audio or video: it may be damaged or in an "
        "unusual format; export it again as WAV, MP3 or MP4.",
        detail=ffmpeg_says,
    )


def as_samples(audio, sample_rate: int = 16000, state: TaskState | None = None) -> np.ndarray:
    """A path is decoded; an array (already at `sample_rate`) becomes mono float32."""
    if isinstance(audio, (str, os.PathLike)):
        return decode_audio(audio, sample_rate, state)
    samples = np.asarray(audio)
    if samples.ndim == 2:
        # Channels are the short axis, whichever way round the caller stacked them.
        samples = samples.mean(axis=1 if samples.shape[1] <= samples.shape[0] else 0)
    if samples.ndim != 1:
        raise EngineError("The audio given has an unexpected shape: hand over mono samples.")
    if samples.dtype.kind in "iu":
        # Integer PCM (e.g. int16 from a WAV) scaled to [-1, 1].
        samples = samples / float(np.iinfo(samples.dtype).max)
    return np.ascontiguousarray(samples, dtype=np.float32)
