"""The timeline built from a project: order, gaps, scene spans, locks, music, recordings, captions."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile

from studio.project.takes import Take
from studio.render.from_project import (
    TIMELINE_FILE,
    build_timeline,
    load_timeline,
    save_timeline,
    timeline_cues,
)
from studio.render.timeline import DEFAULT_GAP


def test_clips_follow_the_script_with_gaps_and_each_scene_image_spans_its_lines(rendered_demo):
    project = rendered_demo
    timeline = build_timeline(project)
    voice = timeline.track("voice")
    assert [c.ref for c in voice] == [line.id for line in project.lines]
    assert [c.source for c in voice] == [project.chosen_take(l.id).path for l in project.lines]
    for a, b in zip(voice, voice[1:]):
        assert b.start - a.end == pytest.approx(DEFAULT_GAP)
    images = timeline.track("image")
    assert [c.ref for c in images] == [scene.id for scene in project.scenes]
    assert images[0].start == 0.0 and images[-1].end == pytest.approx(voice[-1].end)
    for scene, clip in zip(project.scenes, images):
        first = timeline.clip_for(scene.lines[0].id)
        assert clip.start == pytest.approx(0.0 if scene is project.scenes[0] else first.start)
    for a, b in zip(images, images[1:]):
        assert a.end == pytest.approx(b.start)  # no black between scenes
    # No scene image yet: each scene shows a title card drawn once into renders/.
    assert all(c.source.startswith("renders/cards/") and (project.folder / c.source).is_file() for c in images)


def test_a_chosen_scene_image_is_used(rendered_demo):
    project = rendered_demo
    import cv2

    (project.folder / "images").mkdir()
    cv2.imwrite(str(project.folder / "images" / "sea.png"), np.full((64, 64, 3), 128, np.uint8))
    scene = project.scenes[1]
    project.add_image_take(project.add_creator_image(scene.id, "images/sea.png"), choose=True)
    timeline = build_timeline(project)
    assert timeline.clip_for(scene.id, "image").source == "images/sea.png"


def test_relayout_keeps_a_locked_clip_and_a_new_take_moves_the_others(rendered_demo, sine_registry):
    project = rendered_demo
    timeline = build_timeline(project)
    second = project.lines[1].id
    clip_id = f"voice:{second}"
    timeline = timeline.move(clip_id, 4.0).lock(clip_id)
    save_timeline(project, timeline)
    assert (project.folder / TIMELINE_FILE).is_file() and load_timeline(project) == timeline

    first = project.lines[0]
    before = project.chosen_take(first.id).duration
    project.edit_line(first.id, first.text + " And a good deal more words to make it longer.")
    from studio.engines.base import NullState
    from studio.jobs.pipeline import Voicing

    voicing = Voicing(project, sine_registry)
    voicing.commit(voicing.render_line(first.id, NullState()))
    assert project.chosen_take(first.id).duration > before

    again = build_timeline(project)  # starts from the saved timeline
    assert again.clip(clip_id).start == 4.0 and again.clip(clip_id).locked
    assert again.clip(f"voice:{first.id}").duration == pytest.approx(project.chosen_take(first.id).duration)
    voice = again.track("voice")
    for a, b in zip(voice, voice[1:]):
        assert b.start >= a.end - 1e-9  # nothing overlaps the locked clip


def test_music_named_in_the_manifest_lies_under_the_narration(rendered_demo):
    project = rendered_demo
    t = np.arange(48000) / 48000
    soundfile.write(project.folder / "bed.wav", 0.1 * np.sin(2 * np.pi * 220 * t), 48000)
    with open(project.folder / "stitch.toml", "a", encoding="utf-8") as f:
        f.write('\n[timeline]\nmusic = "bed.wav"\n')
    timeline = build_timeline(project)
    (music,) = timeline.track("music")
    assert music.source == "bed.wav" and music.start == 0.0
    assert music.end == pytest.approx(timeline.track("voice")[-1].end)


def test_a_recording_take_plays_from_its_offset_and_its_words_land_on_the_timeline(rendered_demo):
    project = rendered_demo
    line = project.lines[0]
    rate = 24000
    soundfile.write(project.folder / "voiceover.wav", np.zeros(rate * 10, np.float32), rate)
    take = Take(id="rec1", line_id=line.id, path="voiceover.wav", cache_key="", engine="recording", model="",
                voice="", speed=1.0, text=line.text, g2p="", seconds=0.0, duration=2.0, sample_rate=rate,
                created="2999-01-01T00:00:00.000+00:00", tier="recording", offset=3.0)
    project.add_take(take)
    assert project.chosen_take(line.id).id == "rec1"
    timeline = build_timeline(project)
    clip = timeline.clip_for(line.id)
    assert (clip.in_point, clip.duration, clip.source_duration) == (3.0, 2.0, 5.0)
    save_timeline(project, timeline.move(clip.id, 1.0))
    again = build_timeline(project)  # a re-layout neither loses the offset nor the placement
    assert again.clip(clip.id).in_point == 3.0 and again.clip(clip.id).start == 1.0
    cues = timeline_cues(project, again)
    assert cues[0].start == pytest.approx(1.0) and cues[0].end <= 3.0 + 1e-6


def test_captions_follow_a_moved_clip_and_use_stored_word_timings(rendered_demo):
    from studio.project.checks import TakeCheck, write_check

    project = rendered_demo
    line = project.lines[1]
    take = project.chosen_take(line.id)
    words = [{"text": w, "start": 0.1 + 0.2 * i, "end": 0.25 + 0.2 * i} for i, w in enumerate(line.text.split())]
    write_check(project.folder, TakeCheck(take.id, True, 0.0, "", "whisper", "tiny",
                                          transcript={"segments": [{"words": words}]}))
    timeline = build_timeline(project)
    moved = timeline.move(f"voice:{line.id}", 20.0)
    cues = timeline_cues(project, moved)
    mine = [c for c in cues if c.start >= 20.0]
    assert mine and mine[0].start == pytest.approx(20.1)
    assert all(a.end <= b.start + 1e-9 for a, b in zip(cues, cues[1:]))
