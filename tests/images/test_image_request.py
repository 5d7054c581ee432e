"""ImageRequest: a value whose hash changes exactly when the pixels would."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from studio.engines.images import ImageRequest, as_rgb, image_digest, new_seed, steps_for_strength
from studio.errors import EngineError

BASE = ImageRequest(
    engine="diffusers", model="sd-turbo", model_revision="abc123", prompt="a red fox",
    seed=42, width=512, height=512, steps=1, guidance=0.0, scheduler="euler_a",
)


def test_cache_key_is_stable_and_round_trips():
    assert BASE.cache_key() == replace(BASE).cache_key()
    assert len(BASE.cache_key()) == 64
    again = ImageRequest.from_dict(BASE.to_dict())
    assert again == BASE and again.cache_key() == BASE.cache_key()
    with_extra = replace(BASE, extra=(("lora", "ink"),))
    assert ImageRequest.from_dict(with_extra.to_dict()) == with_extra


@pytest.mark.parametrize("change", [
    {"seed": 43}, {"prompt": "a blue fox"}, {"negative_prompt": "blur"}, {"width": 768}, {"height": 256},
    {"steps": 2}, {"guidance": 1.5}, {"scheduler": "lcm"}, {"model": "sdxl-turbo"},
    {"model_revision": "def456"}, {"engine": "hosted"}, {"strength": 0.5}, {"source_digest": "f" * 64},
    {"extra": (("lora", "ink"),)},
])
def test_everything_that_changes_the_pixels_changes_the_key(change):
    assert replace(BASE, **change).cache_key() != BASE.cache_key()


def test_where_a_source_came_from_is_not_in_the_key():
    variation = replace(BASE, source_digest="a" * 64, strength=0.5, steps=2)
    assert replace(variation, source="takes/one.png").cache_key() == variation.cache_key()
    assert replace(BASE, guidance=0.00001).cache_key() == BASE.cache_key()  # float noise


@pytest.mark.parametrize("change, words", [
    ({"width": 500}, "multiple of 8"),
    ({"height": 4096}, "multiple of 8"),
    ({"steps": 0}, "steps"),
    ({"seed": -1}, "seed"),
    ({"prompt": "  "}, "prompt is empty"),
    ({"source_digest": "a" * 64, "strength": 0.0}, "strength"),
    ({"source_digest": "a" * 64, "strength": 0.4, "steps": 2}, "at least 3 steps"),
])
def test_check_explains_what_to_change(change, words):
    with pytest.raises(EngineError) as err:
        replace(BASE, **change).check()
    assert words in str(err.value) and str(err.value).endswith(".")


def test_a_valid_request_passes_and_a_variation_may_have_no_prompt():
    BASE.check()
    replace(BASE, prompt="", source_digest="a" * 64, strength=1.0).check()


def test_steps_for_strength_leaves_one_step():
    assert steps_for_strength(1, 0.5) == 2
    assert steps_for_strength(2, 0.5) == 2
    assert steps_for_strength(1, 0.3) == 4
    assert steps_for_strength(4, 1.0) == 4
    for strength in np.linspace(0.05, 1.0, 40):
        steps = steps_for_strength(1, strength)
        assert int(steps * strength) >= 1


def test_image_digest_follows_the_pixels():
    a = np.zeros((4, 6, 3), np.uint8)
    assert image_digest(a) == image_digest(a.copy())
    b = a.copy()
    b[0, 0, 0] = 1
    assert image_digest(a) != image_digest(b)
    assert image_digest(a) != image_digest(np.zeros((6, 4, 3), np.uint8))


def test_as_rgb_accepts_grey_and_rgba_and_refuses_the_rest():
    assert as_rgb(np.zeros((2, 3), np.uint8)).shape == (2, 3, 3)
    rgba = np.zeros((2, 2, 4), np.uint8)
    assert (as_rgb(rgba) == 255).all()  # fully transparent shows the white behind it
    with pytest.raises(EngineError):
        as_rgb(np.zeros((2, 2, 3), np.float32))
    with pytest.raises(EngineError):
        as_rgb(np.zeros((2, 2, 2), np.uint8))


def test_new_seeds_are_in_range_and_differ():
    seeds = {new_seed() for _ in range(20)}
    assert len(seeds) > 15 and all(0 <= s < 2**32 for s in seeds)
