"""The timeline model: layout from the script, edits, ducking, re-layout (pure Python, fast)."""

from __future__ import annotations

import pytest

from studio.render.errors import TimelineError
from studio.render.timeline import MIN_CLIP, Clip, PanZoom, Timeline, centred, duck_envelope, layout

VOICE = [
    ("l1", "s1", "renders/a.wav", 2.0),
    ("l2", "s1", "renders/b.wav", 1.0),
    ("l3", "s2", "renders/c.wav", 3.0),
    ("l4", "s3", "renders/d.wav", 1.5),
]
SCENES = [("s1", "images/one.png"), ("s2", "images/two.png"), ("s3", None)]


def starts(tl: Timeline, track: str = "voice") -> list[tuple[str, float, float]]:
    return [(c.ref, round(c.start, 6), round(c.end, 6)) for c in tl.track(track)]


def test_lines_are_laid_back_to_back_with_the_gap_and_images_span_their_scene():
    tl = layout(VOICE, SCENES, gap=0.5)
    assert starts(tl) == [("l1", 0.0, 2.0), ("l2", 2.5, 3.5), ("l3", 4.0, 7.0), ("l4", 7.5, 9.0)]
    # The first image from 0, each until the next scene's first line; a scene without an image has no clip.
    assert starts(tl, "image") == [("s1", 0.0, 4.0), ("s2", 4.0, 7.5)]
    assert tl.duration == pytest.approx(9.0)
    image = tl.clip("image:s1")
    assert image.source == "images/one.png" and image.pan_zoom == PanZoom()
    assert tl.clip("voice:l3").source_duration == 3.0


def test_default_pan_zoom_is_a_slow_centred_zoom_in():
    pz = PanZoom()
    assert pz.rect_at(0) == (0.0, 0.0, 1.0, 1.0)
    end = pz.rect_at(1)
    assert end == pytest.approx(centred(1.08))
    assert end[0] == pytest.approx((1 - end[2]) / 2)  # centred
    assert pz.max_zoom == pytest.approx(1.08)
    assert pz.rect_at(0.5)[2] == pytest.approx((1 + 1 / 1.08) / 2)


def test_edits_return_a_new_timeline_and_leave_the_old_one_alone():
    tl = layout(VOICE, SCENES)
    moved = tl.move("voice:l2", 10.0)
    assert moved.clip("voice:l2").start == 10.0 and moved.clip("voice:l2").placed
    assert tl.clip("voice:l2").start != 10.0
    assert moved.move("voice:l2", -3).clip("voice:l2").start == 0.0

    trimmed = tl.trim("voice:l3", in_point=0.5, duration=10.0)
    clip = trimmed.clip("voice:l3")
    assert (clip.in_point, clip.duration) == (0.5, 2.5)  # never past the end of the take
    assert trimmed.trim("voice:l3", 0, 0).clip("voice:l3").duration == pytest.approx(MIN_CLIP)

    locked = tl.lock("voice:l1")
    with pytest.raises(TimelineError, match="locked"):
        locked.move("voice:l1", 3.0)
    with pytest.raises(TimelineError, match="locked"):
        locked.trim("voice:l1", 0.1, 1.0)
    with pytest.raises(TimelineError):
        tl.move("voice:nope", 1.0)


def test_changing_the_gap_lays_the_lines_out_again():
    tl = layout(VOICE, SCENES, gap=0.35)
    wider = tl.set_gap(1.0)
    assert starts(wider)[1][1] == pytest.approx(3.0)
    assert wider.gap == 1.0
    with pytest.raises(TimelineError):
        tl.set_gap(-1)


def test_relayout_keeps_locked_clips_where_they_are_and_pushes_what_would_overlap():
    tl = layout(VOICE, SCENES, gap=0.5).move("voice:l3", 3.0).lock("voice:l3")
    # l2 grows (a new take): it no longer fits before the locked l3 and is pushed after it.
    voice = [VOICE[0], ("l2", "s1", "renders/b2.wav", 1.5), VOICE[2], VOICE[3]]
    again = layout(voice, SCENES, gap=0.5, previous=tl)
    assert again.clip("voice:l3").start == 3.0 and again.clip("voice:l3").locked
    assert again.clip("voice:l2").start == pytest.approx(6.5)  # after l3's end + gap
    assert again.clip("voice:l4").start == pytest.approx(8.5)
    assert again.clip("voice:l2").source == "renders/b2.wav"
    # No two voice clips overlap.
    spans = sorted((c.start, c.end) for c in again.track("voice"))
    assert all(a[1] <= b[0] + 1e-9 for a, b in zip(spans, spans[1:]))


def test_a_line_moved_by_hand_keeps_its_place_through_a_new_take_while_it_fits():
    tl = layout(VOICE, SCENES, gap=0.5).move("voice:l4", 12.0)
    voice = VOICE[:3] + [("l4", "s3", "renders/d2.wav", 2.5)]
    again = layout(voice, SCENES, gap=0.5, previous=tl)
    l4 = again.clip("voice:l4")
    assert (l4.start, l4.duration, l4.source) == (12.0, 2.5, "renders/d2.wav")

    # Where the new take would overlap the line before it, it goes back into the flow.
    crowded = layout(VOICE, SCENES, gap=0.5).move("voice:l2", 2.2)
    longer = [VOICE[0], VOICE[1], ("l3", "s2", "renders/c.wav", 3.0), VOICE[3]]
    longer[0] = ("l1", "s1", "renders/a2.wav", 2.5)
    again = layout(longer, SCENES, gap=0.5, previous=crowded)
    assert again.clip("voice:l2").start == pytest.approx(3.0)


def test_relayout_keeps_trims_of_an_unchanged_take_and_drops_them_for_a_new_one():
    tl = layout(VOICE, SCENES).trim("voice:l1", 0.2, 1.5)
    same = layout(VOICE, SCENES, previous=tl).clip("voice:l1")
    assert (same.in_point, same.duration) == (0.2, 1.5)
    voice = [("l1", "s1", "renders/a-new.wav", 2.2)] + VOICE[1:]
    new = layout(voice, SCENES, previous=tl).clip("voice:l1")
    assert (new.in_point, new.duration) == (0.0, 2.2)


def test_relayout_drops_clips_of_removed_lines_and_keeps_framing_and_music():
    framing = PanZoom((0.1, 0.1, 0.8, 0.8), (0.0, 0.0, 1.0, 1.0))
    tl = layout(VOICE, SCENES).set_pan_zoom("image:s2", framing).add_music("audio/bed.mp3")
    assert tl.clip("music:1").duration == pytest.approx(tl.duration)
    shorter = layout(VOICE[:3], SCENES, previous=tl)
    assert "voice:l4" not in {c.id for c in shorter.clips}
    assert shorter.clip("image:s2").pan_zoom == framing
    # The music bed follows the narration's new length.
    assert shorter.clip("music:1").duration == pytest.approx(shorter.clip("voice:l3").end)


def test_a_locked_image_keeps_its_place_and_the_next_scene_fills_around_it():
    tl = layout(VOICE, SCENES, gap=0.5).lock("image:s1")
    voice = [("l1", "s1", "renders/a.wav", 1.0)] + VOICE[1:]
    again = layout(voice, SCENES, gap=0.5, previous=tl)
    assert (again.clip("image:s1").start, again.clip("image:s1").end) == (0.0, 4.0)
    s2 = [c for c in again.track("image") if c.ref == "s2"]
    assert s2 and all(c.start >= 4.0 - 1e-9 for c in s2)


def test_snapping_clings_to_nearby_edges_only():
    tl = layout(VOICE, SCENES, gap=0.5)
    # l2 (1 s long) dragged to 4.05: its start clings to l3's start at 4.0.
    assert tl.snap_move("voice:l2", 4.05) == pytest.approx(4.0)
    # Dragged so that its end is near l3's end (7.0): the end clings.
    assert tl.snap_move("voice:l2", 5.93) == pytest.approx(6.0)
    assert tl.snap_move("voice:l2", 5.5) == 5.5
    assert tl.snap_move("voice:l2", 8.97, extra=(9.0,)) == pytest.approx(9.0)


def test_ducking_envelope_dips_under_speech_with_attack_and_release():
    music = Clip("music:1", "music", "bed.wav", 0.0, 20.0)
    voice = [Clip("v1", "voice", "a.wav", 2.0, 3.0), Clip("v2", "voice", "b.wav", 5.2, 1.0),
             Clip("v3", "voice", "c.wav", 10.0, 2.0)]
    env = duck_envelope(music, voice, amount_db=-12, attack=0.15, release=0.4)

    def gain(t):
        for (t0, g0), (t1, g1) in zip(env, env[1:]):
            if t0 <= t <= t1:
                return g0 if t1 == t0 else g0 + (g1 - g0) * (t - t0) / (t1 - t0)

    assert env[0] == (0.0, 0.0) and env[-1] == (20.0, 0.0)
    assert gain(1.0) == 0.0
    assert gain(2.0 - 0.15) == pytest.approx(0.0)
    assert gain(2.0 - 0.075) == pytest.approx(-6.0)  # halfway down the attack
    assert gain(2.0) == pytest.approx(-12.0)
    # v1 and v2 are 0.2 s apart (< attack + release): the music stays down between them.
    assert gain(5.1) == pytest.approx(-12.0)
    assert gain(6.2 + 0.2) == pytest.approx(-6.0)  # halfway up the release
    assert gain(8.0) == 0.0
    assert gain(11.0) == pytest.approx(-12.0)
    times = [t for t, _ in env]
    assert times == sorted(times)


def test_ducking_envelope_is_clipped_to_the_music_clip():
    music = Clip("music:1", "music", "bed.wav", 3.0, 2.0)
    env = duck_envelope(music, [Clip("v", "voice", "a.wav", 0.0, 3.05)], amount_db=-10, attack=0.1, release=0.4)
    assert env[0][0] == 3.0 and env[0][1] == pytest.approx(-10.0)
    assert env[-1] == (5.0, 0.0)


def test_timeline_saves_and_reads_back_as_plain_data():
    tl = (layout(VOICE, SCENES).move("voice:l2", 9.0).lock("voice:l1").add_music("bed.wav")
          .set_ducking(-9, 0.2, 0.5).set_pan_zoom("image:s1", None))
    import json

    back = Timeline.from_dict(json.loads(json.dumps(tl.to_dict())))
    assert back == tl
    with pytest.raises(TimelineError, match="damaged"):
        Timeline.from_dict({"clips": [{"id": "x"}]})


def test_clip_maps_a_moment_of_its_take_onto_the_timeline():
    clip = Clip("voice:l1", "voice", "a.wav", start=5.0, duration=2.0, in_point=0.5)
    assert clip.timeline_time(1.0) == pytest.approx(5.5)
    assert clip.timeline_time(0.2) is None  # trimmed away
    assert clip.timeline_time(2.6) is None
