"""The status bar: a running job's sentence goes when the job is done; a result's sentence stays."""

from __future__ import annotations


def _wait_idle(window, qtbot):
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=5000)


def test_a_finished_jobs_sentence_does_not_stand(window, qtbot):
    def read(state):
        state.set_progress(0.5, "Reading the picture…")
        return 1

    window.jobs.start(read, "io:test", "Reading the picture", lane="io")
    qtbot.waitUntil(lambda: window.status.message.text() == "Reading the picture…" or not window.jobs.busy,
                    timeout=5000)
    _wait_idle(window, qtbot)
    assert window.status.message.text() == ""


def test_what_a_job_says_when_done_stays(window, qtbot):
    window.jobs.start(lambda state: 3, "io:test", "Importing", lambda n: window.say(f"{n} lines imported."), lane="io")
    _wait_idle(window, qtbot)
    qtbot.wait(50)
    assert window.status.message.text() == "3 lines imported."


def test_a_sentence_said_while_a_job_runs_stays(window, qtbot):
    import threading

    release = threading.Event()
    window.jobs.start(lambda state: release.wait(5), "io:test", "Waiting", lane="io")
    qtbot.waitUntil(lambda: window.jobs.busy, timeout=5000)
    window.say("Saved.")
    release.set()
    _wait_idle(window, qtbot)
    assert window.status.message.text() == "Saved."
