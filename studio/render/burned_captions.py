"""Captions burned into the picture: each cue drawn once, laid on the frames of its cue only.

A cue becomes a small premultiplied YUV bitmap (white bold text with a dark outline
on a soft dark box), so putting it on a frame is two cheap operations on the
caption's own rectangle; the rest of the frame is never touched. The creator's style
(stitch.toml's `[captions]`, a `project.look.CaptionStyle`) picks the font, its size and
where the caption sits; with a highlight colour each word is drawn in it while it is
spoken (karaoke: the cue is split word by word, `captions.karaoke_cues`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from studio.project.look import CaptionStyle
from studio.project.paths import OutsideProject, inside_project
from studio.render.colour import to_yuv
from studio.render.errors import MediaError

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


@lru_cache(maxsize=16)
def _font(size: int, name: str = ""):
    """The creator's font file (`name`, resolved by `resolve_style`), else the first bold sans found."""
    from PIL import ImageFont

    if name:
        try:
            return ImageFont.truetype(name, size)
        except OSError as exc:
            raise MediaError(f"The caption font {Path(name).name} could not be read: put a .ttf or .otf file in "
                             "the project folder and name it under [captions] font in stitch.toml (\"\" for the "
                             "studio's own).", detail=repr(exc)) from exc
    for candidate in FONTS:
        try:
            return ImageFont.truetype(candidate, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def resolve_style(folder, style: CaptionStyle | None) -> CaptionStyle:
    """The style with its font named as a file the drawing can open: one in the project folder
    (through the one path guard), else the name as given (a font installed on this machine)."""
    style = style or CaptionStyle()
    if style.font and folder is not None and not Path(style.font).is_absolute():
        try:
            path = inside_project(Path(folder), style.font, "The caption font")
        except OutsideProject:  # refused as a path of the folder: the name of an installed font, then
            return style
        if path.is_file():
            return replace(style, font=str(path))
    return style


_CENTRES = {"top": 0.12, "middle": 0.5}  # the caption's vertical centre, a fraction of the height


def _placement(width: int, height: int, style: CaptionStyle | None = None) -> tuple[int, float]:
    """Font size and the caption's vertical centre (fraction of the height) for a frame shape."""
    style = style or CaptionStyle()
    size = round(min(width, height) * 0.055)
    # One size for every cue of a video: small enough that a full caption line (42 characters
    # of ordinary text) fits the frame, so the size does not jump from cue to cue.
    size = max(12, round(min(size, _fitting_size(width)) * style.size))
    # Tall videos: above the spot where phone apps draw their own buttons and titles.
    centre = _CENTRES.get(style.position, 0.70 if height > width else 0.86)
    if style.position == "top" and height > width:
        centre = 0.18  # below a phone app's own title bar
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


def draw_caption(lines: list[str], width: int, height: int, style: CaptionStyle | None = None,
                 spoken: int | None = None) -> tuple[np.ndarray, int, int] | None:
    """A cue's lines drawn for a frame of width×height: RGBA pixels (even size) and where they go.
    `spoken` (the index of a word over all the lines) is drawn in the style's highlight colour."""
    from PIL import Image, ImageDraw

    style = style or CaptionStyle()
    text = "\n".join(line.strip() for line in lines if line.strip())
    if not text:
        return None
    size, centre = _placement(width, height, style)
    font = _font(size, style.font)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    stroke = max(2, size // 14)
    while True:  # a line too long for the frame gets a smaller font rather than cut off
        left, top, right, bottom = (int(round(b)) for b in probe.multiline_textbbox(
            (0, 0), text, font=font, align="center", stroke_width=stroke, spacing=size // 4))
        if right - left <= width * 0.9 or size <= 12:
            break
        size = int(size * 0.9)
        font, stroke = _font(size, style.font), max(2, size // 14)
    pad = size // 3
    box_w = min(width, (right - left + 2 * pad + 1) // 2 * 2)
    box_h = min(height, (bottom - top + 2 * pad + 1) // 2 * 2)
    box = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    ImageDraw.Draw(box).rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=pad, fill=(0, 0, 0, 110))
    ink = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    origin = (box_w / 2 - (left + right) / 2, box_h / 2 - (top + bottom) / 2)
    pen = ImageDraw.Draw(ink)
    pen.multiline_text(origin, text, font=font, fill=(255, 255, 255, 255), align="center", spacing=size // 4,
                       stroke_width=stroke, stroke_fill=(0, 0, 0, 255))
    colour = style.highlight_rgb
    if colour is not None and spoken is not None:
        _highlight(pen, origin, text, spoken, font, stroke, size // 4, colour)
    x = (width - box_w) // 2 // 2 * 2
    y = min(height - box_h, max(0, round(height * centre - box_h / 2))) // 2 * 2
    return np.asarray(Image.alpha_composite(box, ink)), x, y


def _highlight(pen, origin, text: str, spoken: int, font, stroke: int, spacing: int, colour) -> None:
    """The spoken word drawn again over itself in `colour`, where `multiline_text` centred it
    (its line's origin as Pillow places a centred line, then the width of the words before it)."""
    lines = text.split("\n")
    line_spacing = pen.textbbox((0, 0), "A", font, stroke_width=stroke)[3] + stroke + spacing
    widths = [pen.textlength(line, font) for line in lines]
    count = 0
    for n, line in enumerate(lines):
        words = line.split(" ")
        if spoken < count + len(words):
            k = spoken - count
            before = " ".join(words[:k]) + (" " if k else "")
            x = origin[0] + (max(widths) - widths[n]) / 2 + pen.textlength(before, font)
            pen.text((x, origin[1] + n * line_spacing), words[k], font=font, fill=(*colour, 255),
                     stroke_width=stroke, stroke_fill=(0, 0, 0, 255))
            return
        count += len(words)


def caption_art(lines: list[str], width: int, height: int, style: CaptionStyle | None = None,
                spoken: int | None = None) -> CaptionArt | None:
    """A cue ready to lay on yuv420p frames; None when there is nothing to show."""
    import cv2

    drawn = draw_caption(lines, width, height, style, spoken)
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
