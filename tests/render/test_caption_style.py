"""The creator's caption style (stitch.toml's [captions]): font, size, position, and the
karaoke highlight of the word being spoken, in burned frames and in an exported video."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.project.look import CaptionStyle, Look
from studio.render.burned_captions import FONTS, caption_art, draw_caption, resolve_style
from studio.render.captions import Cue, cues_from_words, karaoke_cues
from studio.render.errors import MediaError
from studio.render.export import Preset, export
from studio.render.frames import FrameMaker
from studio.render.probe import frame_at

from .conftest import make_project

W, H = 640, 360
YELLOW = "#ffd23f"


class Word:
    def __init__(self, text, start, end):
        self.text, self.start, self.end = text, start, end


def _cue() -> Cue:
    words = [Word("Every", 0.0, 0.4), Word("draft", 0.4, 0.8), Word("is", 0.8, 1.0), Word("free", 1.0, 1.6)]
    (cue,) = cues_from_words(words)
    return cue


def test_karaoke_splits_a_cue_into_one_cue_per_spoken_word():
    cue = _cue()
    assert cue.lines == ["Every draft is free"] and len(cue.words) == 4
    split = karaoke_cues([cue])
    assert [c.spoken for c in split] == [0, 1, 2, 3]
    assert [(c.start, c.end) for c in split] == [(0.0, 0.4), (0.4, 0.8), (0.8, 1.0), (1.0, cue.end)]
    assert all(c.lines == cue.lines for c in split)
    plain = Cue(0.0, 1.0, ["no timings here"])
    assert karaoke_cues([plain]) == [plain]  # kept whole, unhighlighted


def _yellow(rgba: np.ndarray) -> np.ndarray:
    r, g, b, a = (rgba[..., i].astype(int) for i in range(4))
    return (r > 200) & (g > 170) & (b < 120) & (a > 200)


def test_the_spoken_word_is_drawn_in_the_highlight_colour_and_only_it():
    style = CaptionStyle(highlight=YELLOW)
    plain, _, _ = draw_caption(["Every draft is free"], W, H, style)
    first, _, _ = draw_caption(["Every draft is free"], W, H, style, spoken=0)
    last, _, _ = draw_caption(["Every draft is free"], W, H, style, spoken=3)
    assert not _yellow(plain).any()
    cols_first = np.nonzero(_yellow(first).any(axis=0))[0]
    cols_last = np.nonzero(_yellow(last).any(axis=0))[0]
    width = first.shape[1]
    assert cols_first.max() < width * 0.45 and cols_last.min() > width * 0.6  # "Every" on the left, "free" on the right
    # The rest of the caption is untouched: white letters where no highlight is.
    differs = np.any(first != plain, axis=2)
    assert not differs[:, cols_first.max() + 6:].any()


def test_a_burned_frame_differs_where_the_highlight_is(tmp_path):
    import cv2

    from studio.render.timeline import Clip, Timeline

    cv2.imwrite(str(tmp_path / "still.png"), np.full((360, 640, 3), (90, 60, 40), np.uint8))
    clip = Clip("image:s", "image", "still.png", start=0.0, duration=2.0, pan_zoom=None)
    cue = _cue()

    def luma_at(t: float, look: Look) -> np.ndarray:
        maker = FrameMaker(Timeline((clip,)), tmp_path, W, H, 30, captions=[cue], look=look)
        buffer = maker.new_buffer()
        maker.make(round(t * 30), buffer)
        return maker.planes(buffer)

    plain = luma_at(0.2, Look())
    word0 = luma_at(0.2, Look(captions=CaptionStyle(highlight=YELLOW)))
    word3 = luma_at(1.3, Look(captions=CaptionStyle(highlight=YELLOW)))
    art = caption_art(cue.lines, W, H, CaptionStyle(highlight=YELLOW), 0)
    box_left, box_right = art.x, art.x + art.keep_y.shape[1]
    middle = (box_left + box_right) // 2
    for a, b, spot in ((plain, word0, "left"), (word0, word3, "both")):
        changed_u = np.abs(a[1].astype(int) - b[1].astype(int)) > 12  # yellow shows in chroma, white does not
        cols = np.nonzero(changed_u.any(axis=0))[0] * 2
        assert len(cols), "the highlight changes the frame"
        assert box_left <= cols.min() and cols.max() <= box_right  # only inside the caption
        if spot == "left":
            assert cols.max() < middle  # "Every", the first word, only
        else:
            assert cols.min() < middle < cols.max()  # moved from the first word to the last
    rows = np.nonzero((np.abs(plain[0].astype(int) - word0[0].astype(int)) > 0).any(axis=1))[0]
    assert rows.min() >= art.y and rows.max() < art.y + art.keep_y.shape[0]


def test_position_and_size_move_and_scale_the_caption():
    bottom = caption_art(["Every draft is free"], W, H, CaptionStyle())
    top = caption_art(["Every draft is free"], W, H, CaptionStyle(position="top"))
    middle = caption_art(["Every draft is free"], W, H, CaptionStyle(position="middle"))
    big = caption_art(["Every draft is free"], W, H, CaptionStyle(size=1.6))
    assert top.y < H * 0.25 < middle.y < H * 0.6 < bottom.y
    assert abs(middle.y + middle.keep_y.shape[0] / 2 - H / 2) <= 2
    assert big.keep_y.shape[0] > 1.4 * bottom.keep_y.shape[0]


def _a_font_file() -> Path | None:
    from PIL import ImageFont

    for name in FONTS:
        try:
            return Path(ImageFont.truetype(name, 10).path)
        except OSError:
            continue
    return None


def test_a_font_in_the_project_folder_is_used_and_a_missing_one_is_said(tmp_path):
    import shutil

    found = _a_font_file()
    if found is None:
        pytest.fail("no TrueType font on this machine to test with")
    (tmp_path / "fonts").mkdir()
    shutil.copy(found, tmp_path / "fonts" / "Title.ttf")
    style = resolve_style(tmp_path, CaptionStyle(font="fonts/Title.ttf"))
    assert Path(style.font) == (tmp_path / "fonts" / "Title.ttf").resolve()
    assert draw_caption(["Every draft is free"], W, H, style) is not None
    with pytest.raises(MediaError) as caught:
        draw_caption(["x"], W, H, resolve_style(tmp_path, CaptionStyle(font="fonts/Gone.ttf")))
    assert "Gone.ttf" in caught.value.message and "[captions] font" in caught.value.message


def test_an_exported_video_highlights_the_spoken_word(tmp_path, artifacts_dir):
    project = make_project(tmp_path / "My Video")
    cue = Cue(0.3, 1.3, ["Every draft is free"], [(0.3, 0.55), (0.55, 0.8), (0.8, 0.95), (0.95, 1.3)])
    look = Look(captions=CaptionStyle(highlight=YELLOW, position="middle", size=1.2))
    result = export(project.timeline, project.folder, project.folder / "exports" / "karaoke.mp4",
                    Preset("small", "tests", 640, 360, x264_preset="ultrafast"), captions=[cue],
                    captions_mode="burn", look=look, incremental=False)
    early, late = frame_at(result.path, 0.42), frame_at(result.path, 1.1)
    Image.fromarray(late).save(artifacts_dir / "export-karaoke-frame.png")

    def yellow_columns(picture):
        r, g, b = (picture[..., i].astype(int) for i in range(3))
        return np.nonzero(((r > 190) & (g > 160) & (b < 120)).any(axis=0))[0]

    first, last = yellow_columns(early), yellow_columns(late)
    assert len(first) and len(last)
    assert first.max() < 320 < last.min()  # "Every" while it is spoken, "free" at the end
    rows = np.nonzero(((late[..., 0] > 190) & (late[..., 1] > 160) & (late[..., 2] < 120)).any(axis=1))[0]
    assert abs(rows.mean() - 180) < 40  # in the middle of the frame, as the style says
