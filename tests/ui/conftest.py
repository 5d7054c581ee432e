"""Fixtures for the Qt tests: a copy of the demo project, the window, the sine engine.

The sine engine (tests/conftest.py) stands in for Kokoro so these tests need no
weights, but it goes through the real pipeline.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from studio.settings import Settings
from studio.ui.shell import dialogs, theme


DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.fixture
def demo_copy(tmp_path) -> Path:
    folder = tmp_path / "My Video"
    shutil.copytree(DEMO, folder)
    return folder


@pytest.fixture
def engine(sine_engine):
    return sine_engine


@pytest.fixture
def registry(sine_registry):
    return sine_registry


@pytest.fixture
def settings() -> Settings:
    # No self-check unless a test asks: the real Whisper weights are installed here.
    return Settings(preview_delay_ms=30, autosave_seconds=3600, check_takes=False)


@pytest.fixture
def window(qapp, qtbot, settings, registry, monkeypatch):
    from studio.ui.shell.main_window import MainWindow

    theme.apply(qapp)
    win = MainWindow(settings, registry)
    win.show()
    qtbot.waitExposed(win)
    yield win
    # Closing must never wait on a question at the end of a test.
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda *args: "discard")
    win.close()
    win.deleteLater()


@pytest.fixture
def studio(window, demo_copy, qtbot):
    """The window with the demo copy open and the (sine) engine warm."""
    assert window.open_folder(demo_copy)
    qtbot.waitUntil(lambda: window.voice.ready, timeout=5000)
    return window


@pytest.fixture
def server():
    """The fake OpenAI-compatible server (tests/hosted/fakes.py) on 127.0.0.1."""
    from hosted.fakes import FakeOpenAI
    from ui_helpers import FINAL_KEY

    with FakeOpenAI(FINAL_KEY) as fake:
        yield fake


@pytest.fixture
def timeline_studio(window, demo_copy, registry, qtbot):
    """The window on a demo copy whose lines were all rendered (sine engine) before opening."""
    from studio.cli.command import render_project

    with open(os.devnull, "w") as quiet:
        assert render_project(demo_copy, registry=registry, out=quiet) == 0
    assert window.open_folder(demo_copy)
    qtbot.waitUntil(lambda: window.voice.ready, timeout=5000)
    qtbot.waitUntil(lambda: window.timeline.timeline is not None, timeout=3000)
    return window
