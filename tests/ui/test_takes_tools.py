"""Takes side by side and cleaned up, the pronunciation dictionary and voice blends, from the window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from studio.ui.voice import tools as voice_tools
from studio.ui.script.takes_list import TAKE_ID
from ui_helpers import badge


def _two_takes(studio, qtbot, line):
    """The line rendered with af_sine, then bm_sine (chosen): two takes that sound different."""
    inspector = studio.editor.inspector
    studio.editor.select_line(line)
    studio.voice.preview(line)
    qtbot.waitUntil(lambda: len(studio.project.takes_for(line)) == 1, timeout=3000)
    inspector.voice_choice.setCurrentIndex(inspector.voice_choice.findData("bm_sine"))
    qtbot.waitUntil(lambda: len(studio.project.takes_for(line)) == 2, timeout=3000)
    qtbot.waitUntil(lambda: not studio.jobs.busy, timeout=3000)
    return studio.project.ab_pair(line)


def _select_take(studio, take_id):
    takes = studio.editor.inspector.takes
    for i in range(takes.topLevelItemCount()):
        if takes.topLevelItem(i).data(0, TAKE_ID) == take_id:
            takes.setCurrentItem(takes.topLevelItem(i))
            takes.setFocus()
            return
    raise AssertionError(f"take {take_id} is not listed")


def test_a_toggles_between_the_chosen_and_the_previous_take(studio, qtbot):
    line = studio.editor.line_ids()[1]
    chosen, previous = _two_takes(studio, qtbot, line)
    assert chosen.voice == "bm_sine" and previous.voice == "af_sine"
    takes = studio.editor.inspector.takes
    takes.setFocus()
    qtbot.keyClick(takes, Qt.Key.Key_A)
    assert studio.player.source == studio.project.folder / chosen.path
    qtbot.keyClick(takes, Qt.Key.Key_A)
    assert studio.player.source == studio.project.folder / previous.path
    studio.voice_tools.actions.compare_takes.trigger()  # Ctrl+B, from anywhere in the window
    assert studio.player.source == studio.project.folder / chosen.path
    assert studio.status.message.text() == "A: the chosen take."


def test_enter_on_a_take_uses_it(studio, qtbot):
    line = studio.editor.line_ids()[1]
    chosen, previous = _two_takes(studio, qtbot, line)
    _select_take(studio, previous.id)
    qtbot.keyClick(studio.editor.inspector.takes, Qt.Key.Key_Return)
    assert studio.project.chosen_take(line).id == previous.id


def test_delete_throws_a_take_away_and_undo_brings_it_back(studio, qtbot):
    line = studio.editor.line_ids()[1]
    chosen, previous = _two_takes(studio, qtbot, line)
    wav = studio.project.folder / previous.path
    _select_take(studio, previous.id)
    qtbot.keyClick(studio.editor.inspector.takes, Qt.Key.Key_Delete)
    assert [t.id for t in studio.project.takes_for(line)] == [chosen.id]
    assert not wav.exists() and studio.project.trash_size() > 0
    assert studio.editor.inspector.takes.topLevelItemCount() == 1
    studio.actions.undo.trigger()
    assert {t.id for t in studio.project.takes_for(line)} == {chosen.id, previous.id}
    assert wav.is_file()
    assert studio.editor.inspector.takes.topLevelItemCount() == 2
    assert studio.project.chosen_take(line).id == chosen.id


def test_keep_only_chosen_takes_then_empty_the_trash(studio, qtbot, monkeypatch):
    first, second = studio.editor.line_ids()[:2]
    _two_takes(studio, qtbot, first)
    _two_takes(studio, qtbot, second)
    studio.editor.select_line(first)
    studio.voice_tools.actions.keep_chosen_line.trigger()
    assert len(studio.project.takes_for(first)) == 1 and len(studio.project.takes_for(second)) == 2
    studio.voice_tools.actions.keep_chosen_all.trigger()
    assert len(studio.project.takes_for(second)) == 1
    assert "moved to the trash" in studio.status.message.text()
    studio.menuBar().actions()[0].menu().aboutToShow.emit()  # File: the trash's size is shown
    assert studio.voice_tools.actions.empty_trash.text().startswith("Empty &Trash (")
    assert studio.voice_tools.actions.empty_trash.isEnabled()
    monkeypatch.setattr(voice_tools, "ask_empty_trash", lambda *_args: True)
    studio.voice_tools.actions.empty_trash.trigger()
    assert studio.project.trash_size() == 0
    assert studio.status.message.text().startswith("Trash emptied")
    assert {badge(studio, line) for line in (first, second)} == {"draft"}


def test_a_pronunciation_marks_only_the_lines_that_say_the_word_stale(studio, engine, qtbot):
    engine.accepts_pronunciation = True  # a Kokoro-like engine: entries go into the request
    studio.actions.render_all.trigger()
    qtbot.waitUntil(lambda: not studio.jobs.busy, timeout=5000)
    ids = studio.editor.line_ids()
    assert {badge(studio, line) for line in ids} == {"draft"}

    dialog = studio.voice_tools.show_pronunciation()
    qtbot.keyClicks(dialog.word, "stitching")
    qtbot.keyClicks(dialog.said, "STITCH-ing")
    qtbot.keyClick(dialog.said, Qt.Key.Key_Return)
    assert studio.project.pronunciations() == {"stitching": "STITCH-ing"}
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=1000)
    assert dialog.table.item(0, 2).text() == "1"  # said by one line
    assert [badge(studio, line) for line in ids] == ["draft"] * 4 + ["stale"]

    studio.actions.undo.trigger()
    assert [badge(studio, line) for line in ids] == ["draft"] * 5
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0, timeout=1000)
    studio.actions.redo.trigger()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=1000)

    dialog.table.setCurrentCell(0, 0)
    dialog.remove_selected()
    assert studio.project.pronunciations() == {}
    qtbot.keyClicks(dialog.word, "local")
    qtbot.keyClick(dialog.add_button, Qt.Key.Key_Space)  # no way to say it: the sentence, no change
    assert dialog.message.isVisible() and "Say how to pronounce" in dialog.message.text()
    assert studio.project.pronunciations() == {}
    dialog.close()


def test_a_saved_blend_is_a_voice_of_its_own(studio, engine, qtbot):
    dialog = studio.voice_tools.show_blends()
    assert list(dialog.rows) == ["af_sine", "bm_sine"]
    dialog.rows["af_sine"][0].setValue(70)
    dialog.rows["bm_sine"][0].setValue(30)
    assert dialog.spec() == "af_sine:0.7,bm_sine:0.3"
    qtbot.keyClicks(dialog.name, "Warm narrator")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    assert studio.project.blends() == {"Warm narrator": "af_sine:0.7,bm_sine:0.3"}
    assert dialog.saved.count() == 1

    line = studio.editor.line_ids()[3]
    studio.editor.select_line(line)
    combo = studio.editor.inspector.voice_choice
    index = combo.findData("Warm narrator")
    assert index == 1  # named blends come first
    combo.setCurrentIndex(index)
    qtbot.waitUntil(lambda: badge(studio, line) == "draft", timeout=3000)
    take = studio.project.chosen_take(line)
    assert take.voice == "af_sine:0.7,bm_sine:0.3"
    assert take.request["voice"] == "af_sine:0.7,bm_sine:0.3"

    assert dialog.preview()
    qtbot.waitUntil(lambda: studio.player.source is not None and studio.player.source.name == "blend.wav", timeout=3000)
    assert engine.texts[-1] == dialog.phrase.text()
    assert len(studio.project.takes_for(line)) == 1  # a preview is not a take
    dialog.close()


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_captions_export_from_checked_takes(studio, registry, settings, qtbot, tmp_path, fmt):
    from scripted_listener import ScriptedListener

    heard = ScriptedListener()
    registry.register("whisper", lambda: heard)
    settings.check_takes = True
    line = studio.editor.line_ids()[2]
    heard.hears = studio.project.line(line).text
    studio.voice.preview(line)
    qtbot.waitUntil(lambda: studio.project.check_state(line) == "passed", timeout=3000)
    target = tmp_path / f"captions.{fmt}"
    assert studio.voice_tools.export_captions(str(target)), studio.status.message.text()
    # The scripted listener times a word every 0.35 s, longer than this short sine take: the
    # captions hold the words heard within the take, in the script's spelling.
    assert "Write a line," in target.read_text(encoding="utf-8")
    assert studio.status.message.text().endswith(f"written to captions.{fmt}.")


def test_import_recording_adds_its_phrases_as_lines(studio, registry, qtbot):
    import numpy as np

    from scripted_listener import ScriptedListener
    from studio.engines.base import Audio
    from studio.jobs.pipeline import encode_wav

    heard = ScriptedListener()
    heard.words_of["interview.wav"] = "Hello and welcome. This is my own voice."
    registry.register("whisper", lambda: heard)
    wav = studio.project.folder / "interview.wav"
    wav.write_bytes(encode_wav(Audio(np.zeros(24000 * 4, dtype=np.float32), 24000, {})))
    before = len(studio.project.lines)
    assert studio.voice_tools.import_recording(str(wav))
    qtbot.waitUntil(lambda: len(studio.project.lines) == before + 2, timeout=3000)
    new = studio.project.lines[-2:]
    assert [line.text for line in new] == ["Hello and welcome.", "This is my own voice."]
    assert studio.editor.current_line() == new[0].id
    assert studio.project.chosen_take(new[0].id).path == "interview.wav"
    assert studio.status.message.text() == "interview.wav: 2 lines imported."
    assert not studio.voice_tools.import_recording(str(wav))  # once is enough
    assert "imported before" in studio.status.message.text()
