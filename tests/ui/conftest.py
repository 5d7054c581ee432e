"""Fixtures for the Qt tests: a copy of the demo project, a fast sine engine, the window.

The sine engine stands in for Kokoro so these tests need no weights, but it goes
through the real pipeline: a real RenderRequest, progress, cancel between pieces,
and audio whose length follows the text.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from studio.engines.base import Audio, Cost, ModelRef, RenderRequest, check_cancelled
from studio.engines.registry import EngineRegistry
from studio.settings import Settings
from studio.ui import dialogs, theme

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


class SineEngine:
    """A fast speech engine: a tone per word group, 20 ms of audio per character."""

    id = "kokoro-onnx"
    task = "tts"
    local = True
    label = "Sine test engine"
    sample_rate = 8000

    def __init__(self):
        self.threads: list[threading.Thread] = []  # where each synthesize ran
        self.texts: list[str] = []
        self.cancelled: list[str] = []
        self.gate = threading.Event()  # cleared: renders wait (cancellably) before each piece
        self.gate.set()
        self.fail_with: Exception | None = None

    def model(self) -> ModelRef:
        return ModelRef("sine-test", "1")

    def voices(self) -> list[str]:
        return ["af_sine", "bm_sine"]

    def default_voice(self) -> str:
        return "af_sine"

    def g2p_name(self) -> str:
        return "letters"

    def request(self, text: str, voice: str, speed: float) -> RenderRequest:
        return RenderRequest(
            engine=self.id, model="sine-test", model_revision="1", voice=voice,
            speed=float(speed), text=text, g2p=self.g2p_name(),
        )

    def estimate(self, request: RenderRequest) -> Cost:
        return Cost(0.0, len(request.text) * 0.001)

    def synthesize(self, request: RenderRequest, state) -> Audio:
        self.threads.append(threading.current_thread())
        self.texts.append(request.text)
        if self.fail_with is not None:
            raise self.fail_with
        words = request.text.split()
        pieces = [" ".join(words[i : i + 4]) for i in range(0, len(words), 4)] or [request.text]
        tone = 220.0 if request.voice.startswith("a") else 160.0
        audio = []
        for n, piece in enumerate(pieces):
            state.set_progress(n / len(pieces), f"Rendering piece {n + 1} of {len(pieces)}")
            while not self.gate.wait(0.005):
                if state.is_cancelled():
                    break
            if state.is_cancelled():
                self.cancelled.append(request.text)
            check_cancelled(state)
            count = int((len(piece) + 1) * 0.02 / request.speed * self.sample_rate)
            t = np.arange(count) / self.sample_rate
            audio.append(0.3 * np.sin(2 * np.pi * tone * t))
        state.set_progress(1.0, "Rendered")
        return Audio(np.concatenate(audio).astype(np.float32), self.sample_rate, {"g2p": "letters"})

    def unload(self) -> None:
        pass


@pytest.fixture
def demo_copy(tmp_path) -> Path:
    folder = tmp_path / "My Video"
    shutil.copytree(DEMO, folder)
    return folder


@pytest.fixture
def engine() -> SineEngine:
    return SineEngine()


@pytest.fixture
def registry(engine) -> EngineRegistry:
    registry = EngineRegistry()
    registry.register("kokoro-onnx", lambda: engine)
    return registry


@pytest.fixture
def settings() -> Settings:
    return Settings(preview_delay_ms=30, autosave_seconds=3600)


@pytest.fixture
def window(qapp, qtbot, settings, registry, monkeypatch):
    from studio.ui.main_window import MainWindow

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
