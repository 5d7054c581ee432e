"""The studio's window: menus, the script editor, the status bar, and the project's life.

It opens and closes projects, asks the questions that need asking (which script,
recover, unsaved edits, a file changed elsewhere), saves and autosaves, and shows
every StudioError as its sentence. Speech goes through `VoiceControl`; nothing here
renders or blocks.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from studio.demo import demo_folder
from studio.errors import StudioError
from studio.project.project import Project, ScriptChoiceNeeded
from studio.ui import dialogs
from studio.ui.image_panel import install_image_panel
from studio.ui.jobs import QtJobs
from studio.ui.menus import add_go_to, build_menus
from studio.ui.player import Player
from studio.ui.premium import FinalRender
from studio.ui.script_editor import ScriptEditor
from studio.ui.script_watch import ScriptWatch
from studio.ui.status import StatusLine
from studio.ui.timeline_panel import install_timeline
from studio.ui.voice import EngineInfo, VoiceControl
from studio.ui.voice_tools import VoiceTools
from studio.ui.welcome import Welcome

log = logging.getLogger(__name__)

APP_NAME = "Stitch Studio"
AUTOSAVE_AFTER_EDIT_MS = 3000  # the recovery copy follows the typing this closely


class MainWindow(QMainWindow):
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
        self.images = install_image_panel(self)  # the Images dock: scene prompts and image takes
        self.timeline = install_timeline(self)  # the Timeline dock under the script, File ▸ Export…
        self.timeline.history_changed.connect(self._refresh_actions)
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

    def open_folder(self, folder) -> bool:
        """Open a folder as the project; False if the creator cancelled or it failed."""
        folder = Path(folder)
        if self.project is not None and Path(self.project.folder).resolve() == folder.resolve():
            return True
        if not self.close_project():
            return False
        try:
            project = self._open(folder)
        except StudioError as exc:
            self._problem(exc)
            return False
        if project is None:
            return False
        self._offer_recovery(project)
        self._bind(project)
        if project.notices:  # damaged studio files set aside while opening: said once
            self.say(" ".join(project.notices))
        try:
            self.settings.add_recent(project.folder)
            self.settings.save()
        except StudioError as exc:
            self.say(exc.message)
        return True

    def _open(self, folder: Path) -> Project | None:
        try:
            return Project.open(folder)
        except ScriptChoiceNeeded as choice:
            script = dialogs.choose_script(self, folder.name, [str(c) for c in choice.candidates])
            return Project.open(folder, script=script) if script else None

    def _offer_recovery(self, project: Project) -> None:
        recovery = project.recovery()
        if not recovery:
            return
        try:
            if dialogs.ask_recover(self, _when(recovery)):
                project.restore_recovery()
                self.say("Your unsaved work was recovered. Save to keep it.")
            else:
                project.discard_recovery()
        except StudioError as exc:
            self._problem(exc)

    def _bind(self, project: Project) -> None:
        self.project = project
        self.voice.bind(project)
        self.editor.set_project(project)
        self.images.bind(project)
        self.timeline.bind(project)
        self._unsubscribe = project.subscribe(self._project_changed)
        self.script_watch.watch(project.script_path)
        self.autosave_timer.start()
        self.status.engine.setText("Voice engine starting…")
        self._show_project_state()
        self.say(f"Opened {Path(project.folder).name}.")
        if self._warm_up_on_open:
            self.voice.warm_up()

    def close_project(self) -> bool:
        """Close the open project, asking about unsaved edits; False if the creator cancelled."""
        project = self.project
        if project is None:
            return True
        self.editor.inspector.flush()
        if project.dirty:
            answer = dialogs.ask_unsaved(self, project.manifest.title or Path(project.folder).name)
            if answer == "cancel":
                return False
            if answer == "save":
                try:
                    project.save()
                except StudioError as exc:
                    self._problem(exc)
                    return False
        self.player.stop()
        self.voice.bind(None)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.editor.set_project(None)
        self.images.bind(None)
        self.timeline.bind(None)
        self.conflict_bar.hide()
        self.autosave_timer.stop()
        self.autosave_soon.stop()
        self.script_watch.clear()
        self.project = None
        try:
            project.close()
        except StudioError as exc:
            self.say(exc.message)
        self._show_project_state()
        return True

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

    # -- saving ----------------------------------------------------------------------------
    def save(self) -> bool:
        if self.project is None:
            return False
        self.editor.inspector.flush()
        try:
            self.project.save()
        except StudioError as exc:
            self._problem(exc)
            return False
        self.say(f"Saved {Path(self.project.folder).name}.")
        return True

    def autosave(self) -> None:
        if self.project is None:
            return
        self.editor.inspector.flush()
        if not self.project.dirty:
            return
        try:
            self.project.autosave()
        except StudioError as exc:
            self.say(exc.message)

    # -- edits ---------------------------------------------------------------------------
    def _edit(self, change, *args):
        if self.project is None:
            return None
        self.editor.inspector.flush()
        try:
            return change(*args)
        except StudioError as exc:
            self.say(exc.message)
            return None

    def undo(self) -> None:
        if self.timeline.focused:  # the tracks have their own undo (moves, trims, locks, gaps)
            self.timeline.undo()
            return
        if self.project is not None:
            self.editor.inspector.flush()
            if self.project.can_undo:
                self._edit(self.project.undo)

    def redo(self) -> None:
        if self.timeline.focused:
            self.timeline.redo()
            return
        if self.project is not None:
            self.editor.inspector.flush()
            if self.project.can_redo:
                self._edit(self.project.redo)

    def new_line(self) -> None:
        if self.project is None:
            return
        current = self.editor.current_line()
        lines = self.project.lines
        after = current or (lines[-1].id if lines else None)
        scene = None if after else (self.project.scenes[0].id if self.project.scenes else None)
        line_id = self._edit(self.project.insert_line, after, "", scene)
        if line_id:
            self.editor.select_line(line_id)
            self.editor.inspector.focus_text()

    def new_scene(self) -> None:
        if self.project is None:
            return
        title, ok = QInputDialog.getText(self, "New scene", "Title of the new scene:", text="New scene")
        if not ok or not title.strip():
            return
        current = self.editor.current_line()
        after_scene = self.project.line(current).scene_id if current else None
        scene_id = self._edit(self.project.add_scene, title.strip(), after_scene)
        if scene_id:
            line_id = self._edit(self.project.insert_line, None, "", scene_id)
            if line_id:
                self.editor.select_line(line_id)
                self.editor.inspector.focus_text()

    def delete_line(self) -> None:
        current = self.editor.current_line()
        if current is not None:
            self.voice.stop(current)
            self._edit(self.project.delete_line, current)

    # -- voice ---------------------------------------------------------------------------
    def play_line(self) -> None:
        self.editor.inspector.play()

    def stop(self) -> None:
        """Stop playback and cancel every render (Esc)."""
        self.editor.inspector.drop_pending_preview()
        self.voice.stop()
        self.final.cancel_all()
        self.images.cancel()
        self.timeline.stop()

    def render_all(self) -> None:
        if self.project is not None:
            self.editor.inspector.flush()
            count = self.voice.render_all()
            if count:
                self.say(f"Rendering {count} line{'s' if count != 1 else ''}…")

    # -- the script file on disk ---------------------------------------------------------
    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.ActivationChange and self.isActiveWindow():
            self.script_watch.check_soon()  # back from another editor

    def check_disk(self) -> str | None:
        """Pick up an edit made to the script in another editor."""
        if self.project is None or self.conflict_bar.isVisible():
            return None
        self.editor.inspector.flush()
        try:
            outcome = self.project.reload_if_changed()
        except StudioError as exc:
            self.say(exc.message)
            return None
        script = self.project.script_path.name
        if outcome == "reloaded":
            self.say(f"{script} was changed in another editor: the studio loaded it, your takes are kept.")
        elif outcome == "conflict":
            self.conflict_bar.ask(script)
        return outcome

    def _keep_mine(self) -> None:
        if self.project is not None:
            self.project.keep_mine()
            self.say(f"Your version is kept: saving will replace {self.project.script_path.name}.")

    def _load_file_version(self) -> None:
        if self.project is None:
            return
        try:
            self.project.reload_from_disk()
        except StudioError as exc:
            self._problem(exc)
            return
        self.say(f"Loaded {self.project.script_path.name} as it is on disk.")

    # -- keeping the window in step ----------------------------------------------------
    def _project_changed(self, _event: str, _line_id) -> None:
        self._show_project_state()
        self._edited()

    def _edited(self) -> None:
        if self.project is not None:
            self.autosave_soon.start()

    def _show_project_state(self) -> None:
        project = self.project
        if project is None:
            self.setWindowTitle(APP_NAME)
            self.welcome.show_recent(self.settings.recent_projects)
            self.pages.setCurrentWidget(self.welcome)
            self.status.engine.setText("")
        else:
            title = project.manifest.title or Path(project.folder).name
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
        for action in (a.save, a.new_line, a.new_scene, a.render_all, a.project_settings, a.costs):
            action.setEnabled(has_project)
        for action in (a.delete_line, a.play_line):
            action.setEnabled(has_line)

    def _engine_ready(self, info: EngineInfo) -> None:
        self.status.engine.setText(info.summary)
        if self.status.message.text().startswith("Starting the voice engine"):
            self.say("")


def _when(recovery) -> str:
    """'14:03': when the unsaved work was autosaved, in the creator's local time."""
    try:
        return datetime.fromisoformat(recovery.saved_at).astimezone().strftime("%H:%M")
    except (AttributeError, TypeError, ValueError):
        return "your last session"
