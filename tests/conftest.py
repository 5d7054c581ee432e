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
