"""The OpenAI-compatible speech engine against a fake server: the audio, and every fault."""

from __future__ import annotations

import socket
import time

import numpy as np
import pytest

from studio.engines.base import NullState, SpeechEngine
from studio.engines.hosted.http import (
    HostedError,
    KeyRefused,
    MalformedReply,
    OutOfCredit,
    Retries,
    TimedOut,
    Timeouts,
    Unreachable,
)
from studio.engines.secrets import MissingKey
from studio.errors import Cancelled

from .conftest import FAST, KEY, State, speech_engine
from .fakes import Fault, FakeOpenAI

TEXT = "Every draft you render here is free."


def test_a_wav_take_comes_back_through_the_real_client(openai_fake, keys):
    engine = speech_engine(openai_fake, voice="nova")
    assert isinstance(engine, SpeechEngine)
    request = engine.request(TEXT, "nova", 1.25)

    audio = engine.synthesize(request, State())

    expected = FakeOpenAI.speech_for(TEXT)
    assert audio.sample_rate == 24000 and len(audio.samples) == len(expected)
    assert np.max(np.abs(audio.samples - expected)) < 2 / 32768
    hit = openai_fake.hits[-1]
    assert hit.path == "/v1/audio/speech" and hit.headers["authorization"] == f"Bearer {KEY}"
    assert hit.json() == {"model": "tts-1", "input": TEXT, "voice": "nova", "response_format": "wav", "speed": 1.25}
    assert audio.info["attempts"] == 1 and audio.info["usage"] == {"characters": len(TEXT)}


def test_an_mp3_from_a_server_that_ignores_the_format_is_decoded(keys):
    with FakeOpenAI(KEY, speech_format="mp3") as fake:
        audio = speech_engine(fake).synthesize(speech_engine(fake).request(TEXT, "alloy", 1.0), NullState())
    expected = FakeOpenAI.speech_for(TEXT)
    assert audio.sample_rate == 24000 and audio.info["format"] == "mp3"
    assert abs(audio.duration - len(expected) / 24000) < 0.1  # mp3 frames pad the ends
    spectrum = np.abs(np.fft.rfft(audio.samples))
    assert abs(np.argmax(spectrum) * 24000 / len(audio.samples) - 330.0) < 5.0  # the same tone


def test_a_refused_key_says_so_names_the_service_and_never_shows_the_key(openai_fake, monkeypatch):
    wrong = "sk-wrong-AbCdEfGh12345678"
    monkeypatch.setenv("OPENAI_API_KEY", wrong)
    engine = speech_engine(openai_fake)
    with pytest.raises(KeyRefused) as caught:
        engine.synthesize(engine.request(TEXT, "alloy", 1.0), NullState())
    message = str(caught.value)
    assert "refused the API key" in message and message.startswith("The speech server at 127.0.0.1")
    assert "OPENAI_API_KEY" in message  # where to fix it
    assert wrong not in message and wrong not in caught.value.detail and wrong not in repr(caught.value)
    assert "Incorrect API key provided: [redacted]" in message  # the server echoed it; redacted
    assert len(openai_fake.hits) == 1  # a refused key is not retried


def test_429_then_success_retries_once_and_honours_retry_after(openai_fake, keys):
    openai_fake.script(Fault(status=429, headers={"retry-after-ms": "300", "Retry-After": "3"}))
    engine = speech_engine(openai_fake)
    started = time.monotonic()
    audio = engine.synthesize(engine.request(TEXT, "alloy", 1.0), State())
    waited = time.monotonic() - started
    assert len(openai_fake.hits) == 2 and audio.info["attempts"] == 2
    assert 0.3 <= waited < 2.0  # retry-after-ms wins over the whole-second Retry-After


def test_a_retry_after_longer_than_allowed_gives_up_at_once(openai_fake, keys):
    openai_fake.script(Fault(status=429, headers={"Retry-After": "3600"}))
    engine = speech_engine(openai_fake)
    with pytest.raises(HostedError, match="asks the studio to wait 3600 s"):
        engine.synthesize(engine.request(TEXT, "alloy", 1.0), NullState())
    assert len(openai_fake.hits) == 1


def test_a_quota_error_is_not_retried_and_says_to_add_credit(openai_fake, keys):
    body = b'{"error": {"message": "You exceeded your current quota.", "code": "insufficient_quota"}}'
    openai_fake.script(Fault(status=429, body=body))
    engine = speech_engine(openai_fake)
    with pytest.raises(OutOfCredit, match="out of credit or over its quota"):
        engine.synthesize(engine.request(TEXT, "alloy", 1.0), NullState())
    assert len(openai_fake.hits) == 1


def test_500_every_time_gives_up_after_the_allowed_tries(openai_fake, keys):
    openai_fake.script(*[Fault(status=500)] * 5)
    engine = speech_engine(openai_fake, retries=Retries(attempts=3, backoff=0.02, jitter=0.0))
    with pytest.raises(HostedError) as caught:
        engine.synthesize(engine.request(TEXT, "alloy", 1.0), NullState())
    assert len(openai_fake.hits) == 3
    assert "server error (HTTP 500) on 3 tries in a row" in str(caught.value)


def test_a_reply_slower_than_the_timeout_gives_a_sentence_and_is_not_retried(openai_fake, keys):
    openai_fake.script(Fault(delay=5.0))
    engine = speech_engine(openai_fake, timeouts=Timeouts(connect=2.0, read=0.3))
    started = time.monotonic()
    with pytest.raises(TimedOut, match=r"did not answer within 0.3 s"):
        engine.synthesize(engine.request(TEXT, "alloy", 1.0), NullState())
    assert time.monotonic() - started < 2.0 and len(openai_fake.hits) == 1


def test_nothing_listening_says_it_could_not_reach_the_server(keys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused
        from studio.engines.hosted.openai_compat import OpenAISpeechEngine

        engine = OpenAISpeechEngine(base_url=f"http://127.0.0.1:{port}/v1", key_service="openai", retries=FAST)
        with pytest.raises(Unreachable) as caught:
            engine.synthesize(engine.request(TEXT, "alloy", 1.0), NullState())
    assert str(caught.value).startswith(f"Could not reach the speech server at 127.0.0.1:{port}")


@pytest.mark.parametrize(
    "fault",
    [
        Fault(body=b"<html><body>502 Bad Gateway</body></html>", content_type="text/html"),
        Fault(body=b'{"detail": "model loading"}', content_type="application/json"),
        Fault(body=b"RIFF\x10\x00\x00\x00WAVEjunk", content_type="audio/wav"),
    ],
    ids=["html", "json", "broken-wav"],
)
def test_a_malformed_body_gives_a_sentence(openai_fake, keys, fault):
    openai_fake.script(fault)
    engine = speech_engine(openai_fake)
    with pytest.raises(MalformedReply, match="sent back a reply the studio could not read"):
        engine.synthesize(engine.request(TEXT, "alloy", 1.0), NullState())


def test_cancel_while_the_server_thinks_stops_at_once(openai_fake, keys):
    openai_fake.script(Fault(delay=10.0))
    engine = speech_engine(openai_fake, timeouts=Timeouts(connect=2.0, read=30.0))
    state = State()
    state.cancel_after(0.2)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        engine.synthesize(engine.request(TEXT, "alloy", 1.0), state)
    assert time.monotonic() - started < 3.0  # the server would hold it 10-20 s
    assert len(openai_fake.hits) == 1
    # The cut connection is not reused: the next render works.
    assert engine.synthesize(engine.request(TEXT, "alloy", 1.0), State()).sample_rate == 24000


def test_cancel_while_the_body_trickles_stops_at_once(openai_fake, keys):
    openai_fake.script(Fault(stall=10.0))
    engine = speech_engine(openai_fake)
    state = State()
    state.cancel_after(0.2)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        engine.synthesize(engine.request(TEXT, "alloy", 1.0), state)
    assert time.monotonic() - started < 3.0  # the server would hold it 10-20 s


def test_a_body_cut_short_says_the_connection_broke(openai_fake, keys):
    openai_fake.script(Fault(cut=True))
    engine = speech_engine(openai_fake)
    with pytest.raises(HostedError, match="broke before the whole reply arrived"):
        engine.synthesize(engine.request(TEXT, "alloy", 1.0), NullState())


def test_a_paid_address_without_a_key_fails_before_any_request(openai_fake):
    engine = speech_engine(openai_fake, paid=True)
    with pytest.raises(MissingKey, match="no API key for OpenAI.*OPENAI_API_KEY"):
        engine.synthesize(engine.request(TEXT, "alloy", 1.0), NullState())
    assert openai_fake.hits == []


def test_the_openai_key_is_never_sent_to_another_host(openai_fake, keys):
    from studio.engines.hosted.openai_compat import OpenAISpeechEngine

    engine = OpenAISpeechEngine(base_url=f"{openai_fake.url}/v1", voice="af_bella", retries=FAST)
    openai_fake.key = None  # a self-hosted server that asks for no key
    assert engine.voices() == ["af_bella"] and not engine.paid  # 127.0.0.1: free
    engine.synthesize(engine.request(TEXT, "af_bella", 1.0), NullState())
    assert "authorization" not in openai_fake.hits[-1].headers
    assert engine.estimate(engine.request(TEXT, "af_bella", 1.0)).money == 0.0


def test_a_wrong_address_gives_a_sentence(keys):
    from studio.engines.hosted.openai_compat import OpenAISpeechEngine

    engine = OpenAISpeechEngine(base_url="ftp://127.0.0.1/v1", key_service="openai", retries=FAST)
    with pytest.raises(HostedError, match="is not a web address"):
        engine.synthesize(engine.request(TEXT, "alloy", 1.0), NullState())


def test_a_line_too_long_for_one_request_is_refused_before_any_traffic(openai_fake, keys):
    from studio.errors import EngineError

    engine = speech_engine(openai_fake)
    with pytest.raises(EngineError, match="5000 characters, more than the 4096 .* split it into shorter lines"):
        engine.synthesize(engine.request("w" * 5000, "alloy", 1.0), NullState())
    assert openai_fake.hits == []
