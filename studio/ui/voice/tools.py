"""The voice workflow's menu entries: self-check, A/B, cleaning takes up, the pronunciation
dictionary and blends, importing recordings and exporting captions.

Kept apart from `menus.py` and `main_window.py` so those stay short: `VoiceTools(window)`
adds its actions to the window's File, Edit and Voice menus and handles them. Every
change goes through `Project` (undoable where the project makes it so); listening runs
as jobs; every StudioError is shown as its sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from studio.errors import StudioError
from studio.jobs import listen
from studio.jobs.selfcheck import project_listener
from studio.ui.voice.checks import TakeChecks

IMPORT_KEY = "import:recording"
MEDIA_FILTER = "Recordings (" + " ".join(f"*{s}" for s in listen.MEDIA_SUFFIXES) + ")"


@dataclass
class VoiceActions:
    import_recording: QAction
    export_captions: QAction
    empty_trash: QAction
    keep_chosen_line: QAction
    keep_chosen_all: QAction
    compare_takes: QAction
    check_line: QAction
    check_all: QAction
    pronunciation: QAction
    blends: QAction


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else "0.1 MB" if size else "empty"


class VoiceTools(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.checks = TakeChecks(window.jobs, window.voice, window.registry, window.settings, self)
        self.checks.message.connect(window.say)
        self._dialogs: dict[str, object] = {}
        self.actions = self._build_menus()
        window.status.cancel_clicked.connect(lambda: window.jobs.cancel(IMPORT_KEY))

    # -- menus ------------------------------------------------------------------------
    def _build_menus(self) -> VoiceActions:
        window = self.window
        menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions() if a.menu()}
        file, edit, voice = menus["File"], menus["Edit"], menus["Voice"]

        def action(menu: QMenu, text: str, slot, *keys, tip: str = "", before: QAction | None = None) -> QAction:
            act = QAction(text, window)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setStatusTip(tip)
            act.setToolTip(tip or text)
            act.triggered.connect(lambda _checked=False: slot())
            menu.insertAction(before, act) if before is not None else menu.addAction(act)
            return act

        quit_ = window.actions.quit
        import_recording = action(file, "&Import Recording…", self.import_recording, before=quit_,
                                  tip="Transcribe a recording in the project folder into new lines")
        export_captions = action(file, "Export &Captions…", self.export_captions, before=quit_,
                                 tip="Write SRT or WebVTT captions from the takes' word timings")
        empty_trash = action(file, "Empty &Trash", self.empty_trash, before=quit_,
                             tip="Free the disk space of deleted takes (Undo can no longer bring them back)")
        file.insertSeparator(quit_)
        file.aboutToShow.connect(self._show_trash_size)

        edit.addSeparator()
        keep_line = action(edit, "&Keep Only the Chosen Take", self.keep_only_chosen_line,
                           tip="Delete the selected line's other takes (Undo brings them back)")
        keep_all = action(edit, "Keep Only Chosen Takes in &All Lines", self.keep_only_chosen_all,
                          tip="Delete every take that is not a line's chosen one (Undo brings them back)")

        voice.addSeparator()
        compare = action(voice, "&Compare Takes (A/B)", self.compare_takes, "Ctrl+B",
                         tip="Switch between the chosen take and the previous one from the same moment (A in the takes list)")
        check_line = action(voice, "C&heck Line", self.check_line,
                            tip="Listen to the selected line's take and compare it with the script")
        check_all = action(voice, "Check &All Takes", self.check_all,
                           tip="Listen to every line's take and compare it with the script")
        voice.addSeparator()
        pronunciation = action(voice, "Pro&nunciation…", self.show_pronunciation,
                               tip="How words are said in this project: respellings or phonemes")
        blends = action(voice, "&Blends…", self.show_blends, tip="Mix voices by weight and save the mix under a name")
        return VoiceActions(import_recording, export_captions, empty_trash, keep_line, keep_all,
                            compare, check_line, check_all, pronunciation, blends)

    def _show_trash_size(self) -> None:
        project = self.window.project
        size = project.trash_size() if project is not None else 0
        self.actions.empty_trash.setText(f"Empty &Trash ({megabytes(size)})")
        self.actions.empty_trash.setEnabled(size > 0)

    # -- takes --------------------------------------------------------------------------
    def _project(self):
        if self.window.project is None:
            self.window.say("Open a project first.")
        return self.window.project

    def _line(self) -> str | None:
        line_id = self.window.editor.current_line() if self.window.project is not None else None
        if self.window.project is not None and line_id is None:
            self.window.say("Select a line first.")
        return line_id

    def _edit(self, change, *args):
        try:
            return change(*args)
        except StudioError as exc:
            self.window.say(exc.message)
            return None

    def compare_takes(self) -> None:
        line_id = self._line()
        if line_id is not None:
            self.window.voice.toggle_ab(line_id)  # it says which take plays

    def keep_only_chosen_line(self) -> None:
        line_id = self._line()
        if line_id is not None:
            self._kept(self._edit(self.window.project.keep_only_chosen, line_id))

    def keep_only_chosen_all(self) -> None:
        if self._project() is not None:
            self._kept(self._edit(self.window.project.keep_only_chosen))

    def _kept(self, count) -> None:
        if count is None:
            return
        self.window.player.stop()
        if count:
            size = megabytes(self.window.project.trash_size())
            self.window.say(f"{count} take{'s' if count != 1 else ''} moved to the trash ({size}); Undo brings them back.")
        else:
            self.window.say("Nothing to delete: only chosen takes are left.")

    def empty_trash(self) -> None:
        project = self._project()
        if project is None:
            return
        size = project.trash_size()
        if not size:
            self.window.say("The trash is empty.")
            return
        if not ask_empty_trash(self.window, megabytes(size)):
            return
        freed = self._edit(project.empty_trash)
        if freed is not None:
            self.window.say(f"Trash emptied: {megabytes(freed)} freed.")

    # -- the self-check --------------------------------------------------------------------
    def check_line(self) -> None:
        line_id = self._line()
        if line_id is not None and not self.checks.check_lines([line_id]):
            self.window.say("This line has no take to check yet.")

    def check_all(self) -> None:
        project = self._project()
        if project is not None:
            count = self.checks.check_lines([line.id for line in project.lines])
            self.window.say(f"Checking {count} take{'s' if count != 1 else ''}…" if count else "No line has a take to check yet.")

    # -- dictionary and blends -------------------------------------------------------------
    def show_pronunciation(self):
        from studio.ui.voice.pronunciation import PronunciationDialog

        return self._show("pronunciation", lambda p: PronunciationDialog(p, self.window))

    def show_blends(self):
        from studio.ui.voice.blends import BlendsDialog

        return self._show("blends", lambda p: BlendsDialog(p, self.window))

    def _show(self, name: str, make):
        project = self._project()
        if project is None:
            return None
        dialog = self._dialogs.get(name)
        if dialog is None or dialog.project is not project:
            if dialog is not None:
                dialog.close()
            dialog = self._dialogs[name] = make(project)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    # -- recordings and captions -----------------------------------------------------------
    def import_recording(self, path: str | None = None) -> bool:
        window, project = self.window, self._project()
        if project is None:
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(window, "Import a recording", str(project.folder), MEDIA_FILTER)
            if not path:
                return False
        try:
            relative = Path(path).resolve().relative_to(Path(project.folder).resolve()).as_posix()
        except ValueError:
            window.say(f"{Path(path).name} is outside the project: copy it into {Path(project.folder).name} first, "
                       "so the project keeps working when the folder moves.")
            return False
        if listen.imported(project, relative):
            window.say(f"{relative} was imported before; its lines are in the script.")
            return False
        registry = window.registry

        def hear(state):
            engine = project_listener(project, registry)  # [routing.stt]; a hosted draft engine pays from the budget
            return engine, listen.transcribe_file(project.folder / relative, engine, state)

        def done(result):
            if project is not window.project:
                return
            engine, transcript = result
            lines = listen.add_recording(project, relative, transcript, engine)
            if lines:
                window.editor.select_line(lines[0])
            window.say(f"{relative}: {len(lines)} line{'s' if len(lines) != 1 else ''} imported." if lines
                       else f"No speech was heard in {relative}.")

        def failed(exc: BaseException):
            if project is window.project:
                window.say(exc.message if isinstance(exc, StudioError) else f"{relative} could not be transcribed: {exc}.")

        window.jobs.start(hear, IMPORT_KEY, f"Transcribing {Path(relative).name}", done, failed,
                          lambda: window.say("Import cancelled; nothing was added."))
        return True

    def export_captions(self, target: str | None = None) -> bool:
        from studio.render.captions import write_captions
        from studio.render.from_project import build_timeline, timeline_cues

        window, project = self.window, self._project()
        if project is None:
            return False
        if target is None:
            start = str(Path(project.folder) / "exports" / "captions.srt")
            target, _ = QFileDialog.getSaveFileName(window, "Export captions", start,
                                                    "SubRip captions (*.srt);;WebVTT captions (*.vtt)")
            if not target:
                return False
        try:
            # Where the words are heard on the project's timeline (edits there are saved at once),
            # as the export places them.
            cues = timeline_cues(project, build_timeline(project))
            if not cues:
                raise StudioError("No line has a take yet, so there is nothing to caption: render the lines first.")
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            write_captions(target, cues, None)
        except (StudioError, OSError) as exc:
            window.say(exc.message if isinstance(exc, StudioError) else f"The captions could not be written: {exc}.")
            return False
        window.say(f"{len(cues)} captions written to {Path(target).name}.")
        return True


def ask_empty_trash(parent, size: str) -> bool:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Empty the trash")
    box.setText(f"Delete the trashed takes for good and free {size}?")
    box.setInformativeText("Undo can no longer bring them back.")
    empty = box.addButton("Empty Trash", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is empty
