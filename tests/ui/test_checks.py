"""The self-check in the editor: after a take renders it is listened to, and what differs
is marked on the line's row and underlined in the inspector."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QApplication

from scripted_listener import ScriptedListener
from studio.errors import MissingWeights
from studio.ui.script.editor import CHECK, STATE_COLUMN
from ui_helpers import badge


@pytest.fixture
def listener(registry, settings):
    heard = ScriptedListener()
    registry.register("whisper", lambda: heard)
    settings.check_takes = True
    return heard


def _render(studio, qtbot, line):
    studio.editor.select_line(line)
    studio.voice.preview(line)
    qtbot.waitUntil(lambda: badge(studio, line) == "draft", timeout=3000)


def test_a_take_that_says_its_line_passes_the_check(studio, listener, qtbot):
    line = studio.editor.line_ids()[2]
    listener.hears = studio.project.line(line).text
    _render(studio, qtbot, line)
    qtbot.waitUntil(lambda: studio.project.check_state(line) == "passed", timeout=3000)
    item = studio.editor.item_for(line)
    qtbot.waitUntil(lambda: item.data(STATE_COLUMN, CHECK) == "passed", timeout=3000)
    assert listener.threads[0] is not threading.main_thread()
    inspector = studio.editor.inspector
    assert inspector.check_view.underlined() == []
    assert inspector.check_view.note.text().startswith("✓")


def test_a_failed_check_underlines_the_differing_words(studio, listener, qtbot, artifacts_dir):
    line = studio.editor.line_ids()[2]
    assert studio.project.line(line).text == "Write a line, and you hear it a moment later."
    listener.hears = "Write a lion, and you hear it later."
    _render(studio, qtbot, line)
    qtbot.waitUntil(lambda: studio.project.check_state(line) == "failed", timeout=3000)
    item = studio.editor.item_for(line)
    qtbot.waitUntil(lambda: item.data(STATE_COLUMN, CHECK) == "failed", timeout=3000)
    assert "Check failed (30% of words differ)" in item.toolTip(STATE_COLUMN)

    view = studio.editor.inspector.check_view
    assert view.underlined() == [("line", "Heard “lion”"), ("a moment", "Not heard: “a moment”")]
    selections = studio.editor.inspector.text.extraSelections()
    assert [s.cursor.selectedText() for s in selections] == ["line", "a moment"]
    assert all(s.format.underlineStyle() == s.format.UnderlineStyle.WaveUnderline for s in selections)
    assert view.note.isVisible() and "Check failed" in view.note.text()
    assert "Check failed" in studio.status.message.text()
    studio.editor.inspector.grab().save(str(artifacts_dir / "inspector-check-failed.png"))
    studio.grab().save(str(artifacts_dir / "window-check-failed.png"))


def test_an_edited_line_drops_the_old_underlines(studio, listener, qtbot):
    line = studio.editor.line_ids()[0]
    listener.hears = "Something else entirely."
    _render(studio, qtbot, line)
    view = studio.editor.inspector.check_view
    qtbot.waitUntil(lambda: bool(view.underlined()), timeout=3000)
    studio.project.edit_line(line, "New words for this line.")
    assert view.underlined() == [] and not view.note.isVisible()
    assert studio.editor.item_for(line).data(STATE_COLUMN, CHECK) is None


def test_without_whisper_weights_the_studio_says_so_once(studio, listener, qtbot):
    listener.fail_with = MissingWeights("Whisper weights are not on this machine: open Models to add whisper-tiny.en (78 MB).")
    first, second = studio.editor.line_ids()[:2]
    _render(studio, qtbot, first)
    qtbot.waitUntil(lambda: "Whisper weights" in studio.status.message.text(), timeout=3000)
    assert studio.status.message.text().startswith("Takes are not checked: Whisper weights are not on this machine")
    assert QApplication.activeModalWidget() is None
    qtbot.waitUntil(lambda: not studio.jobs.busy, timeout=3000)
    _render(studio, qtbot, second)
    qtbot.waitUntil(lambda: not studio.jobs.busy, timeout=3000)
    assert len(listener.calls) == 1  # not tried again at every render
    assert studio.project.check_state(first) == "unchecked"


def test_checks_can_be_turned_off(studio, listener, settings, qtbot):
    settings.check_takes = False
    line = studio.editor.line_ids()[1]
    _render(studio, qtbot, line)
    qtbot.waitUntil(lambda: not studio.jobs.busy, timeout=3000)
    assert listener.calls == []
    listener.hears = studio.project.line(line).text
    studio.voice_tools.actions.check_line.trigger()  # by hand it still works
    qtbot.waitUntil(lambda: studio.project.check_state(line) == "passed", timeout=3000)


def test_a_paid_transcription_engine_never_listens_by_itself(studio, listener, qtbot, server):
    """Routed to a hosted engine, renders are not checked (no money spent unasked); the studio says why once."""
    studio.project.manifest.set_route("stt", draft="openai-stt")
    first, second = studio.editor.line_ids()[:2]
    _render(studio, qtbot, first)
    qtbot.waitUntil(lambda: "not checked by themselves" in studio.status.message.text(), timeout=3000)
    assert "openai-stt, a paid service" in studio.status.message.text()
    _render(studio, qtbot, second)
    qtbot.waitUntil(lambda: not studio.jobs.busy, timeout=3000)
    qtbot.wait(50)
    assert studio.status.message.text().startswith("Line 2:")  # said once, not at every render
    assert listener.calls == [] and server.hits == []  # nothing listened, nothing sent
    assert studio.project.check_state(first) == "unchecked"
