"""Captions burned into the picture: each cue drawn once, laid on the frames of its cue only.

A cue becomes a small premultiplied YUV bitmap (white bold text with a dark outline
on a soft dark box), so putting it on a frame is two cheap operations on the
caption's own rectangle; the rest of the frame is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from studio.render.colour import to_yuv

# Bold sans fonts found on Windows, macOS and Linux, best first; Pillow's own font last.
FONTS = (
    "DejaVuSans-Bold.ttf", "arialbd.ttf", "Arial Bold.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf",
)


@dataclass
class CaptionArt:
    """One cue, ready to lay on frames at (x, y) of the luma plane (both even)."""

    x: int
    y: int
    keep_y: np.ndarray  # 255 - alpha, luma resolution
    ink_y: np.ndarray  # premultiplied luma
    keep_uv: np.ndarray  # 255 - alpha, chroma resolution
    ink_u: np.ndarray
    ink_v: np.ndarray


@lru_cache(maxsize=8)
def _font(size: int):
    from PIL import ImageFont

    for name in FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _placement(width: int, height: int) -> tuple[int, float]:
    """Font size and the caption's vertical centre (fraction of the height) for a frame shape."""
    size = round(min(width, height) * 0.055)
    # One size for every cue of a video: small enough that a full caption line (42 characters
    # of ordinary text) fits the frame, so the size does not jump from cue to cue.
    size = max(12, min(size, _fitting_size(width)))
    # Tall videos: above the spot where phone apps draw their own buttons and titles.
    centre = 0.70 if height > width else 0.86
    return size, centre


# A full-width caption line of ordinary words, to size the font once per frame shape.
_REFERENCE_LINE = "the harbour wall and the lamp room, so they"


@lru_cache(maxsize=16)
def _fitting_size(width: int) -> int:
    from PIL import Image, ImageDraw

    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    size = max(12, round(width * 0.06))
    while size > 12:
        left, _, right, _ = probe.textbbox((0, 0), _REFERENCE_LINE, font=_font(size), stroke_width=max(2, size // 14))
        if right - left <= width * 0.9:
            break
        size = int(size * 0.95)
    return size


def draw_caption(lines: list[str], width: int, height: int) -> tuple[np.ndarray, int, int] | None:
    """A cue's lines drawn for a frame of width×height: RGBA pixels (even size) and where they go."""
    from PIL import Image, ImageDraw

    text = "\n".join(line.strip() for line in lines if line.strip())
    if not text:
        return None
    size, centre = _placement(width, height)
    font = _font(size)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    stroke = max(2, size // 14)
    while True:  # a line too long for the frame gets a smaller font rather than cut off
        left, top, right, bottom = (int(round(b)) for b in probe.multiline_textbbox(
            (0, 0), text, font=font, align="center", stroke_width=stroke, spacing=size // 4))
        if right - left <= width * 0.9 or size <= 12:
            break
        size = int(size * 0.9)
        font, stroke = _font(size), max(2, size // 14)
    pad = size // 3
    box_w = min(width, (right - left + 2 * pad + 1) // 2 * 2)
    box_h = min(height, (bottom - top + 2 * pad + 1) // 2 * 2)
    box = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    ImageDraw.Draw(box).rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=pad, fill=(0, 0, 0, 110))
    ink = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    ImageDraw.Draw(ink).multiline_text((box_w / 2 - (left + right) / 2, box_h / 2 - (top + bottom) / 2), text,
                                       font=font, fill=(255, 255, 255, 255), align="center", spacing=size // 4,
                                       stroke_width=stroke, stroke_fill=(0, 0, 0, 255))
    x = (width - box_w) // 2 // 2 * 2
    y = min(height - box_h, max(0, round(height * centre - box_h / 2))) // 2 * 2
    return np.asarray(Image.alpha_composite(box, ink)), x, y


def caption_art(lines: list[str], width: int, height: int) -> CaptionArt | None:
    """A cue ready to lay on yuv420p frames; None when there is nothing to show."""
    import cv2

    drawn = draw_caption(lines, width, height)
    if drawn is None:
        return None
    rgba, x, y = drawn
    box_h, box_w = rgba.shape[:2]
    alpha = rgba[:, :, 3].astype(np.float32) / 255.0
    y_plane, u_full, v_full = to_yuv(np.ascontiguousarray(rgba[:, :, 2::-1]), subsample=False)
    half = (box_w // 2, box_h // 2)
    alpha_uv = cv2.resize(alpha, half, interpolation=cv2.INTER_AREA)

    def premultiply(plane: np.ndarray) -> np.ndarray:
        return np.clip(plane.astype(np.float32) * alpha + 0.5, 0, 255).astype(np.uint8)

    return CaptionArt(
        x=x, y=y,
        keep_y=np.round(255 * (1 - alpha)).astype(np.uint8),
        ink_y=premultiply(y_plane),
        keep_uv=np.round(255 * (1 - alpha_uv)).astype(np.uint8),
        ink_u=cv2.resize(premultiply(u_full), half, interpolation=cv2.INTER_AREA),
        ink_v=cv2.resize(premultiply(v_full), half, interpolation=cv2.INTER_AREA),
    )


def lay_on(art: CaptionArt, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> None:
    """Composite the caption onto one frame's planes, in place."""
    import cv2

    h, w = art.keep_y.shape
    _blend(cv2, y[art.y:art.y + h, art.x:art.x + w], art.keep_y, art.ink_y)
    cy, cx = art.y // 2, art.x // 2
    for plane, ink in ((u, art.ink_u), (v, art.ink_v)):
        _blend(cv2, plane[cy:cy + h // 2, cx:cx + w // 2], art.keep_uv, ink)


def _blend(cv2, region: np.ndarray, keep: np.ndarray, ink: np.ndarray) -> None:
    mixed = cv2.multiply(region, keep, scale=1 / 255)
    region[...] = cv2.add(mixed, ink)
