"""How a still is framed on the timeline: a slow pan/zoom from one rect to another.

Plain values, no Qt. Rects are fractions of the image once cropped to the video's shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.render.errors import TimelineError
from studio.render.saved import number

Rect = tuple[float, float, float, float]  # x, y, width, height as fractions of the framed image
# Where a slow pan travels, in the creator's words; "centre" only zooms.
DIRECTIONS = ("centre", "left to right", "right to left", "top to bottom", "bottom to top")
MAX_ZOOM = 4.0


def centred(zoom: float) -> Rect:
    """The centred rect that shows the framed image magnified `zoom` times."""
    size = 1.0 / zoom
    offset = (1.0 - size) / 2.0
    return (offset, offset, size, size)


@dataclass(frozen=True)
class PanZoom:
    """Slow pan/zoom on a still: the visible rect at the clip's start and at its end.

    Rects are fractions of the image once cropped to the video's shape (cover fit), so
    one framing works in every preset; (0, 0, 1, 1) shows all of that crop.
    """

    start_rect: Rect = (0.0, 0.0, 1.0, 1.0)
    end_rect: Rect = centred(1.08)

    def rect_at(self, progress: float) -> Rect:
        p = min(1.0, max(0.0, progress))
        return tuple(a + (b - a) * p for a, b in zip(self.start_rect, self.end_rect))  # type: ignore[return-value]

    @property
    def max_zoom(self) -> float:
        """How much the image is magnified at most (decides how large it is kept in memory)."""
        return max(1.0 / min(r[2], r[3]) for r in (self.start_rect, self.end_rect))

    @property
    def zooms(self) -> tuple[float, float]:
        """How much the image is magnified at the start and at the end."""
        return 1.0 / self.start_rect[2], 1.0 / self.end_rect[2]

    @property
    def direction(self) -> str:
        """Which of DIRECTIONS the view travels (the larger of its moves across and down)."""
        (x0, y0), (x1, y1) = (_centre(self.start_rect), _centre(self.end_rect))
        dx, dy = x1 - x0, y1 - y0
        if max(abs(dx), abs(dy)) < 1e-3:
            return "centre"
        if abs(dx) >= abs(dy):
            return "left to right" if dx > 0 else "right to left"
        return "top to bottom" if dy > 0 else "bottom to top"

    @classmethod
    def framing(cls, start_zoom: float, end_zoom: float, direction: str = "centre") -> "PanZoom":
        """From zooms (1 shows the whole picture) and a direction: the view starts at one side
        of the picture and ends at the other, centred across the way it travels."""
        if direction not in DIRECTIONS:
            raise TimelineError(f"A pan goes {', '.join(DIRECTIONS[:-1])} or {DIRECTIONS[-1]}, not {direction!r}.")
        if not (1.0 <= start_zoom <= MAX_ZOOM and 1.0 <= end_zoom <= MAX_ZOOM):
            raise TimelineError(f"A zoom must be between 1× (the whole picture) and {MAX_ZOOM:g}×.")
        sides = {"left to right": ((0.0, 0.5), (1.0, 0.5)), "right to left": ((1.0, 0.5), (0.0, 0.5)),
                 "top to bottom": ((0.5, 0.0), (0.5, 1.0)), "bottom to top": ((0.5, 1.0), (0.5, 0.0))}
        (ax, ay), (bx, by) = sides.get(direction, ((0.5, 0.5), (0.5, 0.5)))
        return cls(_rect_at(start_zoom, ax, ay), _rect_at(end_zoom, bx, by))

    def to_dict(self) -> dict:
        return {"start": list(self.start_rect), "end": list(self.end_rect)}

    @classmethod
    def from_dict(cls, d: dict) -> "PanZoom":
        rects = [tuple(number(v, -MAX_ZOOM, MAX_ZOOM) for v in d[k]) for k in ("start", "end")]
        if any(len(r) != 4 or min(r[2], r[3]) < 1.0 / MAX_ZOOM - 1e-9 for r in rects):
            raise ValueError(f"not a pan/zoom: {d!r}")
        return cls(*rects)  # type: ignore[arg-type]


def _centre(rect: Rect) -> tuple[float, float]:
    return rect[0] + rect[2] / 2, rect[1] + rect[3] / 2


def _rect_at(zoom: float, ax: float, ay: float) -> Rect:
    """The rect magnified `zoom` times, as far towards (ax, ay) (0 left/top, 1 right/bottom) as the picture allows."""
    size = 1.0 / float(zoom)
    return ((1.0 - size) * ax, (1.0 - size) * ay, size, size)
