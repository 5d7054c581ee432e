"""Incremental export: only the segments whose pixels changed are encoded again.

Each segment (see segments.py) is encoded on its own, starting on a keyframe (every
encode starts with an IDR frame, and x264's GOPs are closed), into the project's
cache as `.stitch/cache/segments/KEY.mp4`, with `KEY.json` beside it recording its
size, frame count and sha256. An export then joins the segments with ffmpeg's concat
demuxer, copying the video as it is, and muxes the sound, which is mixed whole (it is
cheap) while the segments encode. A cached segment is checked against its record
before it is joined: a missing, damaged or unrecorded one is encoded again, never
joined. Every file reaches its name by a rename once it is complete, so a cancelled
export, a full disk or a crash leaves neither a half segment in the cache nor
anything under the export's final name.
"""

from __future__ import annotations

import hashlib
import os
import queue
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from studio.engines.base import TaskState, check_cancelled
from studio.storage import atomic_write_json, read_json
from studio.render import ffmpeg
from studio.render.errors import ExportFailed
from studio.render.frames import FrameMaker, opencv_on_one_thread
from studio.render.segments import Segment, key

CACHE = Path(".stitch") / "cache" / "segments"
_KEEP_BYTES = 4 << 30  # the cache is trimmed to this, oldest-used first, after each export


def cache_folder(project_folder: Path) -> Path:
    return Path(project_folder) / CACHE


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verified(cache: Path, name: str, frames: int) -> Path | None:
    """The cached segment `name`, if it is there whole: its record names its size, frames and checksum."""
    video, record = cache / f"{name}.mp4", read_json(cache / f"{name}.json", default=None)
    if not isinstance(record, dict) or record.get("frames") != frames:
        return None
    try:
        if video.stat().st_size != record.get("bytes") or sha256_of(video) != record.get("sha256"):
            return None
    except OSError:
        return None
    return video


def encode_segments(maker: FrameMaker, encoder_args: list[str], settings: dict, project_folder: Path,
                    out_path: Path, state: TaskState, cache: Path | None = None) -> tuple[list[Path], int]:
    """Each segment's video, from the cache where it is whole there, else encoded into it.
    Returns (the files in order, how many segments were encoded)."""
    from studio.render.pump import Scaled as _Scaled

    cache = Path(cache) if cache is not None else cache_folder(project_folder)
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportFailed(f"Could not make the export's cache folder {cache}: {exc.strerror or exc}.") from exc
    names = [key(s, project_folder, settings) for s in maker.segments]
    files: list[Path | None] = [verified(cache, n, s.frames) for n, s in zip(names, maker.segments)]
    todo = [n for n, f in enumerate(files) if f is None]
    total = sum(maker.segments[n].frames for n in todo) or 1
    done = 0
    for n in todo:
        check_cancelled(state)
        segment, name = maker.segments[n], names[n]
        files[n] = _encode_one(maker, segment, encoder_args, cache, name, out_path,
                               _Scaled(state, done / total, (done + segment.frames) / total), done, total)
        done += segment.frames
    _touch(files)
    _trim(cache, keep=set(files))
    return [f for f in files if f is not None], len(todo)


def _encode_one(maker: FrameMaker, segment: Segment, encoder_args: list[str], cache: Path, name: str,
                out_path: Path, state: TaskState, done: int = 0, total: int = 0) -> Path:
    from studio.render.pump import next_item as _next, produce as _produce, widen_pipe as _widen_pipe  # the full export's frame pump

    final = cache / f"{name}.mp4"
    partial = ffmpeg.partial_path(final)
    command = [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{maker.width}x{maker.height}",
        "-framerate", str(maker.fps), "-i", "pipe:0", "-an", *encoder_args, "-f", "mp4", str(partial),
    ]
    ready: queue.Queue = queue.Queue()
    free: queue.Queue = queue.Queue()
    for _ in range(6):
        free.put(maker.new_buffer())
    stop = threading.Event()
    frames = range(segment.first, segment.end)
    producer = threading.Thread(target=_produce, args=(maker, ready, free, stop, frames),
                                name="stitch-export-frames", daemon=True)
    try:
        with tempfile.TemporaryFile() as errors, opencv_on_one_thread():
            process = ffmpeg.start(command, "the export", errors, stdin=subprocess.PIPE)
            _widen_pipe(process.stdin)
            producer.start()
            try:
                for j in range(segment.frames):
                    frame = _next(ready, stop, state)
                    try:
                        process.stdin.write(frame.data)
                    except OSError:
                        raise _failed(process, errors, out_path) from None
                    free.put(frame)
                    if j % 15 == 0:
                        state.set_progress(j / segment.frames, f"Encoding frame {done + j + 1} of {total or segment.frames}")
                try:
                    process.stdin.close()
                except OSError:
                    raise _failed(process, errors, out_path) from None
                while process.poll() is None:
                    check_cancelled(state)
                    time.sleep(0.02)
                if process.returncode != 0:
                    raise _failed(process, errors, out_path)
            finally:
                stop.set()
                if producer.ident is not None:
                    producer.join()
                ffmpeg.stop(process)
                if process.stdin and not process.stdin.closed:
                    try:
                        process.stdin.close()
                    except OSError:
                        pass
        record = {"frames": segment.frames, "bytes": partial.stat().st_size, "sha256": sha256_of(partial)}
        os.replace(partial, final)
        atomic_write_json(cache / f"{name}.json", record)
    except OSError as exc:
        raise ExportFailed(f"Could not save {out_path.name}: {exc.strerror or exc}.", detail=repr(exc)) from exc
    finally:
        ffmpeg.remove_quietly(partial)
    return final


def join(files: list[Path], segments: list[Segment], fps: int, sound_args: list[str], audio_args: list[str],
         partial: Path, out_path: Path, state: TaskState, folder: Path) -> None:
    """The segments joined as they are (stream copy) with the sound muxed in, written to `partial`."""
    listing = Path(folder) / "segments.ffconcat"
    lines = ["ffconcat version 1.0"]
    for path, segment in zip(files, segments):
        quoted = str(Path(path).absolute()).replace("'", "'\\''")
        lines += [f"file '{quoted}'", f"duration {segment.frames / fps:.6f}"]
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "concat", "-safe", "0", "-i", str(listing), *sound_args,
        "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", *audio_args,
        "-movflags", "+faststart", "-f", "mp4", str(partial),
    ]
    ffmpeg.run(command, "the export", out_path, state)


def _failed(process, errors, out_path: Path) -> ExportFailed:
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        ffmpeg.stop(process)
    return ffmpeg.failure("the export", out_path, ffmpeg.read_back(errors), process.returncode)


def _touch(files) -> None:
    """Mark the segments this export used as recently used (the trim keeps those longest)."""
    for f in files:
        try:
            os.utime(f)
        except (OSError, TypeError):
            pass


def _trim(cache: Path, keep: set, limit: int = _KEEP_BYTES) -> None:
    """Drop the least recently used segments while the cache holds more than `limit` bytes."""
    try:
        videos = [(p.stat().st_mtime, p.stat().st_size, p) for p in cache.glob("*.mp4")]
    except OSError:
        return
    total = sum(size for _t, size, _p in videos)
    for _t, size, path in sorted(videos, key=lambda v: v[0]):
        if total <= limit:
            break
        if path in keep:
            continue
        ffmpeg.remove_quietly(path)
        ffmpeg.remove_quietly(path.with_suffix(".json"))
        total -= size


__all__ = ["CACHE", "cache_folder", "encode_segments", "join", "verified"]
