"""Start-up: no heavy library at start, a quick window, screenshots of what the creator sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from studio.errors import EngineError
from ui_helpers import badge

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "onnxruntime", "kokoro", "misaki", "spacy", "faster_whisper")

START = """
import json, sys, time
started = time.perf_counter()
from studio.ui.shell.app import run
code = run(sys.argv[1] or None, demo=not sys.argv[1], screenshot=sys.argv[2])
print(json.dumps({
    "code": code,
    "seconds": time.perf_counter() - started,
    "heavy": [m for m in %r if m in sys.modules],
}))
""" % (HEAVY,)


def start_studio(folder: str, shot: Path, data: Path) -> dict:
    """`run()` in a fresh interpreter, as `studio PATH` starts it (Qt allows one exec per test run)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", STITCH_DATA_DIR=str(data))
    done = subprocess.run(
        [sys.executable, "-c", START, folder, str(shot)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_showing_the_window_imports_no_model_library_and_is_quick(demo_copy, tmp_path):
    shot = tmp_path / "start.png"
    report = start_studio(str(demo_copy), shot, tmp_path / "data")
    assert report["code"] == 0
    assert report["heavy"] == []
    assert report["seconds"] < 4.0  # about 0.5 s here; generous for a busy CI machine
    image = QImage(str(shot))
    assert image.width() >= 800 and image.height() >= 500


def test_run_opens_the_demo_and_saves_a_screenshot(tmp_path):
    shot = tmp_path / "demo.png"
    report = start_studio("", shot, tmp_path / "data")
    assert report["code"] == 0
    assert QImage(str(shot)).width() >= 800
    assert (tmp_path / "data" / "Demo project" / "script.md").is_file()


def test_screenshot_of_the_main_window(studio, engine, qtbot, artifacts_dir):
    ids = studio.editor.line_ids()
    for voice in ("bm_sine", None):  # two takes for the first line; the newest is chosen
        studio.project.set_line_voice(ids[0], voice)
        studio.voice.preview(ids[0])
        qtbot.waitUntil(lambda: not studio.jobs.busy, timeout=3000)
    studio.voice.preview(ids[1])
    qtbot.waitUntil(lambda: badge(studio, ids[1]) == "draft", timeout=3000)
    studio.project.set_line_speed(ids[1], 1.15)  # its take no longer matches: stale
    engine.fail_with = EngineError("The voice engine could not read this line's words.")
    studio.voice.preview(ids[3])
    qtbot.waitUntil(lambda: badge(studio, ids[3]) == "failed", timeout=3000)
    engine.fail_with = None
    engine.gate.clear()
    studio.voice.preview(ids[2])
    qtbot.waitUntil(lambda: badge(studio, ids[2]) == "rendering", timeout=3000)
    studio.editor.select_line(ids[0])
    assert [badge(studio, line) for line in ids] == ["draft", "stale", "rendering", "failed", "none"]

    target = artifacts_dir / "main-window.png"
    assert studio.grab().save(str(target))
    assert QImage(str(target)).width() == studio.width()
    engine.gate.set()
