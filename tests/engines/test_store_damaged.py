"""A hand-edited model catalogue or store index: a sentence naming what is wrong, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.cli.command import main
from studio.models.store import CATALOGUE, ModelStore
from studio.errors import EngineError, StorageError

_REAL = json.loads(CATALOGUE.read_text(encoding="utf-8"))["models"][0]


def _catalogue(tmp_path: Path, change) -> Path:
    entry = json.loads(json.dumps(_REAL))
    change(entry)
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"models": [entry]}), encoding="utf-8")
    return path


@pytest.mark.parametrize("change, why", [
    (lambda m: m.pop("engine"), r"entry 1 \(kokoro-82m\) has no engine"),
    (lambda m: m.pop("id"), r"entry 1 has no id"),
    (lambda m: m.update(size_mb="big"), r"has a size_mb of the wrong type"),
    (lambda m: m.update(files="config.json"), r"has a files of the wrong type"),
    (lambda m: m.update(files=[]), r"lists no files"),
    (lambda m: m["files"][0].update(sha=1), r"one of its files has an unknown field sha"),
    (lambda m: m["files"][0].pop("path"), r"one of its files has no path"),
    (lambda m: m.update(download_include="*.bin"), r"has a download_include of the wrong type"),
    (lambda m: m.update(download_include=[1]), r"has a download_include that is not a list of text"),
])
def test_a_broken_catalogue_entry_is_named(tmp_path, change, why):
    store = ModelStore(tmp_path / "root", catalogue=_catalogue(tmp_path, change))
    with pytest.raises(EngineError, match=r"^The model catalogue .*models\.json is damaged \((entry 1 \(kokoro-82m\) )?" + why
                       + r"\): reinstall Stitch Studio\.$"):
        store.catalogue()


def test_a_catalogue_without_a_list_of_models_is_named(tmp_path):
    path = tmp_path / "models.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(EngineError, match=r"has no list of models: reinstall Stitch Studio\.$"):
        ModelStore(tmp_path / "root", catalogue=path).entry("kokoro-82m")


def test_the_shipped_catalogues_pass_the_same_check():
    assert len(ModelStore(Path("/nonexistent")).catalogue()) >= 2


def _weights(tmp_path: Path) -> Path:
    folder = tmp_path / "whisper"
    folder.mkdir()
    for name in ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt"):
        (folder / name).write_bytes(b"{}")
    return folder


@pytest.mark.parametrize("record", ["a path", {"revision": "abc"}, {"path": 5, "revision": "abc"},
                                    {"path": "/x"}, None, []])
def test_a_hand_edited_index_record_reads_as_absent_and_add_mends_it(tmp_path, record):
    root = tmp_path / "root"
    store = ModelStore(root)
    folder = _weights(tmp_path)
    store.add("whisper-tiny.en", folder)
    index = json.loads(store.index_path.read_text())
    index["models"]["whisper-base"] = dict(index["models"]["whisper-tiny.en"])
    index["models"]["whisper-tiny.en"] = record
    store.index_path.write_text(json.dumps(index))
    assert store.get("whisper-tiny.en") is None
    assert [m.id for m in store.list()] == ["whisper-base"]  # the other model is not lost
    assert store.add("whisper-tiny.en", folder).path == folder.resolve()
    assert {m.id for m in store.list()} == {"whisper-base", "whisper-tiny.en"}


def test_a_model_store_that_is_a_file_is_named_by_every_command(tmp_path, monkeypatch, capsys):
    path = tmp_path / "models"
    path.write_text("mine", encoding="utf-8")
    monkeypatch.setenv("STITCH_MODELS_DIR", str(path))
    with pytest.raises(StorageError, match=r"^The model store .*models is a file, not a folder"):
        ModelStore().list()
    assert main(["models", "list"]) == 2
    assert main(["models", "add", "whisper-tiny.en", str(_weights(tmp_path))]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("is a file, not a folder" in line for line in err)
    assert path.read_text(encoding="utf-8") == "mine"
