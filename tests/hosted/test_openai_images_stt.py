"""OpenAI-compatible images (generations, edits; base64 or a link) and transcription."""

from __future__ import annotations

import io

import numpy as np
import pytest

from studio.engines.hosted.http import MalformedReply, Timeouts
from studio.engines.hosted.openai_compat import OpenAIImageEngine, OpenAITranscriptionEngine
from studio.engines.images import ImageEngine
from studio.engines.stt import TranscriptionEngine

from .conftest import FAST, KEY, State
from .fakes import Fault, FakeOpenAI, tone, wav_bytes


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _images(fake, **kw) -> OpenAIImageEngine:
    kw.setdefault("key_service", "openai")
    return OpenAIImageEngine(base_url=f"{fake.url}/v1", retries=FAST, timeouts=Timeouts(2.0, 5.0), **kw)


def test_a_generated_image_comes_back_as_the_servers_pixels(openai_fake, keys):
    engine = _images(openai_fake, model="dall-e-3", quality="hd")
    assert isinstance(engine, ImageEngine)
    request = engine.request("a lighthouse at dusk", width=1024, height=1792, seed=7)

    picture = engine.text_to_image(request, State())

    assert np.array_equal(picture.image, _pixels(openai_fake.png))
    assert picture.info["format"] == "png" and picture.info["usage"] == {"images": 1, "size": "1024x1792", "quality": "hd"}
    sent = openai_fake.hits[-1].json()
    assert sent == {"model": "dall-e-3", "prompt": "a lighthouse at dusk", "n": 1, "size": "1024x1792",
                    "quality": "hd", "response_format": "b64_json"}


def test_an_image_given_as_a_link_is_fetched_without_the_key_from_another_host(keys):
    with FakeOpenAI(None) as cdn, FakeOpenAI(KEY, images_as="url", image_host=cdn.url) as api:
        engine = _images(api)
        picture = engine.text_to_image(engine.request("a fox"), State())
    assert np.array_equal(picture.image, _pixels(api.png))
    assert [h.path for h in cdn.hits] == ["/files/take.png"]
    assert "authorization" not in cdn.hits[0].headers  # the key only goes to the service


def test_an_edit_sends_the_image_as_a_png_form_and_gets_one_back(openai_fake, keys):
    engine = _images(openai_fake, model="gpt-image-1")
    source = np.full((64, 64, 3), 120, np.uint8)
    request = engine.request("make it night", source=source, source_name="take-1")
    picture = engine.image_to_image(request, source, State())
    hit = openai_fake.hits[-1]
    assert hit.path == "/v1/images/edits" and hit.headers["content-type"].startswith("multipart/form-data")
    assert b'name="image"; filename="image.png"' in hit.body and b"\x89PNG" in hit.body
    assert b'name="prompt"' in hit.body and b"make it night" in hit.body
    assert picture.image.shape == (8, 16, 3) and request.source_digest


def test_an_edit_takes_no_strength_so_any_slider_value_is_sent(openai_fake, keys):
    engine = _images(openai_fake, model="gpt-image-1")
    source = np.full((64, 64, 3), 120, np.uint8)
    request = engine.request("make it night", source=source, source_name="take-1", strength=0.3)
    request.check()  # a local strength of 0.3 with the service's single "step" is not refused
    assert request.strength == 1.0 and request.is_variation
    engine.image_to_image(request, source, State())
    assert openai_fake.hits[-1].path == "/v1/images/edits" and b'name="strength"' not in openai_fake.hits[-1].body


def test_an_image_reply_that_is_not_an_image_gives_a_sentence(openai_fake, keys):
    import base64

    openai_fake.script(Fault(body=b'{"data": [{"b64_json": "%s"}]}' % base64.b64encode(b"GIF89a nope")))
    engine = _images(openai_fake)
    with pytest.raises(MalformedReply, match="expected a PNG, JPEG or WebP image"):
        engine.text_to_image(engine.request("a fox"), State())


def test_a_transcript_has_words_with_timings_and_segments(openai_fake, keys, tmp_path):
    engine = OpenAITranscriptionEngine(base_url=f"{openai_fake.url}/v1", key_service="openai", retries=FAST)
    assert isinstance(engine, TranscriptionEngine)
    path = tmp_path / "take.wav"
    path.write_bytes(wav_bytes(tone(1.0)))

    transcript = engine.transcribe(path, State(), language="en")

    assert transcript.text == "Every draft is free." and transcript.duration == 95.0
    assert [w.text for w in transcript.words] == ["every", "draft", "is", "free"]
    assert transcript.words[1].start == pytest.approx(0.4) and transcript.words[1].end == pytest.approx(0.7)
    assert len(transcript.segments) == 1 and transcript.segments[0].end == pytest.approx(1.6)
    body = openai_fake.hits[-1].body
    assert b"verbose_json" in body and b"timestamp_granularities[]" in body and b'filename="take.wav"' in body
    assert path.read_bytes() in body  # the file as it is


def test_samples_are_uploaded_as_a_16k_wav(openai_fake, keys):
    engine = OpenAITranscriptionEngine(base_url=f"{openai_fake.url}/v1", key_service="openai", retries=FAST)
    engine.transcribe(tone(0.5, 16000), State())
    body = openai_fake.hits[-1].body
    start = body.index(b"RIFF")
    assert body[start + 24 : start + 28] == (16000).to_bytes(4, "little")
