"""Export: the timeline as an MP4 (H.264 yuv420p + AAC) in one of three presets.

One ffmpeg run does only what only it can do: encode. Frames arrive on its stdin
already in yuv420p at the output size (so it scales and converts nothing), made by a
producer thread that works while x264 encodes the frames before them. The sound is
mixed and normalized on a thread of its own while x264 starts on the first frames,
and reaches the same ffmpeg run through a second pipe (on Windows, which cannot hand
a child a second pipe, it is mixed first and passed as a file). The file is written
under a hidden name beside the final one and renamed at the very end: a cancelled or
failed export leaves nothing under the final name.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from studio.engines.base import NullState, TaskState, check_cancelled
from studio.project.look import Look
from studio.project.paths import refuse_writing_through_link
from studio.render import ffmpeg
from studio.render.audio import SAMPLE_RATE, loudness_target, master, mix, wav_bytes
from studio.render.errors import ExportFailed, MediaError
from studio.render.frames import FrameMaker, opencv_on_one_thread
from studio.render.pump import Scaled as _Scaled, next_item as _next, produce as _produce, widen_pipe as _widen_pipe
from studio.render.timeline import Timeline


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    width: int
    height: int
    fps: int = 30
    crf: int = 20
    x264_preset: str = "medium"
    audio_bitrate: str = "192k"

    def __post_init__(self):
        if self.width % 2 or self.height % 2 or self.width <= 0 or self.height <= 0:
            raise ExportFailed(f"A video's width and height must be even numbers, not {self.width}×{self.height}.")


PRESETS = {
    "shorts": Preset("shorts", "Shorts, Reels, TikTok (9:16)", 1080, 1920),
    "landscape": Preset("landscape", "YouTube (16:9)", 1920, 1080),
    "square": Preset("square", "Square (1:1)", 1080, 1080),
}
CAPTION_MODES = ("burn", "srt", "vtt", "none")
_QUEUE_FRAMES = 6  # frames made ahead of the encoder: enough to hide reading the next still
_SOUND_CHUNK = 1 << 20
_SECOND_PIPE = os.name == "posix"  # Popen's pass_fds and ffmpeg's pipe:N


@dataclass
class ExportResult:
    path: Path
    preset: str
    width: int
    height: int
    fps: int
    frames: int
    duration: float  # seconds of video, = frames / fps
    loudness: float  # integrated LUFS of the exported sound
    seconds: float  # wall time the export took
    sidecars: list[Path] = field(default_factory=list)  # caption files written beside the video
    quality: str = "final"  # or "quick"
    encoder: str = "libx264"  # the video encoder that made it
    segments: int = 1  # scenes the video was cut into
    encoded_segments: int = 1  # of which encoded by this export (the others came from the cache)
    notes: list[str] = field(default_factory=list)  # sentences for the creator (a hardware encoder fell back)


QUALITIES = {"final": "Final", "quick": "Quick look"}
QUICK_X264 = "veryfast"  # the quick look: same size and rate, x264's veryfast preset


def with_quality(preset: Preset, quality: str = "final") -> Preset:
    """The preset at a quality: "final" as it is, "quick" (a quick look at the cut) with x264 veryfast."""
    if quality not in QUALITIES:
        raise ExportFailed(f"An export's quality is {' or '.join(QUALITIES)}, not {quality!r}.")
    return replace(preset, x264_preset=QUICK_X264) if quality == "quick" else preset


def export_file_name(title: str, preset: str, quality: str = "final", suffix: str = "mp4") -> str:
    """TITLE-PRESET.mp4, or TITLE-PRESET-quick.mp4 for a quick look: the name says which it is."""
    slug = re.sub(r"[^\w]+", "-", title.lower()).strip("-")[:60] or "export"
    return f"{slug}-{preset}{'-quick' if quality == 'quick' else ''}.{suffix}"


def video_encoder_args(preset: Preset, encoder: str = "libx264") -> list[str]:
    """x264 settings of every export (the benchmark's floor uses the very same), or a hardware
    encoder's nearest equivalent (see hardware.py).

    The colour tags go through x264's own VUI options: ffmpeg's -colorspace would make
    it convert every frame from what it takes the untagged input to be.
    """
    if encoder != "libx264":
        from studio.render.hardware import encoder_args

        return encoder_args(encoder, preset)
    return ["-c:v", "libx264", "-preset", preset.x264_preset, "-crf", str(preset.crf), "-pix_fmt", "yuv420p",
            "-x264-params", "colorprim=bt709:transfer=bt709:colormatrix=bt709:range=tv"]


def _preset(preset: str | Preset) -> Preset:
    if isinstance(preset, Preset):
        return preset
    if preset not in PRESETS:
        raise ExportFailed(f"There is no export preset called {preset!r}: choose one of {', '.join(PRESETS)}.")
    return PRESETS[preset]


def export(timeline: Timeline, project_folder: Path, out_path: Path, preset: str | Preset = "shorts",
           captions=(), captions_mode: str = "burn", state: TaskState | None = None, *,
           quality: str = "final", encoder: str = "libx264", incremental: bool = True,
           cache: Path | None = None, look: Look | None = None) -> ExportResult:
    """Make `out_path` from the timeline. Raises Cancelled, MediaError or ExportFailed (with a sentence).

    `incremental` (the default) encodes scene by scene into the project's cache and
    reuses every scene whose pixels have not changed since an earlier export (see
    incremental.py); False encodes the whole video in one run and caches nothing.
    `encoder` is "libx264", a hardware encoder's name, or "fastest" (see hardware.py):
    a hardware encoder that fails falls back to x264, said in `ExportResult.notes`.
    `look` is stitch.toml's fit and caption style (`project.look.look_of(manifest)`).
    """
    began = time.monotonic()
    state = state or NullState()
    preset = with_quality(_preset(preset), quality)
    out_path = Path(out_path)
    if captions_mode not in CAPTION_MODES:
        raise ExportFailed(f"Captions can be {', '.join(CAPTION_MODES)}, not {captions_mode!r}.")
    if timeline.duration <= 0:
        raise MediaError("The timeline is empty: render some lines before exporting.")
    refuse_writing_through_link(project_folder, out_path)
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportFailed(f"Could not make the folder {out_path.parent}: {exc.strerror or exc}.") from exc
    maker = FrameMaker(timeline, project_folder, preset.width, preset.height, preset.fps,
                       captions=captions, burn_captions=captions_mode == "burn", look=look)
    maker.check_sources()
    notes: list[str] = []
    if encoder != "libx264":
        from studio.render.hardware import choose

        encoder, note = choose(encoder, state)
        notes += [note] if note else []
    sound = _Sound(timeline, Path(project_folder), loudness_target(preset.name), state)
    encoded = len(maker.segments)

    with tempfile.TemporaryDirectory(prefix="stitch-export-") as tmp:
        partial = ffmpeg.partial_path(out_path)
        try:
            if incremental:
                encoded, note, encoder = _export_by_segments(maker, preset, encoder, sound, Path(project_folder), cache,
                                                    partial, out_path, Path(tmp), state)
                notes += [note] if note else []
            else:
                if not _SECOND_PIPE:
                    state.set_progress(0.0, "Mixing the sound")
                    sound.write_wav(Path(tmp) / "mix.wav")  # a full disk here is said like one while encoding
                check_cancelled(state)
                try:
                    _encode(maker, preset, sound, partial, out_path, _Scaled(state, 0.01, 0.98), encoder)
                except ExportFailed as exc:
                    if encoder == "libx264" or "disk is full" in str(exc) or "may not write" in str(exc):
                        raise
                    from studio.render.hardware import fallback_note

                    notes.append(fallback_note(encoder, exc))
                    encoder = "libx264"
                    sound = _Sound(timeline, Path(project_folder), loudness_target(preset.name), state)
                    if not _SECOND_PIPE:
                        sound.write_wav(Path(tmp) / "mix.wav")
                    _encode(maker, preset, sound, partial, out_path, _Scaled(state, 0.01, 0.98), encoder)
            check_cancelled(state)
            os.replace(partial, out_path)
        except OSError as exc:
            raise ExportFailed(f"Could not save {out_path.name}: {exc.strerror or exc}.", detail=repr(exc)) from exc
        finally:
            ffmpeg.remove_quietly(partial)
    sidecars = _sidecars(captions, captions_mode, out_path)
    state.set_progress(1.0, "Exported")
    return ExportResult(
        path=out_path, preset=preset.name, width=preset.width, height=preset.height, fps=preset.fps,
        frames=maker.count, duration=maker.count / preset.fps, loudness=sound.loudness,
        seconds=time.monotonic() - began, sidecars=sidecars, quality=quality, encoder=encoder,
        segments=len(maker.segments), encoded_segments=encoded, notes=notes,
    )


def _export_by_segments(maker: FrameMaker, preset: Preset, encoder: str, sound: "_Sound", folder: Path,
                        cache: Path | None, partial: Path, out_path: Path, tmp: Path,
                        state: TaskState) -> tuple[int, str, str]:
    """Encode the segments not yet cached, mix the sound meanwhile, join and mux into `partial`.
    Returns (segments encoded, a sentence when a hardware encoder failed and x264 took over)."""
    from studio.render import incremental

    wav = tmp / "mix.wav"
    mixing = _Mixing(sound, wav)
    mixing.start()
    note = ""
    try:
        settings = {"encoder": video_encoder_args(preset, encoder), "size": [preset.width, preset.height],
                    "fps": preset.fps}
        if maker.look != Look():  # the default look keeps the keys scenes were cached under before
            settings["look"] = maker.look.to_dict()
        scaled = _Scaled(state, 0.01, 0.95)
        try:
            files, encoded = incremental.encode_segments(maker, video_encoder_args(preset, encoder), settings,
                                                         folder, out_path, scaled, cache)
        except ExportFailed as exc:
            if encoder == "libx264" or "disk is full" in str(exc) or "may not write" in str(exc):
                raise
            from studio.render.hardware import fallback_note

            note = fallback_note(encoder, exc)
            encoder = "libx264"
            settings["encoder"] = video_encoder_args(preset)
            files, encoded = incremental.encode_segments(maker, video_encoder_args(preset), settings, folder,
                                                         out_path, scaled, cache)
        state.set_progress(0.95, "Joining the scenes")
        mixing.wait(state)
        incremental.join(files, maker.segments, preset.fps, ["-i", str(wav)],
                         ["-c:a", "aac", "-b:a", preset.audio_bitrate, "-ar", str(SAMPLE_RATE)],
                         partial, out_path, state, tmp)
    finally:
        mixing.abandon()
    return encoded, note, encoder


class _Mixing:
    """The sound mixed to a WAV on a thread of its own while the segments encode."""

    def __init__(self, sound: "_Sound", wav: Path):
        self.sound, self.wav = sound, wav
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="stitch-export-sound", daemon=True)

    def _run(self) -> None:
        try:
            self.sound.write_wav(self.wav)
        except BaseException as exc:  # raised again on the caller's thread
            self.failure = exc

    def start(self) -> None:
        self.thread.start()

    def wait(self, state: TaskState) -> None:
        while self.thread.is_alive():
            check_cancelled(state)
            self.thread.join(0.05)
        if self.failure is not None:
            raise self.failure

    def abandon(self) -> None:
        self.sound.join()  # sets its abandon flag: a mix still running stops at its next step
        self.thread.join()


def _command(preset: Preset, audio_input: list[str], partial: Path, encoder: str = "libx264") -> list[str]:
    return [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{preset.width}x{preset.height}",
        "-framerate", str(preset.fps), "-i", "pipe:0",
        *audio_input,
        "-map", "0:v:0", "-map", "1:a:0",
        *video_encoder_args(preset, encoder),
        "-c:a", "aac", "-b:a", preset.audio_bitrate, "-ar", str(SAMPLE_RATE),
        "-movflags", "+faststart", "-f", "mp4", str(partial),
    ]


def _encode(maker: FrameMaker, preset: Preset, sound: _Sound, partial: Path, out_path: Path,
            state: TaskState, encoder: str = "libx264") -> None:
    # Frames travel producer → writer through `ready` and come back through `free`:
    # a few buffers reused, rather than 3 MB of fresh memory per frame.
    ready: queue.Queue = queue.Queue()
    free: queue.Queue = queue.Queue()
    for _ in range(_QUEUE_FRAMES):
        free.put(maker.new_buffer())
    stop = threading.Event()
    producer = threading.Thread(target=_produce, args=(maker, ready, free, stop), name="stitch-export-frames",
                                daemon=True)
    with tempfile.TemporaryFile() as errors, opencv_on_one_thread(), sound:
        process = ffmpeg.start(_command(preset, sound.ffmpeg_input(), partial, encoder), "the export", errors,
                               stdin=subprocess.PIPE, pass_fds=sound.child_fds())
        sound.start()
        _widen_pipe(process.stdin)
        producer.start()
        try:
            for i in range(maker.count):
                frame = _next(ready, stop, state)
                try:
                    process.stdin.write(frame.data)
                except OSError:  # ffmpeg stopped reading: it failed, or the sound did (said first)
                    sound.raise_failure()
                    raise _ffmpeg_failed(process, errors, out_path) from None
                free.put(frame)
                sound.raise_failure()
                if i % 15 == 0:
                    state.set_progress(i / maker.count, f"Encoding frame {i + 1} of {maker.count}")
            try:
                process.stdin.close()
            except OSError:
                sound.raise_failure()
                raise _ffmpeg_failed(process, errors, out_path) from None
            while process.poll() is None:
                check_cancelled(state)
                sound.raise_failure()
                time.sleep(0.05)
            sound.raise_failure()
            if process.returncode != 0:
                raise _ffmpeg_failed(process, errors, out_path)
        finally:
            stop.set()
            producer.join()
            ffmpeg.stop(process)  # first: a sound thread blocked on its pipe then ends too
            sound.join()
            if process.stdin and not process.stdin.closed:
                try:
                    process.stdin.close()
                except OSError:
                    pass


class _Sound:
    """The export's sound: mixed and normalized on its own thread, handed to ffmpeg as raw float samples
    through a pipe (POSIX); where a child cannot be handed a second pipe, mixed first and written as a WAV."""

    def __init__(self, timeline: Timeline, folder: Path, target_lufs: float, state: TaskState):
        self.timeline, self.folder, self.target, self.state = timeline, folder, target_lufs, state
        self.loudness = float("nan")
        self._wav: Path | None = None
        self._read_end = self._write_end = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._abandoned = threading.Event()  # the export ended first: stop mixing

    def _mixed(self) -> np.ndarray:
        # Cancel only: progress belongs to the frames, so that it only ever goes up.
        quiet = _CancelOnly(self.state, self._abandoned)
        sound, self.loudness = master(mix(self.timeline, self.folder, state=quiet), self.target)
        return sound

    def write_wav(self, path: Path) -> None:
        path.write_bytes(wav_bytes(self._mixed(), SAMPLE_RATE, "FLOAT"))
        self._wav = path

    def ffmpeg_input(self) -> list[str]:
        if self._wav is not None:
            return ["-i", str(self._wav)]
        return ["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "2", "-i", f"pipe:{self._read_end}"]

    def child_fds(self) -> tuple[int, ...]:
        return () if self._read_end is None else (self._read_end,)

    def start(self) -> None:
        """Called once ffmpeg holds its copy of the read end."""
        if self._read_end is None:
            return
        os.close(self._read_end)
        self._read_end = None
        self._thread = threading.Thread(target=self._feed, name="stitch-export-sound", daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        try:
            samples = self._mixed()
            np.clip(samples, -1.0, 1.0, out=samples)
            data = memoryview(np.ascontiguousarray(samples, "<f4")).cast("B")
            for at in range(0, len(data), _SOUND_CHUNK):
                os.write(self._write_end, data[at:at + _SOUND_CHUNK])
        except BrokenPipeError:  # ffmpeg is gone: the writer reports why
            pass
        except BaseException as exc:  # raised again by the writer, on the caller's thread
            self._failure = exc
        finally:
            self._close_write_end()  # end of sound: ffmpeg stops waiting for more

    def _close_write_end(self) -> None:
        if self._write_end is not None:
            os.close(self._write_end)
            self._write_end = None

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def join(self) -> None:
        self._abandoned.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> _Sound:
        if self._wav is None:
            self._read_end, self._write_end = os.pipe()
        return self

    def __exit__(self, *exc) -> None:
        """Whatever happened (ffmpeg may not even have started), no pipe end stays open."""
        self.join()
        self._close_write_end()
        if self._read_end is not None:
            os.close(self._read_end)
            self._read_end = None


def _ffmpeg_failed(process: subprocess.Popen, errors, out_path: Path) -> ExportFailed:
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        ffmpeg.stop(process)
    return ffmpeg.failure("the export", out_path, ffmpeg.read_back(errors), process.returncode)


def _sidecars(cues, mode: str, out_path: Path) -> list[Path]:
    if mode not in ("srt", "vtt"):
        return []
    from studio.render.captions import write_captions

    path = out_path.with_suffix(f".{mode}")
    write_captions(path, list(cues), mode)
    return [path]


class _CancelOnly:
    """A state that passes on a cancel (or an abandon) but no progress."""

    def __init__(self, state: TaskState, abandoned: threading.Event):
        self.state, self.abandoned = state, abandoned

    def set_progress(self, fraction: float, message: str = "") -> None:
        pass

    def is_cancelled(self) -> bool:
        return self.abandoned.is_set() or self.state.is_cancelled()


__all__ = ["CAPTION_MODES", "PRESETS", "QUALITIES", "export_file_name", "with_quality", "ExportResult", "Preset", "export", "video_encoder_args"]
