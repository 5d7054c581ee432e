"""ElevenLabs text to speech against a fake server: PCM and MP3, billing headers, faults."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from studio.engines.base import NullState, SpeechEngine
from studio.engines.hosted.http import HostedError, KeyRefused, OutOfCredit
from studio.money.prices import PriceTable, money
from studio.errors import Cancelled

from .conftest import ELEVEN_KEY, State, eleven_engine
from .fakes import Fault, FakeElevenLabs

TEXT = "A premium take, for the one line that matters."


def _billed(characters: int) -> Decimal:
    """What `characters` of eleven_multilingual_v2 cost at resources/prices.json's price."""
    price = PriceTable.load().price("elevenlabs", "eleven_multilingual_v2")
    return money(price.amount * characters / price.per)


def test_pcm_comes_back_as_the_servers_samples_with_the_billed_characters(eleven_fake, keys):
    engine = eleven_engine(eleven_fake, paid=True, voice="pNInz6obpgDQGcFmaJgB")
    assert isinstance(engine, SpeechEngine)
    audio = engine.synthesize(engine.request(TEXT, "", 1.1), State())

    expected = FakeElevenLabs.speech_for(TEXT)
    assert audio.sample_rate == 24000 and np.max(np.abs(audio.samples - expected)) < 2 / 32768
    hit = eleven_fake.hits[-1]
    assert hit.path == "/v1/text-to-speech/pNInz6obpgDQGcFmaJgB" and hit.query == {"output_format": ["pcm_24000"]}
    assert hit.headers["xi-api-key"] == ELEVEN_KEY and "authorization" not in hit.headers
    assert hit.json() == {"text": TEXT, "model_id": "eleven_multilingual_v2", "voice_settings": {"speed": 1.1}}
    # 46 characters at the price list's price, as the character-cost header reported.
    assert audio.info["charge_source"] == "provider" and Decimal(audio.info["charged"]) == _billed(46)


def test_mp3_output_is_decoded(eleven_fake, keys):
    engine = eleven_engine(eleven_fake, output_format="mp3_44100_128")
    audio = engine.synthesize(engine.request(TEXT, "", 1.0), NullState())
    assert audio.sample_rate == 44100 and audio.info["format"] == "mp3"
    assert abs(audio.duration - len(FakeElevenLabs.speech_for(TEXT, 44100)) / 44100) < 0.1


def test_a_quota_refusal_says_to_add_credit_not_that_the_key_is_wrong(eleven_fake, keys):
    body = b'{"detail": {"status": "quota_exceeded", "message": "This request exceeds your quota of 10000."}}'
    eleven_fake.script(Fault(status=401, body=body))
    engine = eleven_engine(eleven_fake)
    with pytest.raises(OutOfCredit) as caught:
        engine.synthesize(engine.request(TEXT, "", 1.0), NullState())
    assert "out of credit or over its quota (This request exceeds your quota of 10000)" in str(caught.value)


def test_a_wrong_key_is_refused_with_the_echo_redacted(eleven_fake, monkeypatch):
    wrong = "xi-wrong-7hK2mN9pQ4rS1tV6"
    monkeypatch.setenv("ELEVENLABS_API_KEY", wrong)
    engine = eleven_engine(eleven_fake)
    with pytest.raises(KeyRefused) as caught:
        engine.synthesize(engine.request(TEXT, "", 1.0), NullState())
    assert "refused the API key (Invalid API key: [redacted])" in str(caught.value)
    assert wrong not in str(caught.value) + caught.value.detail


def test_a_reply_cut_after_billing_carries_what_was_charged(eleven_fake, keys):
    eleven_fake.script(Fault(cut=True))
    engine = eleven_engine(eleven_fake, paid=True)
    with pytest.raises(HostedError, match="broke before the whole reply arrived") as caught:
        engine.synthesize(engine.request(TEXT, "", 1.0), NullState())
    assert caught.value.charged == _billed(len(TEXT))


def test_a_cancel_mid_body_carries_what_was_charged(eleven_fake, keys):
    eleven_fake.script(Fault(stall=10.0))
    engine = eleven_engine(eleven_fake, paid=True)
    state = State()
    state.cancel_after(0.2)
    with pytest.raises(Cancelled) as caught:
        engine.synthesize(engine.request(TEXT, "", 1.0), state)
    assert caught.value.charged == _billed(len(TEXT))


def test_a_server_error_without_a_billing_header_charged_nothing(eleven_fake, keys):
    eleven_fake.script(*[Fault(status=503)] * 3)
    engine = eleven_engine(eleven_fake, paid=True)
    with pytest.raises(HostedError, match=r"HTTP 503\) on 3 tries") as caught:
        engine.synthesize(engine.request(TEXT, "", 1.0), NullState())
    assert caught.value.charged is None


def test_pcm_that_happens_to_start_like_an_mp3_frame_is_still_pcm():
    from studio.engines.hosted.http import Reply
    from studio.engines.hosted.openai_compat import decode_audio

    samples = np.array([-1, -300, 1200, 0], dtype="<i2")  # b"\xff\xff\xd4\xfe...": an MP3 sync word
    reply = Reply(200, {"content-type": "application/octet-stream"}, samples.tobytes(), 1, 0.0)
    audio = decode_audio(reply, "ElevenLabs", pcm_rate=24000)
    assert audio.info["format"] == "pcm" and np.allclose(audio.samples * 32768, samples)
