"""Fixtures shared by every test: isolated settings and model store, no network, no stray threads."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Tests never touch the real settings or model store."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("STITCH_CONFIG_DIR", str(base / "config"))
    if "STITCH_MODELS_DIR" not in os.environ or not os.environ["STITCH_MODELS_DIR"].startswith(str(base.parent)):
        monkeypatch.setenv("STITCH_MODELS_DIR", str(base / "models"))
    yield


@pytest.fixture(autouse=True)
def _no_thread_left_running():
    """Fail any test that leaves a thread of its own running."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    while True:
        extra = [
            t for t in threading.enumerate()
            if t not in before and t.is_alive() and not t.daemon
        ]
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not extra, f"threads left running: {[t.name for t in extra]}"


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class ToneEngine:
    """A fast speech engine for tests of the layers above the engines.

    It keeps the real contract: a real RenderRequest, audio whose length follows
    the text, progress per chunk, cancellation between chunks, and it records
    each call (and the thread it ran on) so tests can count model calls.
    """

    id = "kokoro-onnx"
    task = "tts"
    local = True
    label = "Tone test engine"

    def __init__(self, store=None, seconds_per_char: float = 0.004, chunk_delay: float = 0.0):
        import threading

        self.calls: list[tuple[str, int]] = []
        self.seconds_per_char = seconds_per_char
        self.chunk_delay = chunk_delay
        self._lock = threading.Lock()
        self.fail_with: Exception | None = None

    def model(self):
        from studio.engines.base import ModelRef

        return ModelRef("tone", "rev1")

    def voices(self):
        return ["tone_low", "tone_high"]

    def default_voice(self):
        return "tone_low"

    def g2p_name(self):
        return "none"

    def request(self, text, voice, speed):
        from studio.engines.base import RenderRequest

        return RenderRequest(self.id, "tone", "rev1", voice, float(speed), text, g2p="none")

    def estimate(self, request):
        from studio.engines.base import Cost

        return Cost(0.0, 0.01)

    def synthesize(self, request, state):
        import threading
        import time

        import numpy as np

        from studio.engines.base import Audio, check_cancelled

        with self._lock:
            self.calls.append((request.text, threading.get_ident()))
        if self.fail_with is not None:
            raise self.fail_with
        rate = 24000
        pitch = 220.0 if request.voice == "tone_low" else 440.0
        chunks = max(1, len(request.text) // 40 + 1)
        pieces = []
        for i in range(chunks):
            check_cancelled(state)
            if self.chunk_delay:
                time.sleep(self.chunk_delay)
            n = int(rate * self.seconds_per_char * len(request.text) / chunks / request.speed) + 1
            t = np.arange(n) / rate
            pieces.append((0.3 * np.sin(2 * np.pi * pitch * t)).astype(np.float32))
            state.set_progress((i + 1) / chunks, f"Rendering piece {i + 1} of {chunks}")
        return Audio(np.concatenate(pieces), rate, {"g2p": "none"})

    def unload(self):
        pass


@pytest.fixture
def tone_engine():
    return ToneEngine()


@pytest.fixture
def tone_registry(tone_engine):
    """A real EngineRegistry whose draft engine is the fast tone engine."""
    from studio.engines.registry import EngineRegistry

    registry = EngineRegistry()
    registry.register("kokoro-onnx", lambda store=None: tone_engine)
    return registry


@pytest.fixture
def demo_project(tmp_path) -> Path:
    """A fresh copy of the bundled demo project."""
    import shutil

    target = tmp_path / "demo"
    shutil.copytree(ROOT / "resources" / "demo", target)
    return target
