"""The window's menus and shortcuts: File, Edit, Voice, View, Tools.

Shortcuts were chosen not to collide with text editing in the line inspector:
Ctrl+Enter plays, Esc stops, Ctrl+Shift+Enter adds a line below the selected one.
Ctrl+1, Ctrl+2 and Ctrl+3 take the keyboard to the script, the timeline and the images.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from studio.ui.compare import window as compare_window
from studio.ui.money import cost_panel
from studio.ui.models import window as models_window
from studio.ui.settings import dialog as settings_dialog


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
    # Issue 6 (premium renders, costs, settings, models); filled in by build_menus.
    render_final: QAction | None = None
    project_settings: QAction | None = None
    costs: QAction | None = None
    models: QAction | None = None
    plan: QAction | None = None  # Tools ▸ Plan…; the script editor's Plan… button triggers it


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

    render_final = action(voice, "Render &Final…", lambda: window.final.render_selected(), "Ctrl+Shift+F",
                          tip="Render the selected line with the project's final engine, after seeing its price")
    edit.addSeparator()
    project_settings = action(edit, "Project &Settings…", lambda: settings_dialog.open_settings(window), "Ctrl+,",
                              tip="Draft and final engines per task, their settings and keys, the budget")
    view = bar.addMenu("V&iew")
    from studio.ui.script import reading

    action(view, "How the Studio &Reads Your Script…", lambda: reading.show_reading(window),
           tip="The title, scenes, spoken lines and what is not spoken, as the studio understood them")
    costs = action(view, "&Costs", lambda: cost_panel.show_costs(window), "Ctrl+Shift+K",
                   tip="What this project spent, and what drafting locally saved")
    tools = bar.addMenu("&Tools")
    models = action(tools, "&Models…", lambda: models_window.show_models(window),
                    tip="The models on this machine: download, remove, register a folder")
    from studio.ui.plan import dialog as plan_dialog

    plan = action(tools, "&Plan…", lambda: plan_dialog.open_plan(window), "Ctrl+Shift+P",
           tip="A language model plans prompts, pronunciations and line direction; apply what you choose")
    action(tools, "&Compare Engines…", lambda: compare_window.show_compare(window),
           tip="Try another voice engine on this project's own lines before switching")

    return Actions(open_folder, open_demo, save, quit_, undo, redo, new_line, new_scene,
                   delete_line, play_line, stop, render_all,
                   render_final=render_final, project_settings=project_settings, costs=costs, models=models,
                   plan=plan)


def add_go_to(window) -> list[QAction]:
    """View ▸ Go to …: the keyboard reaches each pane (its dock shown and raised if it was closed)."""
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "V&iew")
    view.addSeparator()
    panes = (("Go to &Script", "Ctrl+1", None, lambda: window.editor.tree),
             ("Go to &Timeline", "Ctrl+2", lambda: window.timeline.dock, lambda: window.timeline.view),
             ("Go to &Images", "Ctrl+3", lambda: window.images.dock, lambda: window.images.prompt))
    actions = []
    for text, key, dock, target in panes:
        act = QAction(text, window)
        act.setShortcut(QKeySequence(key))
        act.triggered.connect(lambda _checked=False, d=dock, t=target: _go_to(d and d(), t()))
        view.addAction(act)
        actions.append(act)
    return actions


def _go_to(dock, widget) -> None:
    if dock is not None:
        dock.show()
        dock.raise_()
    widget.setFocus(Qt.FocusReason.ShortcutFocusReason)


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
