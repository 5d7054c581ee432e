"""The export cut into segments at scene boundaries, each named by what decides its pixels.

A segment is a run of frames that shows one image clip (or black where none shows).
Frame j of a segment shows the composition at `origin + j / fps`, where `origin` is
where its clip begins to show on the timeline: so what a segment looks like depends on
its own content (the still, its framing, the captions over it, relative to its start,
its length) and not on where it sits. A longer line that pushes later scenes along
leaves their segments, and so their cached video, as they were.

Each segment's frame count is its own length in frames; the running total is nudged
by a frame where it would drift more than one frame from the timeline, so picture,
sound and captions stay within a frame of each other and the video's length is the
timeline's to within a frame.
"""

from __future__ import annotations

import hashlib
import json
import os
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from studio.render.timeline import Clip, Timeline

SEGMENT_VERSION = "1"  # bump when the way frames are made changes what they look like
_DIGITS = 6  # times are compared and keyed to the microsecond: float noise never changes a key


@dataclass(frozen=True)
class Segment:
    first: int  # the export's frame index of its first frame
    frames: int
    origin: float  # timeline time its first frame shows
    clip: Clip | None  # the image clip it shows; None: black
    captions: tuple[tuple[int, int, tuple[str, ...]], ...] = ()  # (from frame, to frame, lines), segment-relative

    @property
    def end(self) -> int:
        return self.first + self.frames

    def time_of(self, j: int, fps: int) -> float:
        return self.origin + j / fps

    def progress_of(self, j: int, fps: int) -> float:
        """How far through its clip's pan/zoom frame j is (keyed by the rounded offset, as made)."""
        clip = self.clip
        if clip is None or clip.duration <= 0:
            return 0.0
        return (round(self.origin - clip.start, _DIGITS) + j / fps) / round(clip.duration, _DIGITS)


def plan(timeline: Timeline, fps: int, cues=()) -> list[Segment]:
    """The segments of the whole export, in order, each frame in exactly one."""
    images = timeline.track("image")
    duration = timeline.duration
    points = sorted({0.0, round(duration, _DIGITS)} | {round(min(max(t, 0.0), duration), _DIGITS)
                                                          for c in images for t in (c.start, c.end)})
    pieces: list[tuple[float, float, Clip | None]] = []
    for a, b in zip(points, points[1:]):
        if b <= a:
            continue
        mid = (a + b) / 2
        hits = [c for c in images if c.start <= mid < c.end]
        clip = hits[-1] if hits else None
        if pieces and pieces[-1][2] is clip:
            pieces[-1] = (pieces[-1][0], b, clip)
        else:
            pieces.append((a, b, clip))
    segments: list[Segment] = []
    first = 0
    for a, b, clip in pieces:
        frames = round((b - a) * fps)
        drift = first + frames - b * fps
        if drift > 1:
            frames -= 1
        elif drift < -1:
            frames += 1
        if frames <= 0:
            continue
        segments.append(Segment(first, frames, a, clip))
        first += frames
    if not segments:  # nothing but a sliver: one frame
        segments.append(Segment(0, 1, 0.0, pieces[0][2] if pieces else None))
    return [_with_captions(s, cues, fps) for s in segments]


def _with_captions(segment: Segment, cues, fps: int) -> Segment:
    """The cues over a segment as runs of its own frames: frame j shows a cue when
    cue.start <= origin + j/fps < cue.end, compared relative to the origin (rounded)."""
    runs = []
    for cue in cues:
        start, end = round(cue.start - segment.origin, _DIGITS), round(cue.end - segment.origin, _DIGITS)
        if end <= 0 or start >= segment.frames / fps or end <= start:
            continue
        j0 = max(0, _first_frame_at_or_after(start, fps))
        j1 = min(segment.frames, _first_frame_at_or_after(end, fps))
        if j1 > j0:
            spoken = getattr(cue, "spoken", None)  # a karaoke cue's word: its own run, its own pixels
            runs.append((j0, j1, tuple(str(line) for line in cue.lines)) + ((spoken,) if spoken is not None else ()))
    return Segment(segment.first, segment.frames, segment.origin, segment.clip, tuple(runs))


def _first_frame_at_or_after(t: float, fps: int) -> int:
    j = int(t * fps)
    while round(j / fps, _DIGITS) < t:
        j += 1
    while j > 0 and round((j - 1) / fps, _DIGITS) >= t:
        j -= 1
    return j


def segment_at(segments: list[Segment], i: int) -> Segment | None:
    n = bisect_right([s.first for s in segments], i) - 1
    if n < 0 or i >= segments[n].end:
        return None
    return segments[n]


def key(segment: Segment, folder: Path, settings: dict) -> str:
    """The content address of a segment's video: everything its pixels depend on, nothing of its position."""
    clip = segment.clip
    picture = None
    if clip is not None:
        picture = {
            "image": file_digest(Path(folder) / clip.source),
            "pan_zoom": clip.pan_zoom.to_dict() if clip.pan_zoom else None,
            "offset": round(segment.origin - clip.start, _DIGITS) + 0.0,  # never -0.0
            "duration": round(clip.duration, _DIGITS) + 0.0,
        }
    described = {"version": SEGMENT_VERSION, "settings": settings, "frames": segment.frames, "picture": picture,
                 "captions": [list(run) for run in segment.captions]}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode("utf-8")).hexdigest()[:40]


_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, remembered while its size and modification time stay the same."""
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    stamp = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    digest = _DIGESTS.get(stamp)
    if digest is None:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        digest = _DIGESTS[stamp] = h.hexdigest()
    return digest


__all__ = ["SEGMENT_VERSION", "Segment", "file_digest", "key", "plan", "segment_at"]
