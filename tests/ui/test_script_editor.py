"""The script tree: keyboard, long and unusual lines, and keeping the creator's place."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from studio.ui.script.editor import TREE_TEXT_LIMIT
from ui_helpers import badge


def write_script(folder, text: str):
    folder.mkdir()
    (folder / "script.md").write_text(text, encoding="utf-8")
    return folder


def test_arrow_keys_step_over_scene_rows_and_enter_goes_to_the_text(studio, qtbot):
    ids = studio.editor.line_ids()
    tree = studio.editor.tree
    tree.setFocus()
    studio.editor.select_line(ids[1])
    qtbot.keyClick(tree, Qt.Key.Key_Down)  # over the heading "How the studio works"
    assert studio.editor.current_line() == ids[2]
    qtbot.keyClick(tree, Qt.Key.Key_Up)
    assert studio.editor.current_line() == ids[1]
    studio.editor.select_line(ids[0])
    qtbot.keyClick(tree, Qt.Key.Key_Up)  # nothing above the first line but its heading
    assert studio.editor.current_line() == ids[0]
    assert studio.editor.inspector.heading.text() == "Line 1 of 5 · Why local models?"
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert studio.editor.inspector.text.hasFocus()


def test_long_emoji_and_right_to_left_lines(window, tmp_path, qtbot):
    long_line = " ".join(["A very long line that goes on."] * 700)  # ~21,000 characters
    folder = write_script(tmp_path / "Unusual", "# Odd ones\n\n" + long_line + "\n\n"
                          "Rockets 🚀 and sparkles ✨ are fine.\n\n"
                          "שלום עולם, זה משפט בעברית.\n\nمرحبا بالعالم.\n")
    started = time.perf_counter()
    assert window.open_folder(folder)
    qtbot.waitUntil(lambda: window.voice.ready, timeout=5000)
    window.editor.tree.viewport().repaint()
    assert time.perf_counter() - started < 5.0  # a frozen tree would take far longer
    ids = window.editor.line_ids()
    first = window.editor.item_for(ids[0]).text(1)
    assert len(first) <= TREE_TEXT_LIMIT and first.endswith("…")
    assert window.editor.inspector.text.toPlainText() == long_line
    assert window.editor.item_for(ids[1]).text(1) == "Rockets 🚀 and sparkles ✨ are fine."
    window.editor.select_line(ids[2])
    assert window.editor.inspector.text.toPlainText() == "שלום עולם, זה משפט בעברית."
    assert window.editor.item_for(ids[3]).text(1) == "مرحبا بالعالم."
    window.grab()  # paints every row without hanging on the long one


def test_a_line_update_keeps_the_selection_and_the_scroll(window, tmp_path, qtbot, engine):
    paragraphs = "\n\n".join(f"Line number {n} of a longer script." for n in range(80))
    folder = write_script(tmp_path / "Long script", "# One\n\n" + paragraphs + "\n")
    assert window.open_folder(folder)
    qtbot.waitUntil(lambda: window.voice.ready, timeout=5000)
    ids = window.editor.line_ids()
    window.editor.select_line(ids[70])
    tree = window.editor.tree
    bar = tree.verticalScrollBar()
    scroll = bar.value()
    assert scroll > 0
    on_screen = tree.visualItemRect(window.editor.item_for(ids[70])).top()
    window.voice.preview(ids[71])  # another line renders and changes its row
    qtbot.waitUntil(lambda: badge(window, ids[71]) == "draft", timeout=3000)
    window.project.edit_line(ids[72], "Changed from elsewhere.")
    assert window.editor.current_line() == ids[70]
    assert bar.value() == scroll
    window.project.insert_line(ids[5], "A new line near the top.")  # the structure changed: rebuilt
    assert window.editor.current_line() == ids[70]
    assert tree.visualItemRect(window.editor.item_for(ids[70])).top() == on_screen


def test_a_narrow_tree_gives_the_words_the_room(studio, qtbot):
    from studio.ui.script.editor import SPEED_COLUMN, STATE_COLUMN, TEXT_COLUMN, VOICE_COLUMN

    tree = studio.editor.tree
    studio.editor.setSizes([380, 900])
    qtbot.waitUntil(lambda: tree.isColumnHidden(VOICE_COLUMN), timeout=2000)
    assert tree.isColumnHidden(SPEED_COLUMN)
    header = tree.header()
    assert header.sectionSize(TEXT_COLUMN) >= tree.viewport().width() - header.sectionSize(STATE_COLUMN) - 2
    studio.resize(1800, studio.height())
    studio.editor.setSizes([1100, 500])
    qtbot.waitUntil(lambda: not tree.isColumnHidden(VOICE_COLUMN), timeout=2000)
    assert not tree.isColumnHidden(SPEED_COLUMN)


def test_at_the_smallest_window_the_script_keeps_room_for_its_words(studio, qtbot):
    from PySide6.QtWidgets import QApplication

    from studio.ui.script.editor import TREE_MIN_WIDTH

    QApplication.processEvents()
    studio.resize(studio.minimumSizeHint().width(), studio.height())
    QApplication.processEvents()
    assert studio.editor.tree.width() >= TREE_MIN_WIDTH  # it used to shrink to ~75 px ("Why l")
