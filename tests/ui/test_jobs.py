"""QtJobs: worker callbacks arrive on the UI thread; newer jobs supersede; shutdown joins."""

from __future__ import annotations

import threading

from studio.errors import Cancelled, EngineError
from studio.ui.shell.jobs import QtJobs


def test_callbacks_run_on_the_ui_thread(qtbot):
    jobs = QtJobs()
    seen = {}

    def work(state):
        seen["worker"] = threading.current_thread()
        state.set_progress(0.5, "half way")
        return 42

    def done(result):
        seen["done"] = (result, threading.current_thread())

    with qtbot.waitSignal(jobs.busy_changed, check_params_cb=lambda busy: not busy):
        with qtbot.waitSignal(jobs.progress, check_params_cb=lambda key, f, m: m == "half way"):
            jobs.start(work, "answer", "Answering", done)
    jobs.shutdown()
    assert seen["worker"] is not threading.main_thread()
    assert seen["done"] == (42, threading.main_thread())
    assert not jobs.busy


def test_a_newer_job_with_the_same_key_cancels_the_older(qtbot):
    jobs = QtJobs()
    release = threading.Event()
    outcome = []

    def slow(state):
        while not release.wait(0.005):
            if state.is_cancelled():
                raise Cancelled()
        return "slow"

    jobs.start(slow, "line:1", "first", outcome.append, on_cancelled=lambda: outcome.append("cancelled"))
    with qtbot.waitSignal(jobs.finished, timeout=3000):
        jobs.start(lambda state: "second", "line:1", "second", outcome.append)
    release.set()
    jobs.shutdown()
    assert outcome == ["cancelled", "second"]


def test_errors_reach_on_error_and_studio_errors_from_callbacks_become_problems(qtbot):
    jobs = QtJobs()
    errors = []

    def fail(state):
        raise EngineError("The engine broke.")

    with qtbot.waitSignal(jobs.failed):
        jobs.start(fail, "x", "failing", on_error=errors.append)
    assert [e.message for e in errors] == ["The engine broke."]

    def done(_result):
        raise EngineError("The take could not be recorded.")

    with qtbot.waitSignal(jobs.problem) as problem:
        jobs.start(lambda state: 1, "y", "fine", done)
    assert problem.args == ["The take could not be recorded."]
    jobs.shutdown()


def test_shutdown_cancels_running_work_and_leaves_no_thread(qtbot):
    jobs = QtJobs()
    started = threading.Event()

    def forever(state):
        started.set()
        while not state.is_cancelled():
            state.is_cancelled()
            threading.Event().wait(0.005)
        raise Cancelled()

    jobs.start(forever, "long", "forever")
    assert started.wait(2)
    jobs.shutdown()
    assert not [t for t in threading.enumerate() if t.name.startswith("stitch-")]
    assert jobs.start(lambda state: 1, "after", "too late") is None
