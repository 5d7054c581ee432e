"""OpenCV cleanup on synthetic pictures whose foreground is known."""

from __future__ import annotations

import numpy as np
import pytest

from studio.engines.cleanup import auto_contrast, crop_box, fit_to_format, parse_format, remove_background, subject_box
from studio.errors import EngineError


def _textured(height, width, seed=0):
    """A busy background: coloured noise over soft stripes (greens, greys and blues)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    stripes = 40 * np.sin(xx / 7.0 + yy / 13.0)
    base = np.stack([90 + stripes, 130 + stripes / 2, 120 - stripes], axis=2)
    return np.clip(base + rng.normal(0, 18, (height, width, 3)), 0, 255).astype(np.uint8)


def _with_circle(height, width, centre, radius, colour=(230, 40, 30)):
    image = _textured(height, width)
    yy, xx = np.mgrid[0:height, 0:width]
    truth = (yy - centre[1]) ** 2 + (xx - centre[0]) ** 2 <= radius ** 2
    image[truth] = colour
    return image, truth


def _iou(mask, truth):
    found = mask > 0
    return (found & truth).sum() / float((found | truth).sum())


def test_automatic_cutout_finds_a_circle_on_texture():
    image, truth = _with_circle(240, 320, centre=(190, 110), radius=55)
    rgba, mask = remove_background(image)
    assert rgba.shape == (240, 320, 4) and mask.dtype == np.uint8
    assert _iou(mask, truth) > 0.9
    assert np.array_equal(rgba[:, :, :3], image) and np.array_equal(rgba[:, :, 3], mask)


def test_automatic_cutout_of_a_shaded_ball():
    image = _textured(240, 320, seed=3)
    yy, xx = np.mgrid[0:240, 0:320]
    truth = (yy - 130) ** 2 + (xx - 150) ** 2 <= 70 ** 2
    light = np.clip(1.0 - 0.5 * np.hypot(yy - 100, xx - 120) / 98.0, 0.45, 1.0)  # lit from the top left
    ball = np.array([210, 150, 70])[None, None, :] * light[:, :, None]
    image[truth] = ball[truth].astype(np.uint8)
    _, mask = remove_background(image)
    assert _iou(mask, truth) > 0.9


def test_cutout_from_a_drawn_rectangle():
    image = _textured(200, 260, seed=1)
    truth = np.zeros((200, 260), bool)
    truth[50:150, 40:120] = True
    image[truth] = (250, 220, 40)
    _, mask = remove_background(image, rect=(30, 40, 100, 120))
    assert _iou(mask, truth) > 0.9


def test_a_large_picture_is_cut_out_at_working_size_and_scaled_back():
    image, truth = _with_circle(900, 1200, centre=(600, 450), radius=260, colour=(20, 20, 200))
    _, mask = remove_background(image)
    assert mask.shape == (900, 1200)
    assert _iou(mask, truth) > 0.9


def test_subject_box_holds_the_subject_and_falls_back_to_the_centre():
    image, truth = _with_circle(240, 320, centre=(80, 150), radius=40)
    x, y, w, h = subject_box(image)
    ys, xs = np.nonzero(truth)
    assert x <= xs.min() and y <= ys.min() and x + w > xs.max() and y + h > ys.max()
    assert w * h < 0.4 * 240 * 320  # it found the subject, not the whole picture
    plain = np.full((100, 200, 3), 128, np.uint8)
    assert subject_box(plain) == (20, 10, 160, 80)


def test_bad_boxes_and_tiny_pictures_get_sentences():
    image, _ = _with_circle(60, 60, centre=(30, 30), radius=10)
    with pytest.raises(EngineError, match="outside the picture"):
        remove_background(image, rect=(100, 100, 20, 20))
    with pytest.raises(EngineError, match="too small"):
        remove_background(np.zeros((5, 40, 3), np.uint8))


# -- fit to format ---------------------------------------------------------------


@pytest.mark.parametrize("size, fmt, focus, box", [
    ((1920, 1080), "9:16", (0.5, 0.5), (656, 0, 608, 1080)),
    ((1920, 1080), "9:16", (0.0, 0.0), (0, 0, 608, 1080)),
    ((1920, 1080), "9:16", (1.0, 1.0), (1312, 0, 608, 1080)),
    ((1920, 1080), "1:1", (0.9, 0.1), (840, 0, 1080, 1080)),
    ((1080, 1920), "9:16", (0.2, 0.8), (0, 0, 1080, 1920)),  # already the right shape
    ((1080, 1920), "16:9", (0.5, 1.0), (0, 1312, 1080, 608)),  # 607.5 rounds to even
    ((1, 1), "9:16", (0.5, 0.5), (0, 0, 1, 1)),
    ((3, 1), "16:9", (1.0, 0.0), (1, 0, 2, 1)),
])
def test_crop_box_cases(size, fmt, focus, box):
    assert crop_box(*size, fmt, focus) == box


def test_crop_box_keeps_the_focus_in_frame_for_every_shape():
    focuses = [(0, 0), (1, 1), (0, 1), (1, 0), (0.5, 0.5), (0.03, 0.97), (2.0, -1.0)]
    for width in (1, 2, 3, 7, 16, 33, 100, 641):
        for height in (1, 2, 5, 9, 16, 47, 360):
            for fmt in ("9:16", "16:9", "1:1"):
                a, b = parse_format(fmt)
                for focus in focuses:
                    x, y, w, h = crop_box(width, height, fmt, focus)
                    assert 0 <= x and 0 <= y and x + w <= width and y + h <= height and w >= 1 and h >= 1
                    fx, fy = (min(1.0, max(0.0, f)) for f in focus)
                    assert x <= fx * width <= x + w and y <= fy * height <= y + h
                    assert w == width or h == height  # as large as the picture allows
                    if w < width or h < height:
                        assert abs(w * b - h * a) <= max(a, b) / 2 + 1e-9


def test_fit_to_format_crops_around_the_focus_and_resizes():
    image = np.zeros((200, 400, 3), np.uint8)
    image[95:105, 370:380] = 255  # a marker near the right edge
    square = fit_to_format(image, "1:1", focus=(0.94, 0.5))
    assert square.shape == (200, 200, 3) and square.max() == 255
    assert fit_to_format(image, "1:1").max() == 0  # the centred crop leaves it out
    tall = fit_to_format(image, "9:16", focus=(0.94, 0.5), size=(90, 160))
    assert tall.shape == (160, 90, 3) and tall.max() > 200
    big = fit_to_format(image, "16:9", size=(1920, 1080))
    assert big.shape == (1080, 1920, 3)


def test_fit_to_format_keeps_alpha_and_refuses_wrong_sizes_and_formats():
    rgba = np.zeros((50, 80, 4), np.uint8)
    assert fit_to_format(rgba, "1:1", size=(32, 32)).shape == (32, 32, 4)
    with pytest.raises(EngineError, match="not a 9:16 size"):
        fit_to_format(rgba, "9:16", size=(100, 100))
    for bad in ("wide", "0:1", "9:16:2", None):
        with pytest.raises(EngineError, match="not a picture format"):
            fit_to_format(rgba, bad)


# -- contrast ---------------------------------------------------------------------


def _spread(image):
    grey = image[:, :, :3].astype(float).mean(axis=2)
    low, high = np.percentile(grey, [1, 99])
    return high - low


def test_auto_contrast_widens_a_dull_picture_and_keeps_its_hue():
    rng = np.random.default_rng(2)
    dull = np.clip(np.stack([
        rng.normal(140, 8, (60, 80)), rng.normal(120, 8, (60, 80)), rng.normal(105, 8, (60, 80)),
    ], axis=2), 0, 255).astype(np.uint8)
    for local in (False, True):
        lifted = auto_contrast(dull, local=local)
        assert lifted.shape == dull.shape and lifted.dtype == np.uint8
        assert _spread(lifted) > 3 * _spread(dull)
        mean = lifted.reshape(-1, 3).mean(axis=0)
        assert mean[0] > mean[1] > mean[2]  # still warm


def test_auto_contrast_leaves_good_and_flat_pictures_nearly_alone():
    ramp = np.tile(np.linspace(0, 255, 256).astype(np.uint8)[None, :, None], (16, 1, 3))
    assert np.abs(auto_contrast(ramp).astype(int) - ramp).mean() < 3
    flat = np.full((10, 10, 3), 90, np.uint8)
    assert np.abs(auto_contrast(flat).astype(int) - flat).max() <= 1
    rgba = np.dstack([ramp, np.full(ramp.shape[:2], 77, np.uint8)])
    assert (auto_contrast(rgba)[:, :, 3] == 77).all()
