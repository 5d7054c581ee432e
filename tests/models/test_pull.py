"""`ModelStore.pull` against a fake hub on 127.0.0.1: progress, resume, checksum, cancel, the HF cache."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from studio.models.store import ModelStore
from studio.errors import Cancelled, EngineError

from .fakehub import FakeHub

REPO = "stitch-tests/tiny-voice"
WEIGHTS = bytes(range(256)) * 400  # 100 kB
CONFIG = b'{"tiny": true}'
VOICES = {"voices/af_test.bin": b"\x01" * 3000, "voices/bm_test.bin": b"\x02" * 2000}


@pytest.fixture(autouse=True)
def _hub_env(tmp_path, monkeypatch, loopback_only):
    """Loopback only; downloads allowed in these tests alone; a Hugging Face home of their own."""
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def hub(monkeypatch):
    with FakeHub(REPO, {"config.json": CONFIG, "model.bin": WEIGHTS, **VOICES}) as fake:
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        yield fake


@pytest.fixture
def store(tmp_path):
    catalogue = tmp_path / "models.json"
    catalogue.write_text(json.dumps({"schema": 1, "models": [{
        "id": "tiny-voice", "task": "tts", "engine": "kokoro", "name": "Tiny test voice", "size_mb": 0.11,
        "license": "MIT", "source": REPO, "repo": REPO, "revision": "main",
        "files": [{"path": "config.json", "sha256": None},
                  {"path": "model.bin", "sha256": hashlib.sha256(WEIGHTS).hexdigest(), "size": len(WEIGHTS)},
                  {"path": "voices/", "glob": "*.bin", "sha256": None}],
    }]}))
    return ModelStore(tmp_path / "store", catalogue=catalogue)


class Cancel:
    def __init__(self, after: int | None = None):
        self.after, self.calls = after, 0

    def set_progress(self, fraction, message=""):
        pass

    def is_cancelled(self):
        self.calls += 1
        return self.after is not None and self.calls > self.after


def test_pull_downloads_every_file_with_progress_and_registers_it(hub, store):
    seen = []
    stored = store.pull("tiny-voice", lambda f, m: seen.append(f))
    assert (stored.path / "model.bin").read_bytes() == WEIGHTS
    assert (stored.path / "voices" / "af_test.bin").read_bytes() == VOICES["voices/af_test.bin"]
    assert stored.path.is_relative_to(store.root.resolve()) and store.get("tiny-voice") == stored
    assert seen[-1] == 1.0 and any(0 < f < 1 for f in seen) and seen == sorted(seen)
    assert not list(stored.path.rglob("*.incomplete"))
    before = len(hub.hits)
    assert store.pull("tiny-voice") == stored and len(hub.hits) == before  # present: nothing fetched


def test_a_cut_connection_resumes_from_where_it_stopped(hub, store, monkeypatch):
    from huggingface_hub import constants

    # Bytes are written in chunks (10 MB on the real hub); small ones make a 100 kB file behave like a big one.
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 8192)
    hub.cut.add("model.bin")
    stored = store.pull("tiny-voice")
    assert (stored.path / "model.bin").read_bytes() == WEIGHTS
    ranges = [r for method, path, r in hub.hits if method == "GET" and path.endswith("/model.bin")]
    assert len(ranges) == 2 and ranges[0] == ""
    offset = int(ranges[1].removeprefix("bytes=").rstrip("-"))
    assert 0 < offset <= len(WEIGHTS) // 2  # the second request asked only for what was missing


def test_a_download_left_half_done_goes_on_from_its_incomplete_file(hub, store):
    folder = store.root / "tiny-voice"
    folder.mkdir(parents=True)
    (folder / "model.bin.incomplete").write_bytes(WEIGHTS[:30000])
    stored = store.pull("tiny-voice")
    assert (stored.path / "model.bin").read_bytes() == WEIGHTS
    assert ("GET", f"/{REPO}/resolve/main/model.bin", "bytes=30000-") in hub.hits


def test_cancel_stops_the_download_and_keeps_what_arrived(hub, store):
    with pytest.raises(Cancelled):
        store.pull("tiny-voice", state=Cancel(after=0))
    assert store.get("tiny-voice") is None
    assert (store.root / "tiny-voice" / "config.json.incomplete").exists()
    assert store.pull("tiny-voice").id == "tiny-voice"


def test_a_corrupted_file_is_rejected_by_its_checksum_and_removed(hub, store):
    hub.corrupt.add("model.bin")
    with pytest.raises(EngineError) as caught:
        store.pull("tiny-voice")
    assert "checksum" in caught.value.message and "pull it again" in caught.value.message
    folder = store.root / "tiny-voice"
    assert not (folder / "model.bin").exists() and not (folder / "model.bin.incomplete").exists()
    assert store.get("tiny-voice") is None


def test_a_model_in_the_hugging_face_cache_is_used_where_it_is(hub, store, tmp_path):
    from huggingface_hub import hf_hub_download

    cache = tmp_path / "hf" / "hub"  # the creator's own earlier download, into their Hugging Face cache
    paths = [hf_hub_download(REPO, name, endpoint=hub.url, cache_dir=cache) for name in hub.files]
    cached = Path(paths[0]).parent
    before = len(hub.hits)
    stored = store.pull("tiny-voice")
    assert str(stored.path) == str(cached) and len(hub.hits) == before
    assert not (store.root / "tiny-voice").exists()  # no second copy
    store.remove("tiny-voice")
    assert (tmp_path / "hf" / "hub").is_dir() and (stored.path / "model.bin").exists()  # the cache is not ours to delete


def test_the_cli_shows_the_size_and_asks_first(hub, store, capsys):
    from argparse import Namespace

    from studio.cli.models import pull

    asked = []
    assert pull(Namespace(model_id="tiny-voice", yes=False), store=store, ask=lambda q: asked.append(q) or "") == 1
    assert "110 kB" in asked[0] and store.get("tiny-voice") is None and hub.hits == []
    assert pull(Namespace(model_id="tiny-voice", yes=True), store=store) == 0
    assert "is ready at" in capsys.readouterr().out


def test_an_image_repo_downloads_only_the_files_its_entry_includes(tmp_path, monkeypatch):
    """An image repository holds fp32 and fp16 weights side by side: only the fp16 ones come."""
    repo = "stitch-tests/tiny-image"
    files = {"model_index.json": b"{}", "unet/config.json": b"{}", "scheduler/scheduler_config.json": b"{}",
             "unet/diffusion_pytorch_model.safetensors": b"\x00" * 4000,
             "unet/diffusion_pytorch_model.fp16.safetensors": b"\x01" * 2000, "README.md": b"# tiny"}
    catalogue = tmp_path / "image_models.json"
    catalogue.write_text(json.dumps({"schema": 1, "models": [{
        "id": "tiny-image", "task": "image", "engine": "diffusers", "name": "Tiny test image model",
        "size_mb": 0.01, "license": "MIT", "source": repo, "repo": repo, "revision": "main",
        "download_include": ["model_index.json", "*/config.json", "scheduler/*", "*/*.fp16.safetensors"],
        "files": [{"path": "model_index.json", "sha256": None},
                  {"path": "unet/", "glob": "*.safetensors", "sha256": None}],
    }]}))
    store = ModelStore(tmp_path / "store", catalogue=catalogue)
    with FakeHub(repo, files) as fake:
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        stored = store.pull("tiny-image")
    got = sorted(p.relative_to(stored.path).as_posix() for p in stored.path.rglob("*") if p.is_file())
    assert got == ["model_index.json", "scheduler/scheduler_config.json", "unet/config.json",
                   "unet/diffusion_pytorch_model.fp16.safetensors"]
