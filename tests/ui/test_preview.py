"""The picture preview: the right still, framed as the export frames it, with the caption, at the playhead."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint

from studio.render.captions import Cue
from studio.render.timeline import PanZoom, layout
from studio.ui.shell.jobs import QtJobs
from studio.ui.timeline.preview import AROUND, Preview

RED, BLUE, GREEN, YELLOW = (220, 30, 30), (30, 60, 220), (30, 180, 60), (240, 220, 40)
VOICE = [("l1", "s1", "renders/a.wav", 3.0), ("l2", "s2", "renders/b.wav", 3.0)]  # s1 0–3.35, s2 3.35–6.35
CUES = [Cue(0.5, 1.5, ["Hello there"]), Cue(4.0, 5.0, ["Second scene"])]


def _picture(path, size, colours):
    """A picture in vertical bands of the given colours (left to right)."""
    w, h = size
    pixels = np.zeros((h, w, 3), np.uint8)
    for n, colour in enumerate(colours):
        pixels[:, n * w // len(colours):(n + 1) * w // len(colours)] = colour
    Image.fromarray(pixels).save(path)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "images").mkdir()
    _picture(tmp_path / "images" / "red.png", (600, 900), [RED])
    _picture(tmp_path / "images" / "halves.png", (1200, 900), [GREEN, YELLOW])
    return tmp_path


@pytest.fixture
def preview(qtbot):
    jobs = QtJobs()
    widget = Preview(jobs)
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    yield widget
    jobs.shutdown()


def _at(qtbot, preview, t):
    preview.show_at(t)
    qtbot.waitUntil(lambda: preview.ready, timeout=5000)
    return preview.grab().toImage()


def _colour(image, point) -> tuple[int, int, int]:
    c = image.pixelColor(point)
    return c.red(), c.green(), c.blue()


def _near(a, b, tolerance=12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


def _centre(preview) -> QPoint:
    return preview.frame_rect().center().toPoint()


def test_the_still_and_the_caption_at_the_playhead_letterboxed_in_the_format(qtbot, preview, folder):
    timeline = layout(VOICE, [("s1", "images/red.png"), ("s2", "images/halves.png")])
    timeline = timeline.set_pan_zoom("image:s2", None)  # a still that does not move
    preview.show_timeline(folder, timeline, CUES, "9:16")

    shot = _at(qtbot, preview, 1.0)
    assert preview.clip.id == "image:s1" and preview.caption == "Hello there"
    assert _near(_colour(shot, _centre(preview)), RED)
    frame = preview.frame_rect()
    assert frame.height() > 2 * frame.width() * 0.85  # 9:16 in a wide widget: bars left and right
    assert _colour(shot, QPoint(3, 150)) == _colour_of(AROUND)
    # The caption is drawn where the export burns it: white letters low in a tall frame.
    band = [_colour(shot, QPoint(x, int(frame.top() + 0.70 * frame.height())))
            for x in range(int(frame.left()), int(frame.right()))]
    assert any(min(c) > 235 for c in band)

    shot = _at(qtbot, preview, 2.0)
    assert preview.caption == "" and _near(_colour(shot, _centre(preview)), RED)
    assert not any(min(_colour(shot, QPoint(x, int(frame.top() + 0.70 * frame.height())))) > 235
                   for x in range(int(frame.left()), int(frame.right())))

    # Scene 2: the 4:3 picture is cover-cropped to 9:16 like the export does, so only the
    # middle of it shows, where its green and yellow halves meet.
    shot = _at(qtbot, preview, 4.5)
    assert preview.clip.id == "image:s2" and preview.caption == "Second scene"
    left = QPoint(int(frame.left() + frame.width() * 0.25), int(frame.center().y()))
    right = QPoint(int(frame.left() + frame.width() * 0.75), int(frame.center().y()))
    assert _near(_colour(shot, left), GREEN) and _near(_colour(shot, right), YELLOW)

    shot = _at(qtbot, preview, 9.0)  # after the last clip: black, as in the video
    assert preview.clip is None and _colour(shot, _centre(preview)) == (0, 0, 0)


def test_a_pan_edit_changes_what_the_preview_frames(qtbot, preview, folder):
    timeline = layout(VOICE, [("s1", "images/halves.png"), ("s2", "images/red.png")])
    preview.show_timeline(folder, timeline, [], "16:9")
    shot = _at(qtbot, preview, 0.0)
    assert preview.framing == pytest.approx((0.0, 0.0, 1.0, 1.0))  # the default starts on the whole picture
    assert not _near(_colour(shot, _centre(preview)), GREEN, 40)  # the seam between the halves

    # Twice as close, travelling left to right: the start shows the green left half, the end the yellow right.
    panned = timeline.set_pan_zoom("image:s1", PanZoom.framing(2.0, 2.0, "left to right"))
    preview.show_timeline(folder, panned, [], "16:9")
    shot = _at(qtbot, preview, 0.0)
    assert preview.framing == pytest.approx((0.0, 0.25, 0.5, 0.5))
    assert _near(_colour(shot, _centre(preview)), GREEN)
    shot = _at(qtbot, preview, panned.clip("image:s1").end - 0.005)
    assert preview.framing[0] == pytest.approx(0.5, abs=0.01)
    assert _near(_colour(shot, _centre(preview)), YELLOW)
    # Meanwhile the still is prepared again, sharper, for the closer framing.
    qtbot.waitUntil(lambda: preview.pictures["images/halves.png"].zoom == pytest.approx(2.0), timeout=5000)


def test_the_preview_frames_a_pan_as_the_export_does(qtbot, preview, tmp_path):
    from studio.render.frames import FrameMaker
    from studio.ui.timeline.preview import _rgb

    x, y = np.meshgrid(np.linspace(0, 255, 1500), np.linspace(0, 255, 1000))
    Image.fromarray(np.dstack((x, y, 255 - x)).astype(np.uint8)).save(tmp_path / "ramp.png")
    timeline = layout(VOICE, [("s1", "ramp.png"), ("s2", "ramp.png")])
    timeline = timeline.set_pan_zoom("image:s1", PanZoom.framing(1.8, 1.3, "bottom to top"))
    preview.show_timeline(tmp_path, timeline, [], "9:16")
    shot = _at(qtbot, preview, 1.0)

    maker = FrameMaker(timeline, tmp_path, 540, 960, 30)
    buffer = maker.new_buffer()
    maker.make(30, buffer)  # 1.0 s
    video = _rgb(*maker.planes(buffer))
    frame = preview.frame_rect()
    for fx, fy in ((0.1, 0.1), (0.5, 0.5), (0.9, 0.3), (0.3, 0.9)):
        seen = _colour(shot, QPoint(int(frame.left() + fx * frame.width()), int(frame.top() + fy * frame.height())))
        exported = tuple(int(c) for c in video[int(fy * 960), int(fx * 540)])
        assert _near(seen, exported, 8), (fx, fy, seen, exported)


def test_a_missing_still_says_so_in_the_frame(qtbot, preview, folder):
    timeline = layout(VOICE, [("s1", "images/gone.png"), ("s2", "images/red.png")])
    preview.show_timeline(folder, timeline, [], "1:1")
    _at(qtbot, preview, 1.0)
    assert "gone.png" in preview.failed["images/gone.png"]
    assert preview.frame_rect().width() == pytest.approx(preview.frame_rect().height())


def _colour_of(name: str) -> tuple[int, int, int]:
    from PySide6.QtGui import QColor

    c = QColor(name)
    return c.red(), c.green(), c.blue()


@pytest.mark.parametrize("fit", ["blur", "subject"])
def test_a_picture_of_another_shape_is_fitted_as_the_export_fits_it(qtbot, preview, tmp_path, fit, artifacts_dir):
    from studio.project.look import Look
    from studio.render.frames import FrameMaker
    from studio.ui.timeline.preview import _rgb

    portrait = np.zeros((800, 450, 3), np.uint8)
    portrait[:, :] = (40, 80, 200)
    portrait[60:200, 160:290] = (250, 250, 250)  # the subject, near the top
    portrait[600:, :] = (30, 160, 60)  # green ground at the bottom: cut off around the subject
    Image.fromarray(portrait).save(tmp_path / "portrait.png")
    timeline = layout(VOICE, [("s1", "portrait.png"), ("s2", "portrait.png")])
    timeline = timeline.set_pan_zoom("image:s1", None)
    preview.resize(640, 400)
    preview.show_timeline(tmp_path, timeline, [], "16:9", Look(fit=fit))
    shot = _at(qtbot, preview, 1.0)
    shot.save(str(artifacts_dir / f"preview-fit-{fit}.png"))

    maker = FrameMaker(timeline, tmp_path, 1920, 1080, 30, look=Look(fit=fit))
    buffer = maker.new_buffer()
    maker.make(30, buffer)
    video = _rgb(*maker.planes(buffer))
    frame = preview.frame_rect()
    for fx, fy in ((0.05, 0.5), (0.5, 0.2), (0.5, 0.5), (0.5, 0.95), (0.95, 0.9)):
        seen = _colour(shot, QPoint(int(frame.left() + fx * frame.width()), int(frame.top() + fy * frame.height())))
        exported = tuple(int(c) for c in video[int(fy * 1079), int(fx * 1919)])
        assert _near(seen, exported, 14), (fx, fy, seen, exported)
    bottom = _colour(shot, QPoint(int(frame.center().x()), int(frame.top() + 0.97 * frame.height())))
    # Over the blur the whole picture shows, green ground included; around the subject it is cut off.
    assert _near(bottom, (30, 160, 60), 30) == (fit == "blur")


def test_the_preview_draws_the_caption_style_and_the_spoken_word(qtbot, preview, folder, artifacts_dir):
    from studio.project.look import CaptionStyle, Look

    timeline = layout(VOICE, [("s1", "images/red.png"), ("s2", "images/halves.png")])
    timeline = timeline.set_pan_zoom("image:s1", None)
    cue = Cue(0.5, 1.5, ["Hello there"], [(0.5, 1.0), (1.0, 1.5)])
    preview.resize(640, 400)
    preview.show_timeline(folder, timeline, [cue], "16:9", Look(captions=CaptionStyle(position="top", highlight="#ffd23f")))
    early = _at(qtbot, preview, 0.7)
    assert preview.spoken == 0
    late = _at(qtbot, preview, 1.2)
    assert preview.spoken == 1
    late.save(str(artifacts_dir / "preview-karaoke.png"))
    frame = preview.frame_rect()

    def yellow_xs(shot):
        xs = []
        for x in range(int(frame.left()), int(frame.right())):
            for y in range(int(frame.top()), int(frame.top() + 0.3 * frame.height()), 2):  # at the top, as chosen
                r, g, b = _colour(shot, QPoint(x, y))
                if r > 200 and g > 170 and b < 120:
                    xs.append(x)
                    break
        return xs

    first, second = yellow_xs(early), yellow_xs(late)
    assert first and second and max(first) < min(second)  # "Hello", then "there"
