"""PNG takes carry their settings, and are written whole or not at all."""

from __future__ import annotations

import numpy as np
import pytest

from studio.engines.pngmeta import png_bytes, read_settings, save_png
from studio.errors import StorageError

SETTINGS = {"prompt": "a red fox, «snow»", "seed": 7, "steps": 2, "model": "sd-turbo", "width": 8, "height": 4,
            "scheduler": "euler_a", "guidance": 0.0, "negative_prompt": "blur"}


def _pixels(channels=3):
    return np.random.default_rng(0).integers(0, 256, (4, 8, channels), dtype=np.uint8)


@pytest.mark.parametrize("channels", [3, 4])
def test_settings_and_pixels_round_trip(tmp_path, channels):
    from PIL import Image

    path = save_png(tmp_path / "take.png", _pixels(channels), SETTINGS)
    assert read_settings(path) == SETTINGS
    with Image.open(path) as png:
        assert np.array_equal(np.asarray(png), _pixels(channels))
        png.load()
        parameters = png.text["parameters"]
    assert parameters.startswith("a red fox, «snow»\nNegative prompt: blur\n")
    assert "Seed: 7" in parameters and "Size: 8x4" in parameters and "Model: sd-turbo" in parameters


def test_a_png_without_settings_reads_as_empty(tmp_path):
    from PIL import Image

    Image.fromarray(_pixels()).save(tmp_path / "own.png")
    assert read_settings(tmp_path / "own.png") == {}
    Image.fromarray(_pixels()).save(tmp_path / "own.jpg")
    assert read_settings(tmp_path / "own.jpg") == {}


def test_missing_and_damaged_files_get_sentences(tmp_path):
    with pytest.raises(StorageError, match="not there"):
        read_settings(tmp_path / "gone.png")
    (tmp_path / "notes.png").write_text("not a picture")
    with pytest.raises(StorageError, match="damaged or is not a picture"):
        read_settings(tmp_path / "notes.png")


def test_a_failed_encode_leaves_the_old_file_and_no_litter(tmp_path):
    path = save_png(tmp_path / "take.png", _pixels(), SETTINGS)
    before = path.read_bytes()
    with pytest.raises(ValueError):
        save_png(path, np.zeros((4, 8, 3), np.float32), {"seed": 8})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["take.png"]


def test_encoding_is_deterministic():
    assert png_bytes(_pixels(), SETTINGS) == png_bytes(_pixels(), dict(reversed(SETTINGS.items())))
