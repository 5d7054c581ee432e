"""The render pipeline: request → cache → engine → take, on a real project folder."""

from __future__ import annotations

import threading
import wave

import pytest

from studio.engines.base import NullState
from studio.errors import Cancelled, EngineError
from studio.jobs.pipeline import Voicing
from studio.jobs.runner import JobRunner
from studio.project.project import Project


def _voicing(folder, registry):
    return Voicing(Project.open(folder), registry)


def test_a_render_writes_a_wav_take_with_its_record(demo_project, sine_registry, sine_engine):
    voicing = _voicing(demo_project, sine_registry)
    line = voicing.project.lines[0]
    assert voicing.line_state(line.id) == "none"

    result = voicing.render_line(line.id, NullState())
    take = voicing.commit(result)

    assert not result.cached and len(sine_engine.texts) == 1
    path = demo_project / take.path
    assert path.parent.name == "renders" and path.name.startswith(result.request.cache_key()[:20])
    with wave.open(str(path)) as w:
        assert w.getframerate() == 24000 and w.getnchannels() == 1
        assert w.getnframes() / 24000 == pytest.approx(take.duration, abs=0.01)
    assert take.text == line.text and take.engine == "kokoro-onnx" and take.voice == "af_sine"
    assert take.seconds >= 0 and take.created
    assert voicing.line_state(line.id) == "draft"


def test_an_unchanged_request_is_never_rendered_twice(demo_project, sine_registry, sine_engine):
    voicing = _voicing(demo_project, sine_registry)
    line = voicing.project.lines[1]
    voicing.commit(voicing.render_line(line.id, NullState()))
    again = voicing.render_line(line.id, NullState())
    assert again.cached and len(sine_engine.texts) == 1


def test_an_edit_makes_the_take_stale_and_the_old_take_is_kept(demo_project, sine_registry, sine_engine):
    voicing = _voicing(demo_project, sine_registry)
    project = voicing.project
    line = project.lines[0]
    first = voicing.commit(voicing.render_line(line.id, NullState()))

    project.edit_line(line.id, line.text + " Really.")
    assert voicing.line_state(line.id) == "stale"
    second = voicing.commit(voicing.render_line(line.id, NullState()))

    assert len(sine_engine.texts) == 2
    assert [t.id for t in project.takes_for(line.id)] == [second.id, first.id]
    assert project.chosen_take(line.id).id == second.id
    assert (demo_project / first.path).exists()

    project.undo()  # back to the old text: the old take is current again, from the cache
    assert voicing.line_state(line.id) in ("draft", "stale")
    result = voicing.render_line(line.id, NullState())
    assert result.cached and len(sine_engine.texts) == 2


def test_voice_and_speed_are_part_of_the_request(demo_project, sine_registry):
    voicing = _voicing(demo_project, sine_registry)
    project = voicing.project
    line = project.lines[0]
    base = voicing.request_for(line.id).cache_key()
    project.set_line_voice(line.id, "bm_sine")
    high = voicing.request_for(line.id).cache_key()
    project.set_line_speed(line.id, 1.25)
    faster = voicing.request_for(line.id).cache_key()
    assert len({base, high, faster}) == 3


def test_an_empty_line_is_refused_with_a_sentence(demo_project, sine_registry):
    voicing = _voicing(demo_project, sine_registry)
    new_id = voicing.project.insert_line(voicing.project.lines[0].id, "")
    with pytest.raises(EngineError, match="empty"):
        voicing.request_for(new_id)


def test_a_cancelled_render_leaves_no_take_file(demo_project, sine_registry, sine_engine):
    voicing = _voicing(demo_project, sine_registry)
    line = voicing.project.lines[0]

    class CancelAfterFirstPiece(NullState):
        def __init__(self):
            self.calls = 0

        def set_progress(self, fraction, message=""):
            self.calls += 1

        def is_cancelled(self):
            return self.calls >= 1

    voicing.project.edit_line(line.id, "word " * 60)
    with pytest.raises(Cancelled):
        voicing.render_line(line.id, CancelAfterFirstPiece())
    assert not list((demo_project / "renders").glob("*.wav"))


def test_renders_run_on_the_model_worker_and_supersede_each_other(demo_project, sine_registry, sine_engine):
    voicing = _voicing(demo_project, sine_registry)
    project = voicing.project
    line = project.lines[0]
    runner = JobRunner()
    outcomes = []
    finished = threading.Event()
    sine_engine.gate.clear()  # hold the first render inside the engine
    try:
        project.edit_line(line.id, "first version of the line " * 4)
        runner.submit(lambda s: voicing.render_line(line.id, s), key=line.id,
                      on_done=lambda r: outcomes.append(("done", r)),
                      on_cancelled=lambda: outcomes.append(("cancelled", None)))
        project.edit_line(line.id, "second version")
        request = voicing.request_for(line.id)
        runner.submit(lambda s: voicing.render_line(line.id, s, request), key=line.id,
                      on_done=lambda r: (outcomes.append(("done", r)), finished.set()))
        sine_engine.gate.set()
        assert finished.wait(10)
    finally:
        runner.shutdown()
    assert outcomes[0] == ("cancelled", None)
    assert outcomes[-1][0] == "done" and outcomes[-1][1].request.text == "second version"
    assert len(outcomes) == 2
    assert all(thread is not threading.main_thread() for thread in sine_engine.threads)
