"""Frames as the encoder gets them: pan/zoom framing, colours, captions (no ffmpeg involved)."""

from __future__ import annotations

import numpy as np
import pytest

from studio.render.burned_captions import caption_art, draw_caption
from studio.render.colour import BLACK, yuv_of
from studio.render.frames import FrameMaker, make_plate
from studio.render.timeline import Clip, PanZoom, Timeline

from .conftest import Cue

W, H = 320, 240


def framed(folder, pan_zoom, duration=1.0, cues=()):
    import cv2

    # Red picture with a green border 2.5 % of its size: visible at zoom 1.0, cropped away at 1.08.
    image = np.zeros((600, 800, 3), np.uint8)
    image[:] = (0, 255, 0)
    image[15:-15, 20:-20] = (0, 0, 255)
    cv2.imwrite(str(folder / "still.png"), image)
    clip = Clip("image:s", "image", "still.png", start=0.0, duration=duration, pan_zoom=pan_zoom)
    return FrameMaker(Timeline((clip,)), folder, W, H, 30, captions=cues)


def frame(maker, i):
    buffer = maker.new_buffer()
    maker.make(i, buffer)
    return maker.planes(buffer)


def test_default_zoom_starts_on_the_whole_picture_and_ends_inside_it(tmp_path):
    maker = framed(tmp_path, PanZoom())
    green_y, red_y = yuv_of((0, 255, 0))[0], yuv_of((255, 0, 0))[0]
    y, _, _ = frame(maker, 0)
    assert abs(int(y[1, W // 2]) - green_y) < 8  # the border shows at the start
    y, _, _ = frame(maker, 29)
    assert abs(int(y[1, W // 2]) - red_y) < 8  # zoomed past it at the end
    assert abs(int(y[H // 2, W // 2]) - red_y) < 4


def test_a_still_without_pan_zoom_is_the_same_every_frame(tmp_path):
    maker = framed(tmp_path, None)
    first = np.concatenate([p.ravel() for p in frame(maker, 0)])
    last = np.concatenate([p.ravel() for p in frame(maker, 29)])
    assert np.array_equal(first, last)


def test_frames_after_the_last_image_are_black(tmp_path):
    maker = framed(tmp_path, None, duration=0.5)
    y, u, v = frame(maker, 20)
    assert (y == BLACK[0]).all() and (u == BLACK[1]).all() and (v == BLACK[2]).all()


def test_plate_is_cropped_to_the_video_shape_and_sized_for_its_zoom():
    # Close to 9:16 (a wider shape is fitted whole, see below): the white middle is what the crop keeps.
    image = np.zeros((1600, 1000, 3), np.uint8)
    image[:, 45:955] = 255
    plate = make_plate(image, 108, 192, zoom=1.08)
    m = plate.margin
    inside = plate.y[m:-m, m:-m]
    assert inside.shape == (216, 122)  # 1.08 zoom and 4 % headroom, rounded up to even sizes
    assert plate.u.shape == (108 + m, 61 + m)
    assert plate.y.min() > 230  # the repeated edge is white too
    still = make_plate(image, 108, 192)
    assert still.margin == 0 and still.y.shape == (192, 108)


def test_a_caption_touches_only_its_box_and_only_during_its_cue(tmp_path):
    cue = Cue(0.2, 0.5, ["Hello", "there"])
    maker = framed(tmp_path, None, cues=[cue])
    _, x, y0 = draw_caption(cue.lines, W, H)
    rgba = draw_caption(cue.lines, W, H)[0]
    h, w = rgba.shape[:2]
    before = frame(maker, 3)[0].copy()
    during = frame(maker, 9)[0].copy()
    after = frame(maker, 16)[0].copy()
    changed = np.argwhere(before != during)
    assert len(changed)
    assert changed[:, 0].min() >= y0 and changed[:, 0].max() < y0 + h
    assert changed[:, 1].min() >= x and changed[:, 1].max() < x + w
    assert np.array_equal(before, after)


def test_caption_art_is_aligned_for_chroma_and_fits_the_frame():
    art = caption_art(["A line far too long to fit on one line of such a small frame, surely"], W, H)
    assert art.x % 2 == 0 and art.y % 2 == 0
    assert art.keep_y.shape[1] <= W and art.x + art.keep_y.shape[1] <= W
    assert art.keep_uv.shape == (art.keep_y.shape[0] // 2, art.keep_y.shape[1] // 2)
    assert caption_art(["  ", ""], W, H) is None


@pytest.mark.parametrize("rgb", [(255, 0, 0), (0, 0, 0), (255, 255, 255), (128, 128, 128)])
def test_bt709_limited_range_values(rgb):
    from studio.render.colour import to_yuv

    y, u, v = to_yuv(np.full((2, 2, 3), rgb[::-1], np.uint8))
    assert (int(y[0, 0]), int(u[0, 0]), int(v[0, 0])) == yuv_of(rgb)
    assert yuv_of((0, 0, 0)) == (16, 128, 128) and yuv_of((255, 255, 255)) == (235, 128, 128)


@pytest.mark.parametrize("rect", [(0.0, 0.0, 1.0, 1.0), (0.037, 0.037, 0.926, 0.926), (0.0123, 0.0317, 0.9611, 0.9611),
                                  (0.2, 0.1, 0.5, 0.5)])
def test_placing_by_resize_matches_an_exact_warp(rect):
    from studio.render.frames import MARGIN, place, warp
    import cv2

    rng = np.random.default_rng(0)
    picture = cv2.GaussianBlur(rng.uniform(0, 255, (400, 300)).astype(np.float32), (0, 0), 2).astype(np.uint8)
    padded = cv2.copyMakeBorder(picture, MARGIN, MARGIN, MARGIN, MARGIN, cv2.BORDER_REPLICATE)
    fast, exact = np.empty((240, 180), np.uint8), np.empty((240, 180), np.uint8)
    place(padded, MARGIN, rect, fast)
    warp(picture, rect, exact)
    assert np.abs(fast.astype(int) - exact.astype(int)).max() <= 2


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (1080, 1080)])
def test_a_default_zoom_in_a_real_preset_never_needs_the_slow_warp(monkeypatch, size):
    from studio.render import frames

    width, height = size

    def refuse(*args):
        raise AssertionError("fell back to warpAffine")

    monkeypatch.setattr(frames, "warp", refuse)
    plate = make_plate(np.zeros((2304, 1536, 3), np.uint8), width, height, zoom=PanZoom().max_zoom)
    y, u = np.empty((height, width), np.uint8), np.empty((height // 2, width // 2), np.uint8)
    for i in range(0, 181, 4):
        rect = PanZoom().rect_at(i / 180)
        frames.place(plate.y, plate.margin, rect, y)
        frames.place(plate.u, plate.margin // 2, rect, u, 2 * frames.PRECISION)


def test_a_portrait_picture_in_a_landscape_video_is_shown_whole_over_a_blurred_copy():
    from studio.render.frames import fit_shape

    portrait = np.zeros((400, 225, 3), np.uint8)
    portrait[:, :] = (40, 80, 200)
    portrait[10:30, 100:125] = 255  # the subject's head, near the top: a centre crop would cut it off
    fitted = fit_shape(portrait, 1920, 1080)
    assert fitted.shape[0] * 1920 == pytest.approx(fitted.shape[1] * 1080, rel=0.01)
    left = (fitted.shape[1] - 225) // 2
    assert np.array_equal(fitted[:, left:left + 225], portrait)  # every pixel of the picture
    edge = fitted[:, : left // 2].astype(int)
    assert edge.mean() > 50 and abs(edge[..., 2].mean() - 200) < 40  # a blurred copy beside it, not black bars
    near = np.zeros((1000, 1800, 3), np.uint8)
    assert fit_shape(near, 1920, 1080) is near  # close enough: cropped as before


def _portrait_with_head():
    """A portrait picture on a plain blue ground, the subject (a white head) near its top."""
    portrait = np.zeros((800, 450, 3), np.uint8)
    portrait[:, :] = (200, 80, 40)  # BGR: blue
    portrait[60:200, 160:290] = 255
    return portrait


def test_fit_around_the_subject_keeps_the_subject_and_cuts_the_rest():
    from studio.render.frames import fit_shape

    portrait = _portrait_with_head()
    cut = fit_shape(portrait, 1920, 1080, "subject")
    assert cut.shape[1] == 450 and cut.shape[0] == round(450 * 1080 / 1920)  # the video's shape, the full width
    assert (cut == 255).all(axis=2).sum() == 140 * 130  # the whole head is inside the cut
    assert cut.shape[0] < 800  # the rest of the picture below is cut off, no blurred copy
    blurred = fit_shape(portrait, 1920, 1080, "blur")
    assert blurred.shape[0] == 800  # whole, over a blurred copy
    near = np.zeros((1000, 1800, 3), np.uint8)
    assert fit_shape(near, 1920, 1080, "subject") is near  # close shapes are cropped as always


def test_the_frame_maker_fits_as_stitch_toml_says(tmp_path):
    import cv2

    from studio.project.look import Look

    cv2.imwrite(str(tmp_path / "portrait.png"), _portrait_with_head())
    clip = Clip("image:s", "image", "portrait.png", start=0.0, duration=1.0, pan_zoom=None)
    shots = {}
    for fit in ("blur", "subject"):
        maker = FrameMaker(Timeline((clip,)), tmp_path, W, H, 30, look=Look(fit=fit))
        shots[fit] = frame(maker, 0)[0]
    white = yuv_of((255, 255, 255))[0]
    # Around the subject the head fills much of the frame; over the blur it is a small spot.
    assert (np.abs(shots["subject"].astype(int) - white) < 8).sum() > 3 * (np.abs(shots["blur"].astype(int) - white) < 8).sum()
