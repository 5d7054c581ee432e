"""The render request: what changes its cache key, and what does not."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytestmark = pytest.mark.real_weights  # the requests come from the real int8 engine


@pytest.fixture
def base(onnx_engine):
    return onnx_engine.request("The fox jumps.", "jf_alpha", 1.0)


def test_the_same_line_asked_again_has_the_same_key(onnx_engine, base):
    assert onnx_engine.request("The fox jumps.", "jf_alpha", 1.0).cache_key() == base.cache_key()
    # Spellings of the same thing are the same request.
    assert onnx_engine.request("The fox jumps.", " jf_alpha:1 ", 1.0).cache_key() == base.cache_key()
    assert onnx_engine.request("The fox jumps.", "jf_alpha", 1.00001).cache_key() == base.cache_key()
    assert onnx_engine.request("The fox jumps.", "", 1.0).cache_key() == base.cache_key()  # default voice


@pytest.mark.parametrize("change", [
    lambda e: e.request("The fox jumps!", "jf_alpha", 1.0),
    lambda e: e.request("The fox jumps.", "jm_kumo", 1.0),
    lambda e: e.request("The fox jumps.", "jf_alpha:0.7,jm_kumo:0.3", 1.0),
    lambda e: e.request("The fox jumps.", "jf_alpha", 1.1),
], ids=["text", "voice", "blend", "speed"])
def test_text_voice_and_speed_change_the_key(onnx_engine, base, change):
    assert change(onnx_engine).cache_key() != base.cache_key()


@pytest.mark.parametrize("field, value", [
    ("model_revision", "0123456789ab"),
    ("g2p", "misaki+spacy"),
    ("engine", "kokoro"),
    ("model", "kokoro-82m"),
])
def test_model_revision_g2p_and_engine_change_the_key(base, field, value):
    assert replace(base, **{field: value}).cache_key() != base.cache_key()


def test_a_request_survives_a_round_trip_through_a_dict(base):
    from studio.engines.base import RenderRequest

    assert RenderRequest.from_dict(base.to_dict()).cache_key() == base.cache_key()
