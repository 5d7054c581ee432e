"""Shared pieces of the reliability suites: decoys outside the project, the figures each
suite writes to artifacts/reliability/<suite>.json, and the long-run switch.

The normal test run takes a fast subset; `STITCH_RELIABILITY_LONG=1` runs the long one
(>= 100 kill points, the full hostile set)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from studio.engines.base import NullState

ROOT = Path(__file__).resolve().parents[2]
LONG = os.environ.get("STITCH_RELIABILITY_LONG", "") not in ("", "0")


def write_figures(suite: str, cases: int, faults: int, survived: int, lost: int) -> Path:
    """The suite's figures for the reliability report (docs/RELIABILITY.md is made from these)."""
    folder = ROOT / "artifacts" / "reliability"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{suite}.json"
    path.write_text(json.dumps({"suite": suite, "cases": cases, "faults_injected": faults, "survived": survived,
                                "lost": lost, "long": LONG}, indent=1) + "\n")
    return path


def tree_hashes(folder: Path) -> dict[str, str]:
    """Every entry under `folder` (links not followed) and a hash of what it holds."""
    found = {}
    for path in sorted(Path(folder).rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[relative] = "link:" + os.readlink(path)
        elif path.is_file():
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[relative] = "folder"
    return found


def make_decoy(folder: Path) -> Path:
    """A folder outside the project full of files named like the studio's own, so any clean,
    trash or preview sweep that followed a link or a path out would find (and delete) them."""
    import numpy as np

    from studio.jobs.pipeline import encode_wav
    from studio.engines.base import Audio

    folder.mkdir(parents=True, exist_ok=True)
    wav = encode_wav(Audio(np.full(2400, 0.25, np.float32), 24000, {}))
    for name in ("victim.wav", "victim2.wav", "x.wav", "0123456789abcdef0123.wav", "line-1.wav"):
        (folder / name).write_bytes(wav)
    for name in ("takes.json", "lines.json", "trash.json", "a1b2c3d4e5f6.json", "deadbeefdeadbeefdead.json"):
        (folder / name).write_text('{"takes": []}\n')
    (folder / ".victim.wav.abcd1234.tmp").write_bytes(b"half")
    (folder / ".film.0123abcd.partial.mp4").write_bytes(b"half")
    (folder / "picture.png").write_bytes(_png())
    (folder / "notes.txt").write_text("the creator's other work\n")
    return folder


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 18), (200, 40, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def rendered(demo_project, sine_registry):
    """The demo project with every line rendered by the sine engine (closed again)."""
    from studio.jobs.pipeline import Voicing
    from studio.project.project import Project

    project = Project.open(demo_project)
    voicing = Voicing(project, sine_registry)
    for line_id in voicing.lines_to_render():
        voicing.commit(voicing.render_line(line_id, NullState()))
    project.save()
    project.close()
    return demo_project


class OutsideWatch:
    """Every file operation Python makes (audit events), and every sound file read, on paths
    under the watched folders: what a test asserts never happened."""

    EVENTS = ("open", "os.remove", "os.rename", "os.rmdir", "os.listdir", "os.scandir", "os.truncate",
              "shutil.rmtree", "shutil.move", "shutil.copyfile", "os.symlink", "os.link", "os.chmod")

    def __init__(self, *folders: Path):
        self.folders = [os.path.realpath(f) for f in folders] + [os.path.abspath(f) for f in folders]
        self.touched: list[tuple[str, str]] = []
        self.active = False

    def _under(self, value) -> bool:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if not isinstance(value, str):
            return False
        text = os.path.abspath(value)
        return any(text == f or text.startswith(f + os.sep) for f in self.folders)

    def hook(self, event, args):
        if not self.active:
            return
        if event in self.EVENTS:
            for value in args[:2]:
                if isinstance(value, (str, bytes, os.PathLike)) and self._under(os.fspath(value)):
                    self.touched.append((event, os.fspath(value)))
        elif event == "subprocess.Popen":
            for value in (args[1] or ()):
                if isinstance(value, (str, bytes)) and self._under(value):
                    self.touched.append((event, value))


_WATCH: list[OutsideWatch] = []


def _dispatch(event, args):
    for watch in _WATCH:
        watch.hook(event, args)


@pytest.fixture
def outside_watch(monkeypatch):
    """watch(folder, ...) -> OutsideWatch, active until the test ends."""
    import sys

    import soundfile

    if not getattr(sys, "_stitch_reliability_hook", False):
        sys.addaudithook(_dispatch)  # hooks cannot be removed; one dispatcher for every test
        sys._stitch_reliability_hook = True
    made = []

    def watch(*folders):
        w = OutsideWatch(*folders)
        w.active = True
        made.append(w)
        _WATCH.append(w)
        real_read, real_info = soundfile.read, soundfile.info

        def read(file, *a, **k):
            if isinstance(file, (str, os.PathLike)) and w._under(os.fspath(file)):
                w.touched.append(("soundfile.read", os.fspath(file)))
            return real_read(file, *a, **k)

        monkeypatch.setattr(soundfile, "read", read)
        return w

    yield watch
    for w in made:
        w.active = False
        _WATCH.remove(w)
