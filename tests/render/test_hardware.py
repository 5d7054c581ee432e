"""Hardware encoders: found in the bundled ffmpeg, tried once, and x264 taking over with a sentence."""

from __future__ import annotations

import pytest

from studio.render import hardware
from studio.render.export import Preset, export
from studio.render.probe import count_frames, probe

TINY = Preset("tiny", "tests", 320, 240, x264_preset="ultrafast")

LISTING = """Encoders:
 V..... = Video
 ------
 V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
 V....D h264_nvenc           NVIDIA NVENC H.264 encoder (codec h264)
 V..... h264_qsv             H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (Intel Quick Sync Video acceleration) (codec h264)
 A....D aac                  AAC (Advanced Audio Coding)
"""


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(hardware, "_listed", {})
    monkeypatch.setattr(hardware, "_works", {})


def test_the_listing_names_only_hardware_h264_encoders():
    assert hardware.parse_encoders(LISTING) == {"h264_nvenc", "h264_qsv"}


def test_the_bundled_ffmpeg_is_asked_and_each_encoder_tried_once(monkeypatch):
    listed = hardware.listed()
    assert listed <= set(hardware.CANDIDATES)
    tries = []
    real = hardware._test_encode
    monkeypatch.setattr(hardware, "_test_encode", lambda exe, name: tries.append(name) or real(exe, name))
    first = hardware.available()
    assert hardware.available() == first  # the second time from what was kept
    assert sorted(tries) == sorted(listed)


def test_an_encoder_that_does_not_work_here_falls_back_to_x264_with_a_sentence(monkeypatch):
    monkeypatch.setattr(hardware, "works", lambda name, exe=None: False)
    encoder, note = hardware.choose("h264_nvenc")
    assert encoder == "libx264" and note.startswith("NVIDIA NVENC") and "x264 encoded this export instead" in note
    assert hardware.choose("fastest") == ("libx264", "")
    assert hardware.choose("libx264") == ("libx264", "")


def test_an_export_asking_for_a_missing_encoder_is_made_by_x264_and_says_so(project, monkeypatch):
    monkeypatch.setattr(hardware, "works", lambda name, exe=None: False)
    result = export(project.timeline, project.folder, project.folder / "v.mp4", TINY, encoder="h264_nvenc")
    assert result.encoder == "libx264" and len(result.notes) == 1 and "NVIDIA NVENC" in result.notes[0]
    assert count_frames(result.path) == result.frames


@pytest.mark.parametrize("incremental", [True, False])
def test_a_hardware_encoder_failing_in_the_export_hands_over_to_x264(project, monkeypatch, incremental):
    """The test encode said yes, the export's own encode fails (no device here): x264 makes the video."""
    monkeypatch.setattr(hardware, "works", lambda name, exe=None: name == "h264_vaapi")
    monkeypatch.setattr(hardware, "VAAPI_DEVICE", "/nonexistent/renderD128")
    result = export(project.timeline, project.folder, project.folder / "v.mp4", TINY, encoder="fastest",
                    incremental=incremental)
    assert result.encoder == "libx264"
    assert len(result.notes) == 1 and result.notes[0].startswith("VA-API stopped partway")
    assert probe(result.path).video.codec == "h264" and count_frames(result.path) == result.frames
    assert hardware._works[(hardware.ffmpeg.ffmpeg_exe(), "h264_vaapi")] is False  # not tried again
