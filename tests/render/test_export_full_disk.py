"""ffmpeg cannot write the export (a full disk): one sentence, no file under the final name, no thread left."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from studio.render import export as export_module
from studio.render.errors import ExportFailed
from studio.render.export import Preset, export

TINY = Preset("tiny", "tests", 320, 240, x264_preset="ultrafast")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux) to fill the disk")
def test_ffmpeg_on_a_full_disk_says_so_and_leaves_nothing(project, monkeypatch):
    out = project.folder / "exports" / "video.mp4"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"the previous export")
    made = []

    def full_partial(path: Path) -> Path:
        # ffmpeg writes through this link into /dev/full, where every write fails with ENOSPC;
        # cleaning up removes the link only.
        link = Path(path).with_name(f".{Path(path).stem}.full.partial{Path(path).suffix}")
        link.symlink_to("/dev/full")
        made.append(link)
        return link

    monkeypatch.setattr(export_module.ffmpeg, "partial_path", full_partial)
    before = set(threading.enumerate())
    with pytest.raises(ExportFailed) as caught:
        export(project.timeline, project.folder, out, TINY)
    message = str(caught.value)
    assert message == f"The disk is full, so the export stopped: free some space in {out.parent} and export again."
    assert out.read_bytes() == b"the previous export"
    assert sorted(p.name for p in out.parent.iterdir()) == ["video.mp4"]
    assert made and not os.path.lexists(made[0])
    assert set(threading.enumerate()) <= before
