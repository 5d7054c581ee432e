"""Fixtures for the planning tests: a project with a hard word, fake planning servers, engines."""

from __future__ import annotations

import json

import pytest

from studio.engines.hosted.http import Retries, Timeouts

from .fakes import FakeAnthropic, FakeChat

KEY = "sk-test-Zq8vXw2LmN4pR7tY1uK3"
ANT_KEY = "sk-ant-test-8fH2kLm4Qw8Rt6Yp3Zx1"
FAST = Retries(attempts=3, backoff=0.01, max_wait=2.0, jitter=0.0)
SCRIPT = ("# Opening\n\nKokoro speaks every line on your own machine.\n\nDrafts are free.\n\n"
          "# Middle\n\nA premium voice costs money per character.\n\nSo Kokoro drafts first.\n\n"
          "# End\n\nThanks for watching.\n")


@pytest.fixture(autouse=True)
def _loopback(loopback_only, monkeypatch):
    for name in ("OPENAI_API_KEY", "STITCH_OPENAI_API_KEY", "ANTHROPIC_API_KEY", "STITCH_ANTHROPIC_API_KEY",
                 "STITCH_OPENAI_COMPATIBLE_API_KEY", "STITCH_OPENAI_BASE_URL", "STITCH_ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def opened_project(folder, script: str):
    """A project made from `script` in a new `folder`, open until the test ends."""
    from studio.project.project import Project

    folder.mkdir()
    (folder / "script.md").write_text(script, encoding="utf-8")
    opened = Project.open(folder)
    yield opened
    opened.close()


@pytest.fixture
def project(tmp_path, sine_engine):
    sine_engine.accepts_pronunciation = True  # as the Kokoro engines do: the dictionary is in the request
    yield from opened_project(tmp_path / "Planned", SCRIPT)


@pytest.fixture
def paid(tmp_path, monkeypatch):
    """The creator's price file bills the fakes' address, as it would a provider's."""
    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("STITCH_CONFIG_DIR", str(config))
    (config / "prices.json").write_text(json.dumps({"engines": {
        "openai-chat": {"paid_hosts": ["127.0.0.1"]}, "anthropic": {"paid_hosts": ["127.0.0.1"]}}}))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANT_KEY)
    return config


@pytest.fixture
def chat():
    with FakeChat() as fake:
        yield fake


@pytest.fixture
def claude():
    with FakeAnthropic(ANT_KEY) as fake:
        yield fake


def chat_engine(fake, **kw):
    from studio.engines.hosted.openai_chat import OpenAIChatPlanner

    kw.setdefault("retries", FAST)
    kw.setdefault("timeouts", Timeouts(connect=2.0, read=5.0, total=20.0))
    kw.setdefault("model", "gpt-4.1-mini")
    kw.setdefault("key_service", "openai")
    return OpenAIChatPlanner(base_url=f"{fake.url}/v1", **kw)


def claude_engine(fake, **kw):
    from studio.engines.hosted.anthropic import AnthropicPlanner

    kw.setdefault("retries", FAST)
    kw.setdefault("timeouts", Timeouts(connect=2.0, read=5.0, total=20.0))
    kw.setdefault("api_key", ANT_KEY)
    return AnthropicPlanner(base_url=f"{fake.url}/v1", **kw)


@pytest.fixture
def registry(sine_registry):
    return sine_registry
