"""Timeline edits the window's controls make: edge trims, gaps per line, fades, framing (pure Python)."""

from __future__ import annotations

import json

import pytest

from studio.render.errors import TimelineError
from studio.render.timeline import DIRECTIONS, MIN_CLIP, PanZoom, Timeline, centred, layout

VOICE = [
    ("l1", "s1", "renders/a.wav", 2.0),
    ("l2", "s1", "renders/b.wav", 1.0),
    ("l3", "s2", "renders/c.wav", 3.0),
]
SCENES = [("s1", "images/one.png"), ("s2", "images/two.png")]


def spans(tl: Timeline, track: str = "voice") -> list[tuple[float, float]]:
    return [(round(c.start, 6), round(c.end, 6)) for c in tl.track(track)]


def test_dragging_a_start_edge_trims_the_head_of_the_take_and_keeps_the_end():
    tl = layout(VOICE, SCENES, gap=0.5)
    cut = tl.trim_edge("voice:l3", "start", 4.5).clip("voice:l3")  # l3 plays 4.0–7.0
    assert (cut.start, cut.in_point, cut.end) == pytest.approx((4.5, 0.5, 7.0)) and cut.placed
    # Back out again: never before the first moment of the take.
    back = tl.trim_edge("voice:l3", "start", 4.5).trim_edge("voice:l3", "start", 1.0).clip("voice:l3")
    assert (back.start, back.in_point, back.duration) == pytest.approx((4.0, 0.0, 3.0))
    # Never past the other edge either.
    assert tl.trim_edge("voice:l3", "start", 9.0).clip("voice:l3").duration == pytest.approx(MIN_CLIP)


def test_dragging_an_end_edge_stops_at_the_end_of_the_take_but_a_still_can_grow():
    tl = layout(VOICE, SCENES, gap=0.5)
    assert tl.trim_edge("voice:l1", "end", 1.2).clip("voice:l1").duration == pytest.approx(1.2)
    assert tl.trim_edge("voice:l1", "end", 5.0).clip("voice:l1").end == pytest.approx(2.0)
    image = tl.trim_edge("image:s2", "end", 12.0).clip("image:s2")
    assert image.end == pytest.approx(12.0)
    grown = tl.trim_edge("image:s2", "start", 3.0).clip("image:s2")
    assert (grown.start, grown.in_point) == (3.0, 0.0)  # a still's in-point means nothing: left alone
    with pytest.raises(TimelineError, match="locked"):
        tl.lock("voice:l2").trim_edge("voice:l2", "end", 3.0)
    with pytest.raises(TimelineError):
        tl.trim_edge("voice:l2", "middle", 3.0)


def test_a_trimmed_image_keeps_its_trim_through_a_relayout():
    tl = layout(VOICE, SCENES, gap=0.5).trim_edge("image:s1", "end", 3.0)
    voice = [("l1", "s1", "renders/a2.wav", 2.2)] + VOICE[1:]  # a new take of l1
    again = layout(voice, SCENES, gap=0.5, previous=tl)
    assert spans(again, "image")[0] == (0.0, 3.0)
    assert all(c.start >= 3.0 - 1e-9 for c in again.track("image") if c.ref == "s2")


def test_an_edge_snaps_to_other_clips_and_the_playhead_only_when_near():
    tl = layout(VOICE, SCENES, gap=0.5)
    assert tl.snap_time(2.46, 0.1, exclude="voice:l3") == pytest.approx(2.5)  # l2's start
    assert tl.snap_time(5.33, 0.1, extra=(5.3,)) == pytest.approx(5.3)
    assert tl.snap_time(5.6, 0.1) == 5.6
    # A clip's own edges are not targets for itself.
    assert tl.snap_time(2.03, 0.1, exclude="voice:l1") == 2.03


def test_the_gap_before_one_line_moves_it_and_the_lines_after_it():
    tl = layout(VOICE, SCENES, gap=0.5)
    wide = tl.set_line_gap("l2", 2.0)
    assert spans(wide) == [(0.0, 2.0), (4.0, 5.0), (5.5, 8.5)]
    assert wide.gap_before("l2") == 2.0 and wide.gap_before("l3") == 0.5 and wide.gap_before("l1") == 0.0
    assert spans(wide, "image") == [(0.0, 5.5), (5.5, 8.5)]
    # The line's own gap outlives a change of the usual gap and a new take.
    both = wide.set_gap(1.0)
    assert spans(both) == [(0.0, 2.0), (4.0, 5.0), (6.0, 9.0)]
    again = layout([("l1", "s1", "renders/a2.wav", 1.0)] + VOICE[1:], SCENES, gap=1.0, previous=both)
    assert spans(again)[1] == (3.0, 4.0)
    # Set back to the usual gap, it is the usual gap again.
    assert both.set_line_gap("l2", 1.0).line_gaps == () and both.set_line_gap("l2", None).line_gaps == ()
    # A lead-in before the first line.
    assert spans(tl.set_line_gap("l1", 1.5))[0] == (1.5, 3.5)


def test_a_gap_puts_a_line_placed_by_hand_back_in_the_flow_and_a_locked_one_refuses():
    tl = layout(VOICE, SCENES, gap=0.5).move("voice:l2", 9.0)
    assert tl.set_line_gap("l2", 1.0).clip("voice:l2").start == pytest.approx(3.0)
    with pytest.raises(TimelineError, match="locked"):
        tl.lock("voice:l2").set_line_gap("l2", 1.0)
    with pytest.raises(TimelineError, match="between 0 and 10"):
        tl.set_line_gap("l2", -0.5)


def test_fades_are_set_on_a_clip_and_must_fit_in_it():
    tl = layout(VOICE, SCENES).add_music("audio/bed.mp3")
    faded = tl.set_fades("music:1", 0.5, 3.0).clip("music:1")
    assert (faded.fade_in, faded.fade_out) == (0.5, 3.0)
    with pytest.raises(TimelineError, match="longer than the clip"):
        tl.set_fades("music:1", 5.0, 5.0)
    with pytest.raises(TimelineError):
        tl.set_fades("music:1", -1.0, 0.0)


def test_framing_from_zooms_and_a_direction_and_back():
    assert PanZoom.framing(1.0, 1.08) == PanZoom()  # the default: a slow centred zoom in
    pz = PanZoom.framing(1.25, 1.25, "left to right")
    assert pz.start_rect == pytest.approx((0.0, 0.1, 0.8, 0.8))
    assert pz.end_rect == pytest.approx((0.2, 0.1, 0.8, 0.8))
    for direction in DIRECTIONS:
        back = PanZoom.framing(1.5, 1.2, direction)
        assert back.direction == direction and back.zooms == pytest.approx((1.5, 1.2))
    assert PanZoom((0, 0, 1, 1), centred(1.3)).direction == "centre"
    with pytest.raises(TimelineError, match="zoom"):
        PanZoom.framing(0.5, 1.0)
    with pytest.raises(TimelineError):
        PanZoom.framing(1.0, 1.2, "sideways")


def test_gaps_per_line_are_saved_and_read_back():
    tl = layout(VOICE, SCENES, gap=0.5).set_line_gap("l3", 1.25).set_fades("image:s1", 0.2, 0.3)
    back = Timeline.from_dict(json.loads(json.dumps(tl.to_dict())))
    assert back == tl and back.gap_before("l3") == 1.25
    with pytest.raises(TimelineError, match="damaged"):
        Timeline.from_dict({"line_gaps": [1, 2]})
