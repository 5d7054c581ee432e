"""The export's sound is mixed while the video encodes, and still lands where the timeline puts it."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from studio.errors import Cancelled
from studio.render import export as export_module
from studio.render.audio import SAMPLE_RATE
from studio.render.errors import MediaError
from studio.render.export import export
from studio.render.probe import decode_audio

from .test_export import TINY, Progress


def frames_written(progress: Progress, timeout: float = 20.0) -> bool:
    """Wait until the writer has handed ffmpeg its first frames (it reports every 15th)."""
    for _ in range(int(timeout / 0.05)):
        if any(f > 0.01 for f in progress.seen):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not export_module._SECOND_PIPE, reason="the sound goes through a second pipe on POSIX only")
def test_the_sound_is_mixed_while_the_first_frames_encode(project, monkeypatch):
    progress = Progress()
    real_mix = export_module.mix
    overlapped = []

    def slow_mix(*args, **kwargs):
        overlapped.append(frames_written(progress))
        return real_mix(*args, **kwargs)

    monkeypatch.setattr(export_module, "mix", slow_mix)
    out = project.folder / "exports" / "video.mp4"
    result = export(project.timeline, project.folder, out, TINY, captions=project.cues, state=progress)
    assert overlapped == [True]
    sound = decode_audio(out)
    assert len(sound) / SAMPLE_RATE == pytest.approx(project.timeline.duration, abs=1 / 30)
    assert np.argmax(np.abs(sound[:, 0])) / SAMPLE_RATE == pytest.approx(project.click_time, abs=0.005)
    assert result.loudness == pytest.approx(-16.0, abs=0.3)


def test_the_sound_as_a_file_where_no_second_pipe_can_be_had(project, monkeypatch):
    monkeypatch.setattr(export_module, "_SECOND_PIPE", False)
    out = project.folder / "exports" / "video.mp4"
    result = export(project.timeline, project.folder, out, TINY, captions=project.cues)
    sound = decode_audio(out)
    assert np.argmax(np.abs(sound[:, 0])) / SAMPLE_RATE == pytest.approx(project.click_time, abs=0.005)
    assert result.loudness == pytest.approx(-16.0, abs=0.3)
    assert [p.name for p in out.parent.iterdir()] == ["video.mp4"]


def test_a_take_gone_missing_stops_the_export_with_its_sentence(project):
    (project.folder / "renders" / "l3.wav").unlink()
    out = project.folder / "exports" / "video.mp4"
    with pytest.raises(MediaError, match=r"l3\.wav is missing"):
        export(project.timeline, project.folder, out, TINY)
    assert list(out.parent.iterdir()) == []


def test_a_cancel_while_the_sound_is_mixed_leaves_no_file(project, monkeypatch):
    progress = Progress(cancel_at=0.0)
    real_mix = export_module.mix

    def mix_then_check(*args, state=None, **kwargs):
        frames_written(progress, timeout=2.0)
        return real_mix(*args, state=state, **kwargs)

    monkeypatch.setattr(export_module, "mix", mix_then_check)
    out = project.folder / "exports" / "video.mp4"
    with pytest.raises(Cancelled):
        export(project.timeline, project.folder, out, TINY, state=progress)
    assert list(out.parent.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name.startswith("stitch-export")]


def test_a_full_disk_while_the_sound_file_is_written_is_one_sentence(project, monkeypatch):
    import errno

    def full(self, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(export_module, "_SECOND_PIPE", False)
    monkeypatch.setattr(export_module._Sound, "write_wav", full)
    out = project.folder / "exports" / "video.mp4"
    with pytest.raises(export_module.ExportFailed, match=r"^Could not save video\.mp4: No space left on device\.$"):
        export(project.timeline, project.folder, out, TINY)
    assert list(out.parent.iterdir()) == []
