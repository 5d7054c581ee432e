"""The shared HTTP policy: backoff, Retry-After, and engines the registry can make."""

from __future__ import annotations

import email.utils
import time

import pytest

from studio.engines.hosted import http
from studio.engines.hosted.http import Retries


def test_backoff_doubles_within_its_jitter_and_a_retry_after_wins():
    retries = Retries(attempts=5, backoff=0.5, max_wait=3.0, jitter=0.25)
    for attempt, base in ((2, 0.5), (3, 1.0), (4, 2.0)):
        waits = [retries.wait_before(attempt, None) for _ in range(200)]
        assert base * 0.75 <= min(waits) and max(waits) <= base * 1.25
        assert max(waits) - min(waits) > 0.1 * base  # jittered, not in step
    assert max(retries.wait_before(5, None) for _ in range(200)) == 3.0  # 4 s ± 25%, capped
    assert retries.wait_before(2, 1.5) == 1.5


def test_retry_after_is_read_as_milliseconds_seconds_or_a_date():
    assert http._retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert http._retry_after({"retry-after": "7"}) == 7.0
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    assert 18.0 <= http._retry_after({"retry-after": when}) <= 20.5
    assert http._retry_after({"retry-after": "soon"}) is None and http._retry_after({}) is None


def test_a_cancel_during_a_backoff_wait_stops_it(openai_fake, keys):
    from .conftest import State, speech_engine
    from .fakes import Fault
    from studio.errors import Cancelled

    openai_fake.script(Fault(status=503, headers={"Retry-After": "20"}))
    engine = speech_engine(openai_fake, retries=Retries(attempts=3, max_wait=30.0))
    state = State()
    state.cancel_after(0.2)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        engine.synthesize(engine.request("Hello.", "alloy", 1.0), state)
    assert time.monotonic() - started < 3.0  # the server would hold it 10-20 s and len(openai_fake.hits) == 1


@pytest.mark.parametrize("engine_id, path", [
    ("openai-tts", "studio.engines.hosted.openai_compat:OpenAISpeechEngine"),
    ("elevenlabs", "studio.engines.hosted.elevenlabs:ElevenLabsEngine"),
    ("openai-image", "studio.engines.hosted.openai_compat:OpenAIImageEngine"),
    ("openai-stt", "studio.engines.hosted.openai_compat:OpenAITranscriptionEngine"),
])
def test_the_registry_can_make_each_engine_from_its_entry_point_target(engine_id, path):
    import importlib

    from studio.engines.registry import EngineRegistry

    module, name = path.split(":")
    factory = getattr(importlib.import_module(module), name)
    registry = EngineRegistry()
    registry.register(engine_id, factory)
    engine = registry.get(engine_id)
    assert engine.id == engine_id and engine.local is False and engine.paid is True  # the provider's own host
    assert registry.label(engine_id) == factory.label and engine_id in registry.ids(factory.task)
