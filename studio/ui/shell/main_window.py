"""The studio's window: it assembles the panels (script, voice, images, timeline,
money) under the menus and above the status bar, and keeps them in step.

The project's life (open, recover, close, save, autosave, edits made in another
editor) is in `project_life.py`, what the menu actions do in `actions.py`; both are
mixed into `MainWindow`. Every StudioError is shown as its sentence. Speech goes
through `VoiceControl`; nothing here renders or blocks.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from studio.demo import demo_folder
from studio.errors import StudioError
from studio.project.project import Project
from studio.ui.shell import dialogs
from studio.ui.images.media_bin import install_media_bin
from studio.ui.images.panel import install_image_panel
from studio.ui.shell.jobs import QtJobs
from studio.ui.shell.actions import WindowActions
from studio.ui.shell.menus import add_go_to, build_menus
from studio.ui.shell.project_life import ProjectLife
from studio.ui.voice.player import Player
from studio.ui.money.premium import FinalRender
from studio.ui.script.editor import ScriptEditor
from studio.ui.script.watch import ScriptWatch
from studio.ui.shell.status import StatusLine
from studio.ui.timeline.panel import install_timeline
from studio.ui.voice.control import EngineInfo, VoiceControl
from studio.ui.voice.tools import VoiceTools
from studio.ui.shell.welcome import Welcome

log = logging.getLogger(__name__)

APP_NAME = "Stitch Studio"
AUTOSAVE_AFTER_EDIT_MS = 3000  # the recovery copy follows the typing this closely


class MainWindow(ProjectLife, WindowActions, QMainWindow):
    """The window: it assembles the panels and keeps the title, pages and actions in step."""

    def __init__(self, settings, registry, *, warm_up: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.registry = registry
        self.project: Project | None = None
        self._warm_up_on_open = warm_up
        self._unsubscribe = None
        self._closed = False

        self.jobs = QtJobs(parent=self)
        self.player = Player(self)
        self.voice = VoiceControl(self.jobs, self.player, registry, self)
        self.editor = ScriptEditor(self.voice, settings)
        self.welcome = Welcome()
        self.conflict_bar = dialogs.ConflictBar()
        self._build_central()
        self.status = StatusLine(self.jobs)
        self.setStatusBar(self.status)
        self.status.cancel_clicked.connect(self.stop)
        self.final = FinalRender(self)  # Render final: button, menu, context menu
        self.actions = build_menus(self)
        self.editor.plan_requested.connect(self.actions.plan.trigger)  # the same dialog as Tools ▸ Plan…
        self.images = install_image_panel(self)  # the Images dock: scene prompts and image takes
        self.timeline = install_timeline(self)  # the Timeline dock under the script, File ▸ Export…
        self.timeline.history_changed.connect(self._refresh_actions)
        self.media = install_media_bin(self)  # the Media dock: the folder's pictures and sounds, to drag
        self.go_to = add_go_to(self)  # View ▸ Go to Script / Timeline / Images (Ctrl+1, 2, 3)
        self.voice_tools = VoiceTools(self)  # self-check, A/B, trash, pronunciation, blends, import, captions

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(max(1, int(settings.autosave_seconds)) * 1000)
        self.autosave_timer.timeout.connect(self.autosave)
        # A few seconds after the last edit too, so a crash loses seconds of typing, not minutes.
        self.autosave_soon = QTimer(self)
        self.autosave_soon.setSingleShot(True)
        self.autosave_soon.setInterval(AUTOSAVE_AFTER_EDIT_MS)
        self.autosave_soon.timeout.connect(self.autosave)
        self.editor.inspector.text.textChanged.connect(self._edited)
        self.script_watch = ScriptWatch(self)
        self.script_watch.changed.connect(self.check_disk)

        self.jobs.problem.connect(self.say)
        self.voice.message.connect(self.say)
        self.voice.engine_ready.connect(self._engine_ready)
        self.voice.engine_failed.connect(lambda _text: self.status.engine.setText("No voice engine"))
        self.player.problem.connect(self.say)
        self.editor.line_selected.connect(lambda _line: self._refresh_actions())
        self.editor.inspector.typing_started.connect(self._refresh_actions)
        self.conflict_bar.keep_mine.connect(self._keep_mine)
        self.conflict_bar.load_file.connect(self._load_file_version)
        self.welcome.open_folder.connect(self.choose_folder)
        self.welcome.open_demo.connect(self.open_demo)
        self.welcome.open_recent.connect(self.open_folder)

        self._fit_screen()
        self._show_project_state()
        if settings.problem:
            self.say(settings.problem)

    def _fit_screen(self) -> None:
        """1280×800, or less where the screen has less room (a 1366×768 laptop less its panel)."""
        room = self.screen().availableGeometry()
        self.resize(min(1280, room.width()), min(800, room.height()))

    def _build_central(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(14, 12, 14, 8)
        layout.setSpacing(10)
        layout.addWidget(self.conflict_bar)
        layout.addWidget(self.editor, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(page)
        self.setCentralWidget(self.pages)

    # -- messages ------------------------------------------------------------------------
    def say(self, message: str) -> None:
        """One sentence in the status bar (StudioError messages are shown as they are)."""
        self.status.say(message)

    def _problem(self, exc: StudioError, *, blocking: bool = True) -> None:
        self.say(exc.message)
        if blocking:
            dialogs.show_problem(self, exc.message)

    # -- opening and closing -------------------------------------------------------------
    def choose_folder(self) -> None:
        start = self.project.folder if self.project else Path.home()
        folder = QFileDialog.getExistingDirectory(self, "Open a folder as a project", str(start))
        if folder:
            self.open_folder(folder)

    def open_demo(self) -> None:
        try:
            folder = demo_folder()
        except OSError as exc:
            self.say(f"The demo project could not be copied: {exc.strerror or exc}.")
            return
        self.open_folder(folder)

    def closeEvent(self, event) -> None:
        if not self.close_project():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop every job and timer; after this no thread of the studio is running."""
        if self._closed:
            return
        self._closed = True
        self.autosave_timer.stop()
        self.autosave_soon.stop()
        self.script_watch.clear()
        self.player.close()
        self.jobs.shutdown()
        try:
            self.registry.unload_all()
        except Exception:  # unloading is best effort on the way out
            log.exception("unloading engines failed")

    # -- the script file on disk ---------------------------------------------------------
    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.ActivationChange and self.isActiveWindow():
            self.script_watch.check_soon()  # back from another editor

    # -- keeping the window in step ----------------------------------------------------
    def _show_project_state(self) -> None:
        project = self.project
        if project is None:
            self.setWindowTitle(APP_NAME)
            self.welcome.show_recent(self.settings.recent_projects)
            self.pages.setCurrentWidget(self.welcome)
            self.status.engine.setText("")
        else:
            title = project.title
            self.setWindowTitle(f"{title}{'*' if project.dirty else ''} — {APP_NAME}")
            self.pages.setCurrentWidget(self.pages.widget(1))
        self._refresh_actions()

    def _refresh_actions(self) -> None:
        a, project = self.actions, self.project
        has_project, has_line = project is not None, self.editor.current_line() is not None
        typing = has_project and self.editor.inspector.typing
        timeline = getattr(self, "timeline", None)  # None while the window is being built
        if has_project and timeline is not None and timeline.focused:
            a.undo.setEnabled(timeline.can_undo)
            a.redo.setEnabled(timeline.can_redo)
            a.undo.setText(f"&Undo {timeline.undo_label} (Timeline)" if timeline.can_undo else "&Undo")
            a.redo.setText(f"&Redo {timeline.redo_label} (Timeline)" if timeline.can_redo else "&Redo")
        else:
            a.undo.setEnabled(has_project and (project.can_undo or typing))
            a.redo.setEnabled(has_project and project.can_redo and not typing)
            if typing:
                a.undo.setText("&Undo Edit line")
            else:
                a.undo.setText(f"&Undo {project.undo_label}" if has_project and project.can_undo else "&Undo")
            a.redo.setText(f"&Redo {project.redo_label}" if has_project and project.can_redo else "&Redo")
        for action in (a.save, a.new_line, a.new_scene, a.render_all, a.project_settings, a.costs, a.plan):
            action.setEnabled(has_project)
        for action in (a.delete_line, a.play_line):
            action.setEnabled(has_line)

    def _engine_ready(self, info: EngineInfo) -> None:
        self.status.engine.setText(info.summary)
        if self.status.message.text().startswith("Starting the voice engine"):
            self.say("")

