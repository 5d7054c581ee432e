"""Incremental export: scenes cached by what decides their pixels, joined without re-encoding,
and the result frame for frame what one whole encode makes."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile

from studio.errors import Cancelled
from studio.render import incremental
from studio.render.errors import ExportFailed
from studio.render.export import Preset, export
from studio.render.ffmpeg import ffmpeg_exe
from studio.render.probe import decode_audio, probe
from studio.render.segments import key, plan
from studio.render.timeline import PanZoom, layout

from .conftest import TAKE_RATE, TAKE_SECONDS, Cue, _take, make_project

# medium, as the real presets: B-frames, so the joins meet reordered frames
SMALL = Preset("small", "tests", 320, 240, x264_preset="medium")
W, H = SMALL.width, SMALL.height


def frames_of(path: Path) -> np.ndarray:
    """Every frame's luma, decoded by ffmpeg."""
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "gray",
                          "pipe:1"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, H, W)


def joins(result) -> list[int]:
    return [s.first for s in plan_of(result)][1:]


def plan_of(result):
    return result._plan


def exported(project, name, timeline=None, cues=None, **kw):
    timeline = timeline or project.timeline
    result = export(timeline, project.folder, project.folder / "exports" / name, SMALL,
                    captions=project.cues if cues is None else cues, **kw)
    result._plan = plan(timeline, SMALL.fps, project.cues if cues is None else cues)
    return result


def longer_take(project, line="l2", extra=0.43) -> object:
    """Line `line` gets a new take `extra` seconds longer: its scene grows, later scenes move along."""
    voice = np.concatenate([_take(9, line == "l2"), np.zeros(int(extra * TAKE_RATE), np.float32)])
    soundfile.write(project.folder / "renders" / f"{line}-b.wav", voice, TAKE_RATE)
    items = [(v[0], v[1], f"renders/{line}-b.wav" if v[0] == line else v[2],
              TAKE_SECONDS + extra if v[0] == line else v[3]) for v in project.timeline.voice_items]
    return layout(items, project.timeline.scene_items, gap=project.timeline.gap,
                  previous=project.timeline).add_music("bed.wav")


def test_a_cold_incremental_export_is_the_whole_encode_frame_for_frame(project):
    whole = exported(project, "whole.mp4", incremental=False)
    pieces = exported(project, "pieces.mp4")
    assert pieces.segments == 3 and pieces.encoded_segments == 3
    a, b = frames_of(whole.path), frames_of(pieces.path)
    assert len(a) == len(b) == whole.frames == pieces.frames
    assert probe(pieces.path).duration == pytest.approx(probe(whole.path).duration, abs=1 / 30)
    for at in joins(pieces):  # every frame around each join
        for i in range(at - 3, at + 3):
            assert np.abs(a[i].astype(int) - b[i]).mean() < 1.5, f"frame {i} differs near the join at {at}"
    assert np.abs(a.astype(int) - b).mean() < 1.0


def test_an_unchanged_reexport_encodes_nothing_and_is_the_same_video(project):
    first = exported(project, "one.mp4")
    again = exported(project, "two.mp4")
    assert again.encoded_segments == 0
    assert np.array_equal(frames_of(first.path), frames_of(again.path))


def test_a_longer_take_reencodes_its_scene_only_and_later_scenes_follow(project):
    exported(project, "before.mp4")
    timeline = longer_take(project)
    after = exported(project, "after.mp4", timeline=timeline)
    assert after.encoded_segments == 1  # scene s2 only: s3 moved but did not change
    fresh = exported(project, "fresh.mp4", timeline=timeline, incremental=False)
    a, b = frames_of(fresh.path), frames_of(after.path)
    assert len(a) == len(b)
    assert abs(len(b) / 30 - timeline.duration) <= 1 / 30
    for at in joins(after):
        for i in range(at - 3, min(len(a), at + 3)):
            assert np.abs(a[i].astype(int) - b[i]).mean() < 1.5, f"frame {i} differs near the join at {at}"
    # the sound is mixed from the new timeline: the new take's click is heard where it sits
    sound = decode_audio(after.path)
    peak = np.argmax(np.abs(sound[:, 0])) / 48000
    assert peak == pytest.approx(timeline.clip("voice:l2").start + 0.4, abs=0.02)
    assert len(sound) / 48000 == pytest.approx(timeline.duration, abs=0.05)


def test_captions_over_a_scene_boundary_reencode_both_scenes_they_touch(project):
    exported(project, "before.mp4")
    boundary = project.timeline.clip("image:s2").start
    cues = project.cues + [Cue(boundary - 0.4, boundary + 0.4, ["Across the cut"])]
    after = exported(project, "after.mp4", cues=cues)
    assert after.encoded_segments == 2
    fresh = exported(project, "fresh.mp4", cues=cues, incremental=False)
    a, b = frames_of(fresh.path), frames_of(after.path)
    at = joins(after)[0]
    for i in range(at - 5, at + 5):
        assert np.abs(a[i].astype(int) - b[i]).mean() < 1.5


def test_the_key_follows_pixels_not_position(project):
    timeline = project.timeline
    settings = {"encoder": ["x"], "size": [W, H], "fps": 30}
    before = {s.clip.ref: key(s, project.folder, settings) for s in plan(timeline, 30) if s.clip}
    moved = longer_take(project)
    after = {s.clip.ref: key(s, project.folder, settings) for s in plan(moved, 30) if s.clip}
    assert before["s1"] == after["s1"] and before["s3"] == after["s3"] and before["s2"] != after["s2"]
    # a new framing, a new picture, or a new encoder setting is a new key
    zoomed = timeline.set_pan_zoom("image:s3", PanZoom.framing(1.0, 1.3, "left to right"))
    assert {s.clip.ref: key(s, project.folder, settings) for s in plan(zoomed, 30) if s.clip}["s3"] != before["s3"]
    assert key(plan(timeline, 30)[2], project.folder, {**settings, "encoder": ["y"]}) != before["s3"]
    image = project.folder / "images" / "s3.png"
    image.write_bytes(image.read_bytes() + b"\0")  # other bytes (the same picture, but the key cannot know)
    assert key(plan(timeline, 30)[2], project.folder, settings) != before["s3"]


def test_segments_cover_every_frame_once_and_stay_within_a_frame_of_the_timeline(project):
    for timeline in (project.timeline, longer_take(project, extra=0.517), longer_take(project, "l1", 0.011)):
        segments = plan(timeline, 30)
        assert segments[0].first == 0
        assert all(a.end == b.first for a, b in zip(segments, segments[1:]))
        for s in segments:
            assert abs(s.first - s.origin * 30) <= 1.0 + 1e-6
        assert abs(segments[-1].end - timeline.duration * 30) <= 1.0 + 1e-6


@pytest.mark.parametrize("damage", ["corrupt", "missing", "record"])
def test_a_damaged_or_missing_cached_segment_is_encoded_again_never_joined(project, damage):
    first = exported(project, "one.mp4")
    cache = incremental.cache_folder(project.folder)
    videos = sorted(cache.glob("*.mp4"))
    assert len(videos) == 3
    victim = videos[1]
    if damage == "corrupt":
        data = bytearray(victim.read_bytes())
        data[len(data) // 2:len(data) // 2 + 64] = b"\xff" * 64
        victim.write_bytes(bytes(data))
    elif damage == "missing":
        victim.unlink()
    else:
        victim.with_suffix(".json").unlink()
    again = exported(project, "two.mp4")
    assert again.encoded_segments == 1
    assert np.abs(frames_of(first.path).astype(int) - frames_of(again.path)).max() == 0


def test_a_cancelled_incremental_export_leaves_no_file_and_no_half_segment(project):
    exported(project, "before.mp4")
    out = project.folder / "exports" / "video.mp4"

    class CancelWhenEncoding:
        def set_progress(self, fraction, message=""):
            self.encoding = getattr(self, "encoding", False) or message.startswith("Encoding")

        def is_cancelled(self):
            return getattr(self, "encoding", False)

    with pytest.raises(Cancelled):
        export(longer_take(project), project.folder, out, SMALL, state=CancelWhenEncoding())
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]
    cache = incremental.cache_folder(project.folder)
    assert not [p for p in cache.iterdir() if "partial" in p.name]
    assert len(list(cache.glob("*.mp4"))) == len(list(cache.glob("*.json"))) == 3


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux) to fill the disk")
def test_a_full_disk_while_a_segment_encodes_leaves_the_previous_export_and_cache_whole(project, monkeypatch):
    out = project.folder / "exports" / "video.mp4"
    export(project.timeline, project.folder, out, SMALL)
    before = out.read_bytes()
    cache = incremental.cache_folder(project.folder)
    cached = sorted(p.name for p in cache.iterdir())
    real = incremental.ffmpeg.partial_path

    def full(path):
        if Path(path).parent == cache:  # only segments run out of room
            link = Path(path).with_name(f".{Path(path).stem}.full.partial.mp4")
            link.symlink_to("/dev/full")
            return link
        return real(path)

    monkeypatch.setattr(incremental.ffmpeg, "partial_path", full)
    with pytest.raises(ExportFailed) as caught:
        export(longer_take(project), project.folder, out, SMALL)
    assert "disk is full" in str(caught.value)
    assert out.read_bytes() == before
    assert sorted(p.name for p in cache.iterdir()) == cached


def test_a_full_export_without_cache_writes_nothing_to_the_cache(project):
    exported(project, "whole.mp4", incremental=False)
    assert not incremental.cache_folder(project.folder).exists()


def test_a_different_preset_shape_never_reuses_another_shapes_segments(project):
    exported(project, "small.mp4")
    other = replace(SMALL, name="other", width=240, height=320)
    result = export(project.timeline, project.folder, project.folder / "exports" / "other.mp4", other,
                    captions=project.cues)
    assert result.encoded_segments == 3
