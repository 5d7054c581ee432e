"""The window warms the transcription engine at the first quiet moment, not as it opens:
loading Whisper holds Python's lock long enough for the window to stall."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from studio.project.project import Project
from studio.ui.voice import checks
from studio.ui.voice.checks import TakeChecks


class Voice(QObject):
    engine_ready = Signal(object)
    take_rendered = Signal(object)

    def __init__(self, project):
        super().__init__()
        self.project = project
        self.busy = False

    def rendering(self) -> bool:
        return self.busy


class Jobs:
    """Runs a job at once on the caller's thread and remembers its key."""

    busy = False

    def __init__(self):
        self.started: list[str] = []

    def start(self, fn, key, label, on_done=None, on_error=None):
        self.started.append(key)
        try:
            result = fn(type("State", (), {"is_cancelled": lambda self: False,
                                           "set_progress": lambda self, f, m="": None})())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller as the real jobs do
            on_error and on_error(exc)
            return object()
        on_done and on_done(result)
        return object()

    def running(self, key):
        return False


class Listener:
    id, task, local, label = "whisper", "stt", True, "Warmed"

    def __init__(self):
        self.loads = 0

    def load(self, state):
        self.loads += 1

    def unload(self):
        pass


@pytest.fixture
def setup(tmp_path, sine_registry, monkeypatch, qtbot):
    monkeypatch.setattr(checks, "IDLE_MS", 200)
    folder = tmp_path / "Idle"
    folder.mkdir()
    (folder / "script.md").write_text("# One\n\nA line.\n", encoding="utf-8")
    project = Project.open(folder)
    listener = Listener()
    sine_registry.register("whisper", lambda: listener)
    voice, jobs = Voice(project), Jobs()
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    qtbot.waitExposed(field)
    take_checks = TakeChecks(jobs, voice, sine_registry, type("Settings", (), {"check_takes": True})())
    yield take_checks, voice, jobs, listener, field
    project.close()


def test_nothing_loads_while_the_creator_types_then_it_loads_once_when_quiet(setup, qtbot):
    take_checks, voice, jobs, listener, field = setup
    voice.engine_ready.emit(None)
    assert listener.loads == 0  # not as the window opens
    for _ in range(6):  # 6 × 100 ms of typing, each key sooner than the 200 ms of quiet needed
        QTest.keyClick(field, Qt.Key.Key_A)
        qtbot.wait(100)
    assert listener.loads == 0 and field.text() == "aaaaaa"
    qtbot.waitUntil(lambda: listener.loads == 1, timeout=2000)
    assert jobs.started == ["check-warm-up"]
    voice.engine_ready.emit(None)  # the voice engine restarts: the same project is not warmed twice
    qtbot.wait(400)
    assert listener.loads == 1


def test_it_waits_for_a_render_to_end(setup, qtbot):
    take_checks, voice, jobs, listener, field = setup
    voice.busy = True
    voice.engine_ready.emit(None)
    qtbot.wait(500)
    assert listener.loads == 0
    voice.busy = False
    qtbot.waitUntil(lambda: listener.loads == 1, timeout=2000)


def test_mouse_moves_count_as_activity(setup, qtbot):
    take_checks, voice, jobs, listener, field = setup
    voice.engine_ready.emit(None)
    for x in range(5):
        QTest.mouseMove(field, QPoint(5 + x * 3, 5))
        qtbot.wait(100)
    assert listener.loads == 0
    qtbot.waitUntil(lambda: listener.loads == 1, timeout=2000)


def test_checks_turned_off_warm_nothing(setup, qtbot):
    take_checks, voice, jobs, listener, field = setup
    take_checks.settings.check_takes = False
    voice.engine_ready.emit(None)
    qtbot.wait(400)
    assert listener.loads == 0 and jobs.started == []
