"""The job runner: results, errors, progress, cancel and supersession, on real threads."""

from __future__ import annotations

import threading

import pytest

from studio.errors import Cancelled, EngineError
from studio.jobs.runner import JobRunner


@pytest.fixture
def runner():
    r = JobRunner()
    yield r
    r.shutdown(wait=True)


def _collect():
    events = []
    done = threading.Event()

    def on(kind):
        def callback(*args):
            events.append((kind, *args))
            if kind in ("done", "error", "cancelled"):
                done.set()
        return callback

    return events, done, on


def test_result_and_progress_reach_the_callbacks_from_a_worker_thread(runner):
    events, done, on = _collect()
    main = threading.get_ident()
    seen_threads = []

    def work(state):
        seen_threads.append(threading.get_ident())
        for i in range(3):
            state.set_progress((i + 1) / 3, f"step {i + 1}")
        return 42

    runner.submit(work, on_progress=on("progress"), on_done=on("done"), on_error=on("error"))
    assert done.wait(5)
    assert events[-1] == ("done", 42)
    assert [e[1] for e in events if e[0] == "progress"] == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert seen_threads and seen_threads[0] != main


def test_an_error_is_handed_to_on_error_not_swallowed(runner):
    events, done, on = _collect()

    def work(state):
        raise EngineError("Kokoro weights are not on this machine.")

    runner.submit(work, on_done=on("done"), on_error=on("error"))
    assert done.wait(5)
    kind, exc = events[-1]
    assert kind == "error" and str(exc) == "Kokoro weights are not on this machine."


def test_a_newer_job_with_the_same_key_supersedes_the_running_one(runner):
    started = threading.Event()
    release = threading.Event()
    first_events, first_done, on1 = _collect()
    second_events, second_done, on2 = _collect()

    def slow(state):
        started.set()
        while not state.is_cancelled():
            release.wait(0.01)
        raise Cancelled()

    runner.submit(slow, key="line:a", on_done=on1("done"), on_cancelled=on1("cancelled"))
    assert started.wait(5)
    runner.submit(lambda state: "fresh", key="line:a", on_done=on2("done"), on_cancelled=on2("cancelled"))
    assert first_done.wait(5) and second_done.wait(5)
    assert first_events == [("cancelled",)]
    assert second_events == [("done", "fresh")]


def test_a_queued_job_superseded_before_it_starts_reports_cancelled_and_never_runs(runner):
    gate = threading.Event()
    ran = []
    events, done, on = _collect()
    runner.submit(lambda s: gate.wait(5), key="blocker")
    runner.submit(lambda s: ran.append("old"), key="line:b", on_cancelled=on("cancelled"))
    runner.submit(lambda s: ran.append("new"), key="line:b")
    gate.set()
    assert done.wait(5)
    runner.shutdown(wait=True)
    assert ran == ["new"]
    assert events == [("cancelled",)]


def test_jobs_with_other_keys_are_left_alone_and_cancel_all_stops_everything(runner):
    events, done, on = _collect()
    gate = threading.Event()

    def wait_for_cancel(state):
        gate.set()
        while not state.is_cancelled():
            threading.Event().wait(0.01)
        raise Cancelled()

    runner.submit(wait_for_cancel, key="line:a", on_cancelled=on("cancelled"))
    assert gate.wait(5)
    assert [j.key for j in runner.active()] == ["line:a"]
    runner.cancel_all()
    assert done.wait(5)
    assert events == [("cancelled",)]
    assert not runner.busy()
