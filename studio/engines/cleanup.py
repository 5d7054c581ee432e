"""Picture cleanup with OpenCV, no model weights: cut out the subject, fit to a format, lift contrast.

Pure functions on H×W×3 uint8 RGB arrays (H×W×4 RGBA where said); each returns a
new array and never changes its input. cv2 is imported on first use.
`OpenCVCleanup` offers them as the "opencv" engine (`[routing.cleanup]`), beside
any cleanup engine a plugin registers (`CleanupEngine`).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from studio.engines.images import as_rgb
from studio.errors import EngineError

FORMATS = ("9:16", "16:9", "1:1")
_WORK_SIDE = 512  # GrabCut runs at most this large; the mask is scaled back up
_MIN_SIDE = 8


# -- background removal ---------------------------------------------------------------


def remove_background(image, rect=None, iterations: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """(RGBA picture, mask) with the background made transparent.

    `rect` is (x, y, width, height) around the subject in pixels, as the creator drew
    it; without one, the subject's box is found from its contrast with the picture's
    border (see `subject_box`). The mask is H×W uint8, 255 on the subject.
    """
    import cv2

    rgb = as_rgb(image)
    height, width = rgb.shape[:2]
    if min(height, width) < _MIN_SIDE:
        raise EngineError(f"This picture is too small to cut out (under {_MIN_SIDE} pixels a side): use a larger one.")
    x, y, w, h = subject_box(rgb) if rect is None else _checked_rect(rect, width, height)
    scale = min(1.0, _WORK_SIDE / max(height, width))
    work = rgb if scale == 1.0 else cv2.resize(
        rgb, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA
    )
    wh, ww = work.shape[:2]
    x0, y0 = int(x * scale), int(y * scale)
    x1, y1 = min(ww, int(np.ceil((x + w) * scale))), min(wh, int(np.ceil((y + h) * scale)))
    if x0 == 0 and y0 == 0 and x1 == ww and y1 == wh:
        x0, y0, x1, y1 = 1, 1, ww - 1, wh - 1  # GrabCut learns the background from outside the box
    marks = np.zeros((wh, ww), np.uint8)
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(work, marks, (x0, y0, x1 - x0, y1 - y0), background, foreground,
                max(1, int(iterations)), cv2.GC_INIT_WITH_RECT)
    mask = np.where((marks == cv2.GC_FGD) | (marks == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    if scale != 1.0:
        mask = cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR)
        mask = np.where(mask >= 128, 255, 0).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    if not mask.any():
        raise EngineError("No subject was found inside the box: draw the box closer around the subject and try again.")
    return np.dstack([rgb, mask]), mask


def subject_box(image) -> tuple[int, int, int, int]:
    """(x, y, width, height) of what stands out from the picture's border colours.

    The border is taken as background: its colours are clustered, and the pixels far
    from every cluster (after smoothing away texture) are the subject. When nothing
    clear stands out, a centred box covering 80% of each side is returned.
    """
    import cv2

    rgb = as_rgb(image)
    height, width = rgb.shape[:2]
    default = _centred_box(width, height)
    if min(height, width) < _MIN_SIDE:
        return default
    scale = min(1.0, 256 / max(height, width))
    small = rgb if scale == 1.0 else cv2.resize(
        rgb, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA
    )
    sh, sw = small.shape[:2]
    blur = max(3, (min(sh, sw) // 40) | 1)
    lab = cv2.cvtColor(cv2.GaussianBlur(small, (blur, blur), 0), cv2.COLOR_RGB2LAB).astype(np.float32)
    band = max(2, round(min(sh, sw) * 0.04))
    border = np.concatenate([
        lab[:band].reshape(-1, 3), lab[-band:].reshape(-1, 3),
        lab[:, :band].reshape(-1, 3), lab[:, -band:].reshape(-1, 3),
    ])
    clusters = min(6, len(border))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    _, _, centres = cv2.kmeans(border, clusters, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    distance = np.min(np.linalg.norm(lab[:, :, None, :] - centres[None, None, :, :], axis=3), axis=2)
    if distance.max() < 12.0:  # nothing differs from the border by more than a faint shade
        return default
    scaled = np.clip(distance * (255.0 / distance.max()), 0, 255).astype(np.uint8)
    _, standout = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    standout &= np.where(distance > 12.0, 255, 0).astype(np.uint8)
    standout = cv2.morphologyEx(standout, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(standout)
    if count < 2:
        return default
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = stats[1:][areas >= 0.2 * areas.max()]  # the subject, and parts of it cut off by shadows
    x0 = keep[:, cv2.CC_STAT_LEFT].min()
    y0 = keep[:, cv2.CC_STAT_TOP].min()
    x1 = (keep[:, cv2.CC_STAT_LEFT] + keep[:, cv2.CC_STAT_WIDTH]).max()
    y1 = (keep[:, cv2.CC_STAT_TOP] + keep[:, cv2.CC_STAT_HEIGHT]).max()
    share = keep[:, cv2.CC_STAT_AREA].sum() / float(sh * sw)
    if share < 0.005 or (x1 - x0) * (y1 - y0) > 0.95 * sh * sw:
        return default
    pad_x, pad_y = 0.05 * (x1 - x0) + 1, 0.05 * (y1 - y0) + 1
    left, top = max(0.0, (x0 - pad_x) / scale), max(0.0, (y0 - pad_y) / scale)
    right, bottom = min(float(width), (x1 + pad_x) / scale), min(float(height), (y1 + pad_y) / scale)
    return int(left), int(top), max(1, int(right - left)), max(1, int(bottom - top))


def _centred_box(width: int, height: int) -> tuple[int, int, int, int]:
    x, y = int(width * 0.1), int(height * 0.1)
    return x, y, max(1, width - 2 * x), max(1, height - 2 * y)


def _checked_rect(rect, width: int, height: int) -> tuple[int, int, int, int]:
    x, y, w, h = (int(round(v)) for v in rect)
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise EngineError("The box around the subject is empty or outside the picture: draw it over the subject.")
    return x0, y0, x1 - x0, y1 - y0


# -- fit to the video's format --------------------------------------------------------


def parse_format(fmt) -> tuple[int, int]:
    """(a, b) for "a:b" (width to height), e.g. (9, 16) for "9:16"."""
    try:
        a, b = (int(part) for part in (fmt.split(":") if isinstance(fmt, str) else fmt))
    except (ValueError, TypeError, AttributeError):
        a = b = 0
    if a <= 0 or b <= 0:
        raise EngineError(f"'{fmt}' is not a picture format: use {', '.join(FORMATS)}.")
    return a, b


def crop_box(width: int, height: int, fmt, focus=(0.5, 0.5)) -> tuple[int, int, int, int]:
    """(x, y, w, h): the largest `fmt`-shaped crop of a width×height picture, centred on the
    focus point (fractions of the width and height) as far as the picture's edges allow.
    The focus point always lies inside the crop."""
    a, b = parse_format(fmt)
    if width < 1 or height < 1:
        raise EngineError("This picture is empty: choose another one.")
    if width * b >= height * a:  # wider than the format: keep the full height
        ch, cw = height, max(1, min(width, round(height * a / b)))
    else:
        cw, ch = width, max(1, min(height, round(width * b / a)))
    fx, fy = (min(1.0, max(0.0, float(f))) for f in focus)
    x = min(max(round(fx * width - cw / 2), 0), width - cw)
    y = min(max(round(fy * height - ch / 2), 0), height - ch)
    return int(x), int(y), int(cw), int(ch)


def fit_to_format(image, fmt, focus=(0.5, 0.5), size: tuple[int, int] | None = None) -> np.ndarray:
    """Crop to `fmt` around `focus`, then resize to `size` (width, height) when given.

    Works on RGB, RGBA and grey arrays alike; `size` must have the format's shape
    (to within a pixel of rounding).
    """
    import cv2

    pixels = np.asarray(image)
    if pixels.ndim not in (2, 3) or pixels.dtype != np.uint8:
        raise EngineError("This file is not a picture the studio can crop: save it as PNG or JPEG.")
    height, width = pixels.shape[:2]
    x, y, cw, ch = crop_box(width, height, fmt, focus)
    cropped = pixels[y : y + ch, x : x + cw]
    if size is None:
        return np.ascontiguousarray(cropped)
    tw, th = (int(v) for v in size)
    a, b = parse_format(fmt)
    if tw < 1 or th < 1 or abs(tw * b - th * a) > max(a, b):
        raise EngineError(f"{tw}×{th} is not a {a}:{b} size: pick a size of that shape, such as {a * 120}×{b * 120}.")
    shrinking = tw * th < cw * ch
    resized = cv2.resize(cropped, (tw, th), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)
    return np.ascontiguousarray(resized)


# -- contrast --------------------------------------------------------------------------


def auto_contrast(image, low: float = 0.5, high: float = 99.5, local: bool = False) -> np.ndarray:
    """Stretch lightness so its `low`..`high` percentiles span the full range; hues stay.

    `local=True` adds a gentle CLAHE (adaptive, tile by tile) for flat, hazy pictures.
    An RGBA picture keeps its alpha.
    """
    import cv2

    pixels = np.asarray(image)
    alpha = pixels[:, :, 3:4] if pixels.ndim == 3 and pixels.shape[2] == 4 else None
    rgb = as_rgb(pixels[:, :, :3] if alpha is not None else pixels)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    lightness = lab[:, :, 0].astype(np.float32)
    lo, hi = np.percentile(lightness, [low, high])
    if hi - lo >= 1.0:  # a flat picture has nothing to stretch
        lab[:, :, 0] = np.clip((lightness - lo) * (255.0 / (hi - lo)) + 0.5, 0, 255).astype(np.uint8)
    if local:
        lab[:, :, 0] = cv2.createCLAHE(clipLimit=1.5, tileGridSize=(8, 8)).apply(lab[:, :, 0])
    out = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
    return np.dstack([out, alpha]) if alpha is not None else out


# -- the engine -----------------------------------------------------------------------------


class CleanupEngine(Protocol):
    """What `[routing.cleanup]` may name: a picture in, a cleaned picture out (uint8 RGB or RGBA).

    `operations` lists which of "remove_background", "fit_to_format", "auto_contrast" it
    does; `clean` gets the creator's box (`rect`, picture pixels) for a background removal
    and the format and `focus` (0..1 of the picture) for a fit. A long one checks `state`.
    One that loads a model runs in the studio's model lane, unless it says `lane = "io"`."""

    id: str
    task: str  # "cleanup"
    label: str
    local: bool
    operations: tuple[str, ...]

    def clean(self, image, operation: str, state, *, fmt: str = "16:9", focus=(0.5, 0.5), rect=None) -> np.ndarray: ...

    def unload(self) -> None: ...


class OpenCVCleanup:
    """The built-in cleanup engine: the functions above, no weights, nothing to load."""

    id = "opencv"
    task = "cleanup"
    label = "OpenCV, built in"
    local = True
    lane = "io"  # no model: the studio runs it beside a render, not after it
    operations = ("remove_background", "fit_to_format", "auto_contrast")

    def clean(self, image, operation: str, state=None, *, fmt: str = "16:9", focus=(0.5, 0.5), rect=None) -> np.ndarray:
        if operation == "remove_background":
            return remove_background(image, rect)[0]
        if operation == "fit_to_format":
            return fit_to_format(image, fmt, focus)
        if operation == "auto_contrast":
            return auto_contrast(image)
        raise EngineError(f"OpenCV has no cleanup called '{operation}': use {', '.join(self.operations)}.")

    def unload(self) -> None:
        """Nothing is held between cleanups."""
