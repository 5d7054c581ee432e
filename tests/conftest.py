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
def loopback_only(monkeypatch):
    """A test that tries to reach anything but this machine fails loudly; proxies are off."""
    import socket

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    real = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"a test tried to reach {address}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class SineEngine:
    """A fast speech engine standing in for Kokoro in tests of the layers above the engines.

    It keeps the real contract: a real RenderRequest, audio whose length follows the
    text, progress per piece and cancellation between pieces. It records each call
    (`texts`, `threads`) so tests can count model calls and see where they ran;
    clearing `gate` holds renders (cancellably) before each piece.
    """

    id = "kokoro-onnx"
    task = "tts"
    local = True
    label = "Sine test engine"
    sample_rate = 24000

    def __init__(self):
        import threading

        self.threads: list = []
        self.texts: list[str] = []
        self.cancelled: list[str] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail_with: Exception | None = None

    def model(self):
        from studio.engines.base import ModelRef

        return ModelRef("sine-test", "1")

    def voices(self) -> list[str]:
        return ["af_sine", "bm_sine"]

    def default_voice(self) -> str:
        return "af_sine"

    def g2p_name(self) -> str:
        return "letters"

    def request(self, text: str, voice: str, speed: float):
        from studio.engines.base import RenderRequest

        return RenderRequest(
            engine=self.id, model="sine-test", model_revision="1", voice=voice,
            speed=float(speed), text=text, g2p=self.g2p_name(),
        )

    def estimate(self, request):
        from studio.engines.base import Cost

        return Cost(0.0, len(request.text) * 0.001)

    def synthesize(self, request, state):
        import threading

        import numpy as np

        from studio.engines.base import Audio, check_cancelled

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
            partial = getattr(state, "partial", None)  # streaming preview: each piece as it is ready
            if callable(partial):
                partial(audio[-1].astype(np.float32), self.sample_rate)
        state.set_progress(1.0, "Rendered")
        return Audio(np.concatenate(audio).astype(np.float32), self.sample_rate, {"g2p": "letters"})

    def load(self, state) -> None:
        pass

    def unload(self) -> None:
        pass


@pytest.fixture
def sine_engine() -> SineEngine:
    return SineEngine()


@pytest.fixture
def sine_registry(sine_engine):
    """A real EngineRegistry whose draft engine is the fast sine engine."""
    from studio.engines.registry import EngineRegistry

    registry = EngineRegistry()
    registry.register("kokoro-onnx", lambda store=None: sine_engine)
    return registry


@pytest.fixture
def voiced_project(tmp_path, sine_registry):
    """`voiced_project(name, script)`: a project folder holding `script`, opened, with every
    line rendered by the sine engine (the caller closes it)."""
    from studio.engines.base import NullState
    from studio.jobs.pipeline import Voicing
    from studio.project.project import Project

    def make(name: str, script: str):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "script.md").write_text(script, encoding="utf-8")
        project = Project.open(folder)
        voicing = Voicing(project, sine_registry)
        for line_id in voicing.lines_to_render():
            voicing.commit(voicing.render_line(line_id, NullState()))
        return project

    return make


@pytest.fixture
def demo_project(tmp_path) -> Path:
    """A fresh copy of the bundled demo project."""
    import shutil

    target = tmp_path / "demo"
    shutil.copytree(ROOT / "resources" / "demo", target)
    return target
