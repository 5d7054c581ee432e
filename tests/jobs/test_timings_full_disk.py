"""The engine's own word timings cannot be kept (disk full, folder unwritable): the render is not lost."""

from __future__ import annotations

import errno

import pytest

from studio.engines.base import NullState
from studio.engines.registry import EngineRegistry
from studio.jobs import selfcheck
from studio.jobs.pipeline import Voicing
from studio.jobs.selfcheck import TIMINGS, engine_timings, keep_engine_timings
from studio.project.project import Project



class TimingSine:
    """The tests' sine engine, giving word timings as the torch Kokoro does."""

    def __init__(self, sine):
        self._sine = sine

    def __getattr__(self, name):
        return getattr(self._sine, name)

    def synthesize(self, request, state):
        audio = self._sine.synthesize(request, state)
        audio.info["words"] = [{"text": w, "start": 0.1 * i, "end": 0.1 * i + 0.05}
                               for i, w in enumerate(request.text.split())]
        audio.info["timing"] = "kokoro"
        return audio


@pytest.fixture
def project(tmp_path, sine_engine):
    folder = tmp_path / "Timed"
    folder.mkdir()
    (folder / "script.md").write_text("# One\n\nHello there, friend.\n", encoding="utf-8")
    project = Project.open(folder)
    project.sine = sine_engine
    yield project
    project.close()


def _voicing(project):
    registry = EngineRegistry()
    engine = TimingSine(project.sine)
    registry.register("kokoro-onnx", lambda store=None: engine)
    return Voicing(project, registry)


def test_timings_are_kept_when_the_disk_allows(project):
    voicing = _voicing(project)
    (line_id,) = voicing.lines_to_render()
    voicing.commit(voicing.render_line(line_id, NullState()))
    take = project.chosen_take(line_id)
    assert engine_timings(project.folder, take)[0] == "kokoro"


def test_a_full_disk_for_the_timings_keeps_the_take(project, monkeypatch):
    monkeypatch.setattr(selfcheck, "atomic_write_json", _raises_storage_error)
    voicing = _voicing(project)
    (line_id,) = voicing.lines_to_render()
    voicing.commit(voicing.render_line(line_id, NullState()))
    take = project.chosen_take(line_id)
    assert take is not None and (project.folder / take.path).is_file()
    assert engine_timings(project.folder, take) is None  # the self-check times the words with Whisper


def test_a_timings_folder_that_is_a_file_is_left_alone(project):
    blocker = project.folder / TIMINGS
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("mine", encoding="utf-8")
    assert keep_engine_timings(project.folder, "ab" * 20, {"words": [{"text": "a", "start": 0, "end": 1}]}) is False
    assert blocker.read_text(encoding="utf-8") == "mine"


def _raises_storage_error(path, value):
    from studio.errors import StorageError

    raise StorageError("Could not write timings: No space left on device. The previous version is intact.")
