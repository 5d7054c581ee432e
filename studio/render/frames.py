"""The video's frames, made from the timeline in the encoder's own format (yuv420p).

Where the time goes on a small machine is x264, so making a frame must cost little:
each still is read, cropped to the video's shape, scaled and converted once per
clip, to a little more than its closest framing needs; a frame of a slow pan/zoom
is then one bilinear resize per plane (4× cheaper than an affine warp), placed to
1/20 of a pixel by the trick in `place`, so slow zooms glide without the stair-step
jitter of integer crops. Captions are drawn once per cue and laid on the frames of
their cue only.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.project.look import Look
from studio.project.paths import inside_project
from studio.render.burned_captions import CaptionArt, caption_art, lay_on, resolve_style
from studio.render.captions import karaoke_cues
from studio.render.colour import BLACK, to_yuv
from studio.render.errors import MediaError
from studio.render.segments import plan, segment_at
from studio.render.timeline import Clip, Timeline

HEADROOM = 1.04  # a plate is this much larger than its closest framing needs (see `place`)
MARGIN = 96  # luma pixels of repeated edge around a plate, room for `place`'s offsets
_OFFSETS = np.arange(40)
PRECISION = 0.05  # of a luma pixel; chroma, which the eye resolves far less finely, may be twice as far off


@dataclass
class Plate:
    """A still prepared for one clip: Y, U, V planes of its cover-cropped, scaled picture.

    The planes carry `margin` (luma; half that for chroma) pixels of repeated edge on
    every side; rects are fractions of what lies inside it.
    """

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    margin: int = 0


@contextmanager
def opencv_on_one_thread():
    """x264 keeps every core busy during an export; OpenCV's own thread pool (process-wide)
    would only add hand-offs, so frames are made on one thread meanwhile."""
    import cv2

    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def read_image(path: Path) -> np.ndarray:
    """An image file as uint8 BGR (any path, including ones OpenCV's own reader chokes on)."""
    import cv2

    path = Path(path)
    try:
        data = np.fromfile(str(path), np.uint8)
    except OSError as exc:
        raise MediaError(f"{path.name} is missing from {path.parent}: choose another image for its scene.",
                         detail=repr(exc)) from exc
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if len(data) else None
    if image is None:
        raise MediaError(f"{path.name} is not a picture the studio can read: save it as PNG or JPEG.")
    return image


def _even(x: float) -> int:
    return max(2, int(math.ceil(x / 2 - 1e-9)) * 2)


# A picture whose shape is further than this from the video's (as a ratio of aspect
# ratios) is not cropped: a portrait photo in a 16:9 video would lose its subject.
FIT_BEYOND = 1.2


def fit_shape(image: np.ndarray, width: int, height: int, fit: str = "blur") -> np.ndarray:
    """A picture of the video's shape: the picture as it is when the shapes are close (the
    crop takes little), else (`fit`, stitch.toml's `[timeline] fit`) the whole picture over
    a blurred copy of itself ("blur") or the video's shape cut around its subject ("subject")."""
    import cv2

    h, w = image.shape[:2]
    ratio = (w / h) / (width / height)
    if max(ratio, 1 / ratio) <= FIT_BEYOND:
        return image
    if fit == "subject":
        return around_subject(image, width, height)
    # The canvas at the picture's own resolution along its long side of the frame.
    scale = min(width / w, height / h)
    canvas_w, canvas_h = int(round(width / scale)), int(round(height / scale))
    cover = max(canvas_w / w, canvas_h / h)
    back = cv2.resize(image, (max(1, int(round(w * cover))), max(1, int(round(h * cover)))), interpolation=cv2.INTER_AREA)
    y0, x0 = (back.shape[0] - canvas_h) // 2, (back.shape[1] - canvas_w) // 2
    back = back[y0:y0 + canvas_h, x0:x0 + canvas_w]
    small = cv2.resize(back, (max(1, canvas_w // 16), max(1, canvas_h // 16)), interpolation=cv2.INTER_AREA)
    back = cv2.GaussianBlur(cv2.resize(small, (canvas_w, canvas_h), interpolation=cv2.INTER_LINEAR), (0, 0), 3)
    top, left = (canvas_h - h) // 2, (canvas_w - w) // 2
    back[top:top + h, left:left + w] = image
    return back


def around_subject(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """The largest crop of the video's shape centred on the picture's subject, as the
    cleanup's Fit to format finds it (`engines.cleanup.subject_box`)."""
    from studio.engines.cleanup import crop_box, subject_box

    h, w = image.shape[:2]
    x, y, bw, bh = subject_box(np.ascontiguousarray(image[:, :, ::-1]))  # it reads RGB
    cx, cy, cw, ch = crop_box(w, h, (width, height), ((x + bw / 2) / w, (y + bh / 2) / h))
    return image[cy:cy + ch, cx:cx + cw]


def make_plate(image: np.ndarray, width: int, height: int, zoom: float | None = None, fit: str = "blur") -> Plate:
    """Fit `image` to the video's shape (a small difference cropped, centred; a large one
    shown whole over a blurred copy, or cut around its subject: `fit`) and scale it for
    framings up to `zoom`.

    With no zoom (a still that does not move) the plate is exactly the frame.
    """
    import cv2

    image = fit_shape(image, width, height, fit)
    h, w = image.shape[:2]
    if w * height > h * width:  # wider than the video: keep the full height
        cw, ch = h * width / height, h
    else:
        cw, ch = w, w * height / width
    x0, y0 = int(round((w - cw) / 2)), int(round((h - ch) / 2))
    crop = image[y0:y0 + int(round(ch)), x0:x0 + int(round(cw))]
    scale = 1.0 if zoom is None else zoom * HEADROOM
    size = (_even(width * scale), _even(height * scale))
    shrinking = size[0] < crop.shape[1]
    scaled = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)
    margin = 0 if zoom is None else MARGIN
    if margin:
        scaled = cv2.copyMakeBorder(scaled, margin, margin, margin, margin, cv2.BORDER_REPLICATE)
    return Plate(*to_yuv(scaled), margin=margin)


def place(plane: np.ndarray, margin: int, rect, out: np.ndarray, precision: float = PRECISION) -> None:
    """Write the part of `plane` inside `rect` (fractions of its inside) over the whole of `out`.

    A bilinear resize of an integer crop can only start on whole pixels, but its
    scale may be any number a: output pixel k + j then starts at x0 + k·a. Among
    k = 0..39, one puts x0 + k·a within `precision` of where the framing starts when
    a is not too close to a whole number (the plate's headroom sees to that); the
    first k columns are dropped. Where no k fits, an exact affine warp does it.
    """
    import cv2

    ph, pw = plane.shape[0] - 2 * margin, plane.shape[1] - 2 * margin
    oh, ow = out.shape
    x, y, rw, rh = rect
    ax, ay = rw * pw / ow, rh * ph / oh
    kx, x0, ex = _offset(x * pw + margin, ax)
    ky, y0, ey = _offset(y * ph + margin, ay)
    if max(ex, ey) <= precision:
        crop = plane[y0:y0 + math.ceil((oh + ky + 1) * ay) + 2, x0:x0 + math.ceil((ow + kx + 1) * ax) + 2]
        resized = cv2.resize(crop, None, fx=1 / ax, fy=1 / ay, interpolation=cv2.INTER_LINEAR)
        if resized.shape[0] >= oh + ky and resized.shape[1] >= ow + kx:
            out[...] = resized[ky:ky + oh, kx:kx + ow]
            return
    inside = plane[margin:plane.shape[0] - margin, margin:plane.shape[1] - margin]
    warp(inside, rect, out)


def _offset(start: float, scale: float) -> tuple[int, int, float]:
    """(k, x0, error): the dropped columns, the whole-pixel crop start, and how far off it lands."""
    positions = start - _OFFSETS * scale
    whole = np.round(positions)
    error = np.abs(positions - whole)
    error[whole < 0] = np.inf
    k = int(np.argmin(error))
    return k, int(whole[k]), float(error[k])


def warp(plate_plane: np.ndarray, rect, out: np.ndarray) -> None:
    """Write the part of `plate_plane` inside `rect` (fractions) over the whole of `out`, sub-pixel exact."""
    import cv2

    ph, pw = plate_plane.shape
    oh, ow = out.shape
    x, y, rw, rh = rect
    sx, sy = rw * pw / ow, rh * ph / oh
    # Maps an output pixel centre to the plate: src = x·pw + (dst + 0.5)·s − 0.5.
    m = np.array([[sx, 0.0, x * pw + 0.5 * sx - 0.5], [0.0, sy, y * ph + 0.5 * sy - 0.5]], np.float64)
    cv2.warpAffine(plate_plane, m, (ow, oh), dst=out, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                   borderMode=cv2.BORDER_REPLICATE)


class FrameMaker:
    """Makes frame i of the timeline into a (height·3/2, width) yuv420p buffer."""

    def __init__(self, timeline: Timeline, project_folder: Path, width: int, height: int, fps: int,
                 captions=(), burn_captions: bool = True, look: Look | None = None):
        self.folder = Path(project_folder)
        self.look = look or Look()  # stitch.toml's fit and caption style
        self.width, self.height, self.fps = width, height, fps
        self.images = timeline.track("image")
        self.style = resolve_style(self.folder, self.look.captions)
        if burn_captions and self.style.highlight:
            captions = karaoke_cues(list(captions))  # a cue per word, the word spoken then drawn in colour
        self.cues = sorted((c for c in captions if c.end > c.start), key=lambda c: c.start) if burn_captions else []
        # Frames are made segment by segment (see segments.py): frame j of a segment shows its
        # origin + j/fps, so a segment's pixels are its own and an export can reuse them.
        self.segments = plan(timeline, fps, self.cues)
        self.count = self.segments[-1].end
        self._plates: dict[str, Plate] = {}
        self._art: dict[tuple, CaptionArt | None] = {}  # cues on screen (and the spoken word), drawn when they first show
        self._still_frames: dict[str, np.ndarray] = {}

    def check_sources(self) -> None:
        """Fail before any encoding if an image, or the captions' font, is missing."""
        if self.cues and self.style.font:
            caption_art(["Aa"], self.width, self.height, self.style)
        for clip in self.images:
            path = inside_project(self.folder, clip.source, f"The image of scene {clip.ref or clip.id}")
            if not path.is_file():
                raise MediaError(f"The image of scene {clip.ref or clip.id} ({clip.source}) is missing: "
                                 "choose another image or put the file back.")

    def planes(self, buffer: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w, h = self.width, self.height
        flat = buffer.reshape(-1)
        y = flat[: w * h].reshape(h, w)
        u = flat[w * h: w * h * 5 // 4].reshape(h // 2, w // 2)
        v = flat[w * h * 5 // 4:].reshape(h // 2, w // 2)
        return y, u, v

    def new_buffer(self) -> np.ndarray:
        return np.empty((self.height * 3 // 2, self.width), np.uint8)

    def _clip_at(self, t: float) -> Clip | None:
        hits = [c for c in self.images if c.start <= t < c.end]
        return hits[-1] if hits else None

    def _plate(self, clip: Clip) -> Plate:
        plate = self._plates.get(clip.id)
        if plate is None:
            # Clips already shown are never shown again: keep memory to one or two stills.
            self._plates = {k: p for k, p in self._plates.items() if self._clip(k).end > clip.start}
            zoom = clip.pan_zoom.max_zoom if clip.pan_zoom else None
            plate = make_plate(read_image(inside_project(self.folder, clip.source, "A scene's image")), self.width, self.height, zoom,
                               self.look.fit)
            self._plates[clip.id] = plate
        return plate

    def _clip(self, clip_id: str) -> Clip:
        return next(c for c in self.images if c.id == clip_id)

    def make(self, i: int, buffer: np.ndarray) -> None:
        y, u, v = self.planes(buffer)
        segment = segment_at(self.segments, i)
        if segment is None:  # past the end: what the timeline shows there (nothing)
            t = i / self.fps
            clip, progress, arts = self._clip_at(t), None, []
            if clip is not None:
                progress = (t - clip.start) / clip.duration
        else:
            j = i - segment.first
            clip, progress = segment.clip, segment.progress_of(j, self.fps)
            arts = [self._caption(*run[2:]) for run in segment.captions if run[0] <= j < run[1]]
        if clip is None:
            for plane, value in zip((y, u, v), BLACK):
                plane.fill(value)
        elif clip.pan_zoom is None:
            still = self._still_frames.get(clip.id)
            if still is None:
                still = self.new_buffer()
                plate = self._plate(clip)  # exactly the frame's size
                for src, dst in zip((plate.y, plate.u, plate.v), self.planes(still)):
                    dst[...] = src
                self._still_frames = {clip.id: still}
            np.copyto(buffer, still)
        else:
            plate = self._plate(clip)
            rect = clip.pan_zoom.rect_at(progress)
            place(plate.y, plate.margin, rect, y)
            place(plate.u, plate.margin // 2, rect, u, 2 * PRECISION)
            place(plate.v, plate.margin // 2, rect, v, 2 * PRECISION)
        for art in arts:
            if art is not None:
                lay_on(art, y, u, v)

    def _caption(self, lines: tuple[str, ...], spoken: int | None = None) -> CaptionArt | None:
        key = (lines, spoken)
        if key not in self._art:
            if len(self._art) > 16:  # cues already shown are rarely shown again
                self._art.clear()
            self._art[key] = caption_art(list(lines), self.width, self.height, self.style, spoken)
        return self._art[key]
