"""Export of a small synthetic project in each preset, checked by decoding what was written."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest

from studio.errors import Cancelled
from studio.render.audio import SAMPLE_RATE
from studio.render.burned_captions import draw_caption
from studio.render.errors import ExportFailed, MediaError
from studio.render.export import PRESETS, Preset, export
from studio.render.ffmpeg import ffmpeg_exe
from studio.render.loudness import integrated_loudness
from studio.render.probe import count_frames, decode_audio, frame_at, parse, probe

from .conftest import SCENE_COLOURS, make_project

TINY = Preset("tiny", "tests", 320, 240, x264_preset="ultrafast")


class Progress:
    def __init__(self, cancel_at: float | None = None):
        self.seen: list[float] = []
        self.cancel_at = cancel_at

    def set_progress(self, fraction: float, message: str = "") -> None:
        self.seen.append(fraction)

    def is_cancelled(self) -> bool:
        return self.cancel_at is not None and bool(self.seen) and self.seen[-1] >= self.cancel_at


@pytest.fixture(scope="module", params=list(PRESETS))
def exported(request, tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp(request.param) / "My Video")
    progress = Progress()
    result = export(project.timeline, project.folder, project.folder / "exports" / "video.mp4", request.param,
                    captions=project.cues, captions_mode="burn", state=progress)
    return project, result, progress


def colour_near(pixel_rgb, expected, tolerance=14) -> bool:
    return bool(np.all(np.abs(np.asarray(pixel_rgb, float) - expected) <= tolerance))


def test_streams_size_rate_and_duration(exported):
    project, result, progress = exported
    preset = PRESETS[result.preset]
    info = probe(result.path)
    assert (info.video.codec, info.video.pix_fmt) == ("h264", "yuv420p")
    assert (info.video.width, info.video.height, info.video.fps) == (preset.width, preset.height, 30.0)
    assert "bt709" in info.video.description
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", SAMPLE_RATE, "stereo")
    frame = 1 / preset.fps
    assert count_frames(result.path) / preset.fps == pytest.approx(project.timeline.duration, abs=frame)
    assert info.duration == pytest.approx(project.timeline.duration, abs=frame)
    assert len(decode_audio(result.path)) / SAMPLE_RATE == pytest.approx(project.timeline.duration, abs=frame)
    assert progress.seen == sorted(progress.seen) and progress.seen[-1] == 1.0
    assert sorted(p.name for p in result.path.parent.iterdir()) == ["video.mp4"]


def test_each_scene_shows_its_own_image(exported):
    project, result, _ = exported
    for clip in project.timeline.track("image"):
        for t in (clip.start + 0.1, clip.end - 0.1):
            picture = frame_at(result.path, t)
            h, w = picture.shape[:2]
            centre = picture[h // 2 - 8:h // 2 + 8, w // 2 - 8:w // 2 + 8].reshape(-1, 3).mean(axis=0)
            assert colour_near(centre, SCENE_COLOURS[clip.ref]), (clip.ref, t, centre)


def test_a_burned_caption_shows_in_its_box_only_during_its_cue(exported):
    project, result, _ = exported
    cue = project.cues[0]
    rgba, x, y = draw_caption(cue.lines, result.width, result.height)
    box = (slice(y, y + rgba.shape[0]), slice(x, x + rgba.shape[1]))
    scene = np.array(SCENE_COLOURS["s1"], float)

    def off_scene(picture, region):
        return np.abs(picture[region].astype(float) - scene).mean()

    during, after = frame_at(result.path, (cue.start + cue.end) / 2), frame_at(result.path, cue.end + 0.2)
    above = (slice(0, max(2, y - 16)), slice(None))
    assert off_scene(during, box) > 40  # text and its dark box are there
    assert off_scene(after, box) < 6  # and gone once the cue has ended
    assert off_scene(during, above) < 6  # nothing else of the frame changed


def test_the_click_is_heard_where_it_sits_on_the_timeline(exported):
    project, result, _ = exported
    sound = decode_audio(result.path)
    heard = np.argmax(np.abs(sound[:, 0])) / SAMPLE_RATE
    assert heard == pytest.approx(project.click_time, abs=1 / 30)


def test_loudness_is_normalized_for_the_preset(exported):
    _, result, _ = exported
    target = -14.0 if result.preset == "shorts" else -16.0
    assert result.loudness == pytest.approx(target, abs=0.3)
    assert integrated_loudness(decode_audio(result.path), SAMPLE_RATE) == pytest.approx(target, abs=1.0)
    said = subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(result.path), "-map", "0:a",
                           "-af", "ebur128", "-f", "null", "-"], capture_output=True, text=True).stderr
    assert float(re.findall(r"I:\s+(-?[\d.]+) LUFS", said)[-1]) == pytest.approx(target, abs=1.0)


@pytest.mark.parametrize("mode", ["srt", "vtt"])
def test_captions_as_sidecar_files_are_not_burned(project, mode):
    out = project.folder / "exports" / "clip.mp4"
    result = export(project.timeline, project.folder, out, TINY, captions=project.cues, captions_mode=mode)
    sidecar = out.with_suffix(f".{mode}")
    assert result.sidecars == [sidecar]
    text = sidecar.read_text(encoding="utf-8")
    assert "00:00:00" in text and "Every draft is free," in text
    if mode == "vtt":
        assert text.startswith("WEBVTT")
    cue = project.cues[0]
    picture = frame_at(out, (cue.start + cue.end) / 2)
    assert colour_near(picture.reshape(-1, 3).mean(axis=0), SCENE_COLOURS["s1"], tolerance=6)


def test_cancel_stops_the_export_and_leaves_no_file(project):
    out = project.folder / "exports" / "video.mp4"
    progress = Progress(cancel_at=0.3)
    with pytest.raises(Cancelled):
        export(project.timeline, project.folder, out, "landscape", captions=project.cues, state=progress)
    assert 0.3 <= progress.seen[-1] < 0.9
    assert list(out.parent.iterdir()) == []


def test_an_ffmpeg_failure_says_why_in_a_sentence(project):
    out = project.folder / "exports" / "video.mp4"
    broken = Preset("broken", "tests", 320, 240, x264_preset="no-such-preset")
    with pytest.raises(ExportFailed) as caught:
        export(project.timeline, project.folder, out, broken)
    message = str(caught.value)
    assert message.startswith("ffmpeg could not finish the export") and message.endswith(".")
    assert "\n" not in message and "Traceback" not in message
    assert "preset" in caught.value.detail.lower()
    assert list(out.parent.iterdir()) == []


def test_a_missing_image_is_named_before_anything_is_encoded(project):
    (project.folder / "images" / "s2.png").unlink()
    with pytest.raises(MediaError, match=r"scene s2 \(images/s2.png\) is missing"):
        export(project.timeline, project.folder, project.folder / "out.mp4", TINY)
    assert not (project.folder / "out.mp4").exists()


def test_unknown_preset_and_caption_mode_are_refused_in_sentences(project):
    with pytest.raises(ExportFailed, match="shorts, landscape, square"):
        export(project.timeline, project.folder, project.folder / "o.mp4", "cinema")
    with pytest.raises(ExportFailed, match="burn, srt, vtt, none"):
        export(project.timeline, project.folder, project.folder / "o.mp4", TINY, captions_mode="karaoke")


def test_probe_reads_what_ffmpeg_prints():
    said = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mp4':
  Duration: 00:01:02.53, start: 0.000000, bitrate: 1234 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1080x1920 [SAR 1:1 DAR 9:16], 1100 kb/s, 30 fps, 30 tbr, 15360 tbn (default)
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 192 kb/s (default)
"""
    info = parse(said)
    assert info.duration == pytest.approx(62.53)
    assert (info.video.codec, info.video.pix_fmt, info.video.width, info.video.height, info.video.fps) == (
        "h264", "yuv420p", 1080, 1920, 30.0)
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", 48000, "stereo")
