"""How the video looks, as stitch.toml says: how a picture of another shape is fitted
(`[timeline] fit`) and the burned captions' style (`[captions] font, size, position,
highlight`). The manifest reads and writes the values; here they are checked and handed
to the render layer as one `Look`, which the export and the preview both use.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

from studio.errors import ProjectError

FITS = ("blur", "subject")  # over a blurred copy of itself / cropped around its subject
POSITIONS = ("bottom", "top", "middle")
SIZE_RANGE = (0.5, 2.0)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class CaptionStyle:
    font: str = ""  # a font file ("" for the studio's bold sans)
    size: float = 1.0  # times the studio's size
    position: str = "bottom"
    highlight: str = ""  # "#rrggbb" for the word being spoken, "" for none

    @property
    def highlight_rgb(self) -> tuple[int, int, int] | None:
        if not self.highlight:
            return None
        return tuple(int(self.highlight[i:i + 2], 16) for i in (1, 3, 5))


@dataclass(frozen=True)
class Look:
    fit: str = "blur"
    captions: CaptionStyle = CaptionStyle()

    def to_dict(self) -> dict:
        """What an export's cached scenes depend on (see render/segments.key)."""
        return asdict(self)


def look_of(manifest) -> Look:
    return Look(manifest.fit, CaptionStyle(manifest.caption_font, float(manifest.caption_size),
                                           manifest.caption_position, manifest.caption_highlight))


def check_look(manifest, fix: str) -> None:
    """A sentence naming the value in stitch.toml that cannot be used."""
    if manifest.fit not in FITS:
        raise ProjectError(f'In stitch.toml, fit under [timeline] must be "blur" or "subject", not "{manifest.fit}". {fix}')
    if manifest.caption_position not in POSITIONS:
        raise ProjectError('In stitch.toml, position under [captions] must be "bottom", "top" or "middle", '
                           f'not "{manifest.caption_position}". {fix}')
    low, high = SIZE_RANGE
    if not (math.isfinite(manifest.caption_size) and low <= manifest.caption_size <= high):
        raise ProjectError(f"In stitch.toml, size under [captions] must be between {low} and {high} "
                           f"(1.0 is the studio's size), not {manifest.caption_size}. {fix}")
    if manifest.caption_highlight and not _COLOUR.fullmatch(manifest.caption_highlight):
        raise ProjectError('In stitch.toml, highlight under [captions] must be a colour such as "#ffd23f", '
                           f'or "" for none, not "{manifest.caption_highlight}". {fix}')
    font = manifest.caption_font
    if font and not font.lower().endswith(FONT_SUFFIXES):
        raise ProjectError(f'In stitch.toml, font under [captions] must be a font file (.ttf or .otf), such as '
                           f'"fonts/Title.ttf" in the project folder, or "" for the studio\'s; not "{font}". {fix}')


__all__ = ["FITS", "FONT_SUFFIXES", "POSITIONS", "SIZE_RANGE", "CaptionStyle", "Look", "check_look", "look_of"]
