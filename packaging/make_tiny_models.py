#!/usr/bin/env python3
"""Tiny random-weight models for packaging/smoke_torch_addon.sh, built in the development venv.

    .venv/bin/python packaging/make_tiny_models.py FOLDER

Writes FOLDER/tiny-kokoro (laid out like hexgrad/Kokoro-82M: config.json, kokoro-v1_0.pth,
voices/test.pt) and FOLDER/tiny-sd (a Stable Diffusion pipeline saved with `save_pretrained`),
with the tests' own recipes (tests/engines/conftest.py TINY_CONFIG, tests/images/conftest.py
build_tiny_pipeline): a few MB each, they speak noise and paint noise, which is enough to prove
that the frozen app loads them with the add-on's torch, kokoro and diffusers.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_kokoro(folder: Path) -> Path:
    engines = _load("engines_conftest", ROOT / "tests" / "engines" / "conftest.py")
    return engines.build_tiny_kokoro(folder, voices=("test",))


def tiny_sd(folder: Path) -> Path:
    images = _load("images_conftest", ROOT / "tests" / "images" / "conftest.py")
    return images.build_tiny_pipeline(folder)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = Path(argv[0])
    print(tiny_kokoro(out / "tiny-kokoro"))
    print(tiny_sd(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
