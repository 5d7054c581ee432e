"""The project's life in the window: open, recover, bind, close, save, autosave, and
edits made to the script in another editor.

A mixin of `MainWindow` (studio.ui.shell.main_window): it uses the window's project,
editor, panels, timers, status and dialogs; every StudioError becomes its sentence.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from studio.errors import StudioError
from studio.project.project import Project, ScriptChoiceNeeded
from studio.ui.shell import dialogs


class ProjectLife:
    """Opening, closing and saving the project (mixed into `MainWindow`)."""

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

    def _rebind_reading(self, project) -> None:
        """View ▸ How the Studio Reads Your Script…, when open, follows the project now open."""
        reading = getattr(self, "reading_dialog", None)
        if reading is not None and reading.isVisible():
            reading.bind(project)

    def _bind(self, project: Project) -> None:
        self.project = project
        self.voice.bind(project)
        self.editor.set_project(project)
        self.images.bind(project)
        self.timeline.bind(project)
        self.media.bind(project)
        self._rebind_reading(project)
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
            answer = dialogs.ask_unsaved(self, project.title)
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
        self.media.bind(None)
        self._rebind_reading(None)
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

    # -- the script file on disk ---------------------------------------------------------
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


def _when(recovery) -> str:
    """'14:03': when the unsaved work was autosaved, in the creator's local time."""
    try:
        return datetime.fromisoformat(recovery.saved_at).astimezone().strftime("%H:%M")
    except (AttributeError, TypeError, ValueError):
        return "your last session"
