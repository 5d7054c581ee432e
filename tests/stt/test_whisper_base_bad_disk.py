"""Whisper base joined onto a bad disk: one sentence, and nothing left that looks complete."""

from __future__ import annotations

import errno
import tempfile

import pytest

from studio.cli.command import main
from studio.models import bundled
from studio.models.bundled import joined_whisper_base, provide_whisper_base
from studio.errors import EngineError, StudioError

from .test_whisper_base_bundle import _sources


def _failing_mkstemp(code, *, after: int = 0):
    calls = []
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        calls.append(1)
        if len(calls) > after:
            raise OSError(code, {errno.ENOSPC: "No space left on device", errno.EACCES: "Permission denied"}[code])
        return real(*args, **kwargs)

    return mkstemp


def test_a_full_disk_while_joining_says_so_and_leaves_nothing_complete(tmp_path, monkeypatch):
    # The three small files go through the atomic writer; the fourth temporary file is model.bin's.
    monkeypatch.setattr(bundled.tempfile, "mkstemp", _failing_mkstemp(errno.ENOSPC, after=3))
    root = tmp_path / "store"
    with pytest.raises(EngineError, match=r"^The bundled Whisper base weights could not be written to .*whisper-base "
                                          r"\(No space left on device\): free some disk space and try again\.$"):
        provide_whisper_base(root, sources=_sources(tmp_path))
    assert joined_whisper_base(root) is None
    assert not (root / "whisper-base" / "model.bin").exists()
    assert not [p for p in (root / "whisper-base").iterdir() if p.name.endswith(".tmp")]


def test_a_folder_that_cannot_be_written_is_not_called_a_full_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(bundled.tempfile, "mkstemp", _failing_mkstemp(errno.EACCES, after=3))
    with pytest.raises(EngineError, match=r"\(Permission denied\): make that folder writable, or point "
                                          r"STITCH_MODELS_DIR at one that is\.$"):
        provide_whisper_base(tmp_path / "store", sources=_sources(tmp_path))


def test_a_model_store_that_is_a_file_is_named(tmp_path, monkeypatch, capsys):
    store = tmp_path / "models"
    store.write_text("not a folder")
    with pytest.raises(EngineError, match=r"^The model store .*models is a file, not a folder: move that file away, "
                                          r"or point STITCH_MODELS_DIR at a folder\.$"):
        provide_whisper_base(store, sources=_sources(tmp_path))
    assert store.read_text() == "not a folder"
    monkeypatch.setenv("STITCH_MODELS_DIR", str(store))
    assert main(["models", "provide-bundled", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("studio: The model store ") and "Traceback" not in err and err.count("\n") == 1


def test_the_marker_failing_last_leaves_the_folder_marked_incomplete(tmp_path, monkeypatch):
    def full(path, value):
        raise StudioError("Could not write joined.json: No space left on device.")

    monkeypatch.setattr(bundled, "atomic_write_json", full)
    root = tmp_path / "store"
    with pytest.raises(StudioError, match="No space left"):
        provide_whisper_base(root, sources=_sources(tmp_path))
    assert joined_whisper_base(root) is None
