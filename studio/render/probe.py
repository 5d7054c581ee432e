"""What a media file holds, asked of ffmpeg itself (imageio-ffmpeg ships no ffprobe).

`ffmpeg -i FILE` with no output prints the streams on stderr and exits 1; that
text is parsed here. Frames and sound are decoded to numpy through pipes.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from studio.render.errors import MediaError
from studio.render.ffmpeg import NO_WINDOW, ffmpeg_exe

_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #\d+:\d+\S*: (Video|Audio|Subtitle|Data): (.*)")
_SIZE = re.compile(r"\b(\d{2,5})x(\d{2,5})\b")
_FPS = re.compile(r"([\d.]+) fps")
_RATE = re.compile(r"(\d+) Hz")
_FRAME = re.compile(r"frame=\s*(\d+)")


@dataclass
class Stream:
    kind: str  # "video", "audio", ...
    codec: str
    pix_fmt: str = ""
    width: int = 0
    height: int = 0
    fps: float = 0.0
    sample_rate: int = 0
    channels: str = ""  # "mono", "stereo", ...
    description: str = ""


@dataclass
class MediaInfo:
    duration: float
    streams: list[Stream] = field(default_factory=list)

    def first(self, kind: str) -> Stream | None:
        return next((s for s in self.streams if s.kind == kind), None)

    @property
    def video(self) -> Stream | None:
        return self.first("video")

    @property
    def audio(self) -> Stream | None:
        return self.first("audio")


def _ffmpeg(args: list[str], path: Path) -> subprocess.CompletedProcess:
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path.name} was not found in {path.parent}: check that the file is still there.")
    return subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", *args], capture_output=True,
                          creationflags=NO_WINDOW)


def parse(said: str) -> MediaInfo:
    """Streams and duration from what `ffmpeg -i` printed."""
    m = _DURATION.search(said)
    duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) if m else 0.0
    streams = []
    for kind, rest in _STREAM.findall(said):
        parts = [p.strip() for p in re.split(r",(?![^(]*\))", rest)]
        s = Stream(kind=kind.lower(), codec=parts[0].split()[0], description=rest.strip())
        if s.kind == "video":
            s.pix_fmt = parts[1].split("(")[0].strip() if len(parts) > 1 else ""
            if size := _SIZE.search(rest):
                s.width, s.height = int(size[1]), int(size[2])
            if fps := _FPS.search(rest):
                s.fps = float(fps[1])
        elif s.kind == "audio":
            if rate := _RATE.search(rest):
                s.sample_rate = int(rate[1])
            s.channels = parts[2] if len(parts) > 2 else ""
        streams.append(s)
    return MediaInfo(duration=duration, streams=streams)


def probe(path) -> MediaInfo:
    said = _ffmpeg(["-i", str(path)], path).stderr.decode("utf-8", "replace")
    info = parse(said)
    if not info.streams:
        raise MediaError(f"{Path(path).name} is not a video, picture or sound file ffmpeg can read.",
                         detail=said[-2000:])
    return info


def count_frames(path) -> int:
    """How many video frames the file holds (read from the container, nothing decoded)."""
    said = _ffmpeg(["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"], path).stderr
    counts = _FRAME.findall(said.decode("utf-8", "replace"))
    return int(counts[-1]) if counts else 0


def frame_at(path, t: float) -> np.ndarray:
    """The video frame showing at `t` seconds, as an RGB array (height, width, 3)."""
    video = probe(path).video
    if video is None:
        raise MediaError(f"{Path(path).name} has no pictures to show.")
    done = _ffmpeg(["-ss", f"{t:.4f}", "-i", str(path), "-frames:v", "1",
                    "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], path)
    size = video.width * video.height * 3
    if len(done.stdout) < size:
        raise MediaError(f"{Path(path).name} has no picture at {t:.2f} s.", detail=done.stderr.decode()[-2000:])
    return np.frombuffer(done.stdout[:size], np.uint8).reshape(video.height, video.width, 3)


def decode_audio(path, sample_rate: int = 48000, channels: int = 2) -> np.ndarray:
    """The first sound stream as float32 samples (frames, channels) at `sample_rate`."""
    from studio.engines.media import decode_audio as decode  # one decoder for the whole studio

    return decode(path, sample_rate, channels=channels).reshape(-1, channels)