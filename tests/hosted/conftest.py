"""Fixtures for hosted-engine tests: fake services, a test key, and a guard against the internet."""

from __future__ import annotations

import json
import threading

import pytest

from studio.engines.hosted.http import Retries, Timeouts

from .fakes import FakeElevenLabs, FakeOpenAI

KEY = "sk-test-Zq8vXw2LmN4pR7tY1uK3"
ELEVEN_KEY = "xi-test-9fH2kLm4Qw8Rt6Yp3Zx1"
FAST = Retries(attempts=3, backoff=0.01, max_wait=2.0, jitter=0.0)


@pytest.fixture(autouse=True)
def _loopback_only(loopback_only):
    """Every hosted test talks to the fake servers on 127.0.0.1 only."""


@pytest.fixture(autouse=True)
def _no_real_keys(monkeypatch):
    for name in ("OPENAI_API_KEY", "STITCH_OPENAI_API_KEY", "ELEVENLABS_API_KEY", "STITCH_ELEVENLABS_API_KEY",
                 "XI_API_KEY", "STITCH_OPENAI_COMPATIBLE_API_KEY", "STITCH_OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def keys(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ELEVENLABS_API_KEY", ELEVEN_KEY)
    return KEY, ELEVEN_KEY


@pytest.fixture
def paid_fakes(tmp_path, monkeypatch):
    """The creator's price file marks the fakes' address as paid, as it would a provider's."""
    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("STITCH_CONFIG_DIR", str(config))
    (config / "prices.json").write_text(json.dumps({"engines": {
        "openai-tts": {"paid_hosts": ["127.0.0.1"]}, "elevenlabs": {"paid_hosts": ["127.0.0.1"]}}}))
    return config


@pytest.fixture
def openai_fake():
    with FakeOpenAI(KEY) as fake:
        yield fake


@pytest.fixture
def eleven_fake():
    with FakeElevenLabs(ELEVEN_KEY) as fake:
        yield fake


class State:
    """A job state the test can cancel, from any thread, at a chosen moment."""

    def __init__(self):
        self.cancelled = threading.Event()
        self.progress: list[tuple[float, str]] = []

    def set_progress(self, fraction, message=""):
        self.progress.append((fraction, message))

    def is_cancelled(self):
        return self.cancelled.is_set()

    def cancel_after(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(seconds, self.cancelled.set)
        timer.daemon = True
        timer.start()
        return timer


def speech_engine(fake, **kw):
    from studio.engines.hosted.openai_compat import OpenAISpeechEngine

    kw.setdefault("key_service", "openai")
    kw.setdefault("retries", FAST)
    kw.setdefault("timeouts", Timeouts(connect=2.0, read=5.0, total=20.0))
    return OpenAISpeechEngine(base_url=f"{fake.url}/v1", **kw)


def eleven_engine(fake, **kw):
    from studio.engines.hosted.elevenlabs import ElevenLabsEngine

    kw.setdefault("key_service", "elevenlabs")
    kw.setdefault("retries", FAST)
    kw.setdefault("timeouts", Timeouts(connect=2.0, read=5.0, total=20.0))
    return ElevenLabsEngine(base_url=fake.url, **kw)
