"""The window's menus and shortcuts: File, Edit, Voice.

Shortcuts were chosen not to collide with text editing in the line inspector:
Ctrl+Enter plays, Esc stops, Ctrl+Shift+Enter adds a line below the selected one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence


@dataclass
class Actions:
    open_folder: QAction
    open_demo: QAction
    save: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    new_line: QAction
    new_scene: QAction
    delete_line: QAction
    play_line: QAction
    stop: QAction
    render_all: QAction


def build_menus(window) -> Actions:
    bar = window.menuBar()

    def action(menu, text: str, slot, *keys, tip: str = "") -> QAction:
        act = QAction(text, window)
        if keys:
            act.setShortcuts([QKeySequence(k) for k in keys])
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.triggered.connect(lambda _checked=False: slot())
        menu.addAction(act)
        return act

    file = bar.addMenu("&File")
    open_folder = action(file, "&Open Folder…", window.choose_folder, QKeySequence.StandardKey.Open)
    recent = file.addMenu("Open &Recent")
    recent.aboutToShow.connect(lambda: _fill_recent(window, recent))
    open_demo = action(file, "Open the &Demo", window.open_demo)
    file.addSeparator()
    save = action(file, "&Save", window.save, QKeySequence.StandardKey.Save)
    file.addSeparator()
    quit_ = action(file, "&Quit", window.close, "Ctrl+Q")

    edit = bar.addMenu("&Edit")
    undo = action(edit, "&Undo", window.undo, QKeySequence.StandardKey.Undo)
    redo = action(edit, "&Redo", window.redo, "Ctrl+Shift+Z", "Ctrl+Y")
    edit.addSeparator()
    new_line = action(edit, "New &Line", window.new_line, "Ctrl+Shift+Return", "Ctrl+Shift+Enter",
                      tip="Add an empty line below the selected one")
    new_scene = action(edit, "New &Scene…", window.new_scene, "Ctrl+Shift+N")
    delete_line = action(edit, "&Delete Line", window.delete_line, "Ctrl+Shift+Backspace",
                         tip="Delete the selected line (Undo brings it back)")

    voice = bar.addMenu("&Voice")
    play_line = action(voice, "&Play Line", window.play_line, "Ctrl+Return", "Ctrl+Enter",
                       tip="Play the selected line, rendering it first if needed")
    stop = action(voice, "&Stop", window.stop, "Esc", tip="Stop playback and cancel renders")
    voice.addSeparator()
    render_all = action(voice, "&Render All Lines", window.render_all, "Ctrl+Shift+R",
                        tip="Render every line without a current take")

    return Actions(open_folder, open_demo, save, quit_, undo, redo, new_line, new_scene,
                   delete_line, play_line, stop, render_all)


def _fill_recent(window, menu) -> None:
    menu.clear()
    folders = [f for f in window.settings.recent_projects if Path(f).is_dir()]
    for folder in folders:
        act = menu.addAction(Path(folder).name)
        act.setToolTip(folder)
        act.setStatusTip(folder)
        act.triggered.connect(lambda _checked=False, f=folder: window.open_folder(f))
    if not folders:
        menu.addAction("No recent projects").setEnabled(False)
