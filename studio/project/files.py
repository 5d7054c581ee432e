"""The file half of a project: saving, autosave and recovery, and another editor's saves.

`Project` is split across two files only to keep each readable; this part works on
the same state (`_doc`, `_settings`, `_retired`, `_file`, `_history`, ...) that
`project.py` sets up, and is not meant to be used on its own.
"""

from __future__ import annotations

from studio.errors import ProjectError, StorageError
from studio.project import lock, session
from studio.project.leftovers import clear_stale_previews
from studio.project.lines import LINES_FILE, NO_SETTINGS, LineBook, LineSettings, RetiredLine, attach_ids, payload
from studio.project.lock import records_lock
from studio.project.script import ScriptDocument
from studio.project.scriptfile import DiskScript
from studio.project.session import Recovery
from studio.storage import atomic_write_json, read_json


class ProjectFiles:
    # ---- files -----------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        # Ids and remembered texts are bookkeeping; a line's own settings are the creator's edits.
        return self._script_dirty() or self._settings != self._saved_settings or self.manifest.edited

    def save(self) -> None:
        # Everything that can refuse does so before the first write.
        if self.manifest.changed:
            self.manifest.check()
        if self._script_dirty() or not self.script_path.exists():
            self._file.write(self._doc.render())
        self._write_lines()
        self._disk_lines = self._current_lines()
        if self.manifest.changed:
            self.manifest.save(self.folder)
        if self._recovery is None:
            session.remove_autosave(self.folder)
        self._history.seal()
        self._touch()
        self._emit("saved", None)

    def autosave(self) -> bool:
        """Write unsaved edits to .stitch/autosave.json; True when something was written."""
        if self._recovery is not None:
            return False  # the earlier session's edits wait there until the creator decides
        if not self.dirty:
            session.remove_autosave(self.folder)
            return False
        session.write_autosave(self.folder, self._doc.render(), self._lines_payload())
        return True

    def close(self) -> None:
        if self._recovery is None:
            session.remove_autosave(self.folder)
        session.remove_lock(self.folder)
        lock.let_go_open(self.folder)
        if not lock.open_elsewhere(self.folder) and not session.lock_is_live(self.folder):
            clear_stale_previews(self.folder)  # no other studio is streaming into them
        self._observers.clear()

    def recovery(self) -> Recovery | None:
        return self._recovery

    def restore_recovery(self) -> None:
        """Bring back the unsaved edits of a session that did not close, as one undoable step."""
        recovery = self._recovery
        if recovery is None:
            return
        doc = ScriptDocument.parse(recovery.script_text, self._kind)
        before = self._state()
        self._settings, self._retired = attach_ids(doc, LineBook.from_payload(recovery.lines))
        self._doc = doc
        self._history.push("Restore unsaved edits", before, self._state())
        self._history.seal()
        self._recovery = None
        self._touch()
        self._emit("script", None)

    def discard_recovery(self) -> None:
        self._recovery = None
        session.remove_autosave(self.folder)

    # ---- edits made in another editor -------------------------------------------------

    def reload_if_changed(self) -> str:
        """"unchanged", "reloaded" (picked up another editor's save) or "conflict" (both changed)."""
        disk = self._file.peek()
        if disk is None or disk.digest == self._file.disk.digest:
            if disk is not None:
                self._file.disk = disk  # same words, newer time stamp
            return "conflict" if self._file.conflict is not None else "unchanged"
        if disk.text == self._doc.render():
            self._file.adopt(disk)  # the other editor saved what the studio holds
            self._disk_lines = self._current_lines()
            self._touch()
            return "unchanged"
        if self._script_dirty():
            self._file.conflict = disk
            return "conflict"
        self._load(disk)
        return "reloaded"

    def conflict_text(self) -> str | None:
        """The script as the other editor saved it, while a conflict is open."""
        return self._file.conflict.text if self._file.conflict is not None else None

    def keep_mine(self) -> None:
        """Settle a conflict in favour of the studio's version; the next save overwrites theirs."""
        self._file.keep_mine()
        self._touch()

    def reload_from_disk(self) -> None:
        """Take the script as it is on disk, dropping unsaved script edits (undoable)."""
        disk = self._file.peek()
        if disk is None:
            raise ProjectError(f"{self.script_path.name} is no longer in {self.folder.name}; save to write it again.")
        self._load(disk)

    def _script_dirty(self) -> bool:
        return self._cached("script_dirty", lambda: self._doc.render() != self._file.disk.text)

    def _lines_payload(self) -> dict:
        return self._cached("lines_payload", lambda: payload(self._doc, self._settings, self._retired))

    def _current_lines(self) -> list[tuple[str, str]]:
        return list(zip(self._doc.line_ids(), self._doc.line_texts()))

    def _write_lines(self) -> None:
        """Write lines.json if it would change; what it holds then counts as saved. Another
        process's changes to it since this one last read it are merged in, not overwritten."""
        with records_lock(self.folder):
            try:
                disk = read_json(self.folder / LINES_FILE, default=None)
            except StorageError:
                disk = None  # damaged: written afresh from what this project knows
            if isinstance(disk, dict) and self._written_lines is not None and disk != self._written_lines:
                self._merge_settings(LineBook.from_payload(self._written_lines), LineBook.from_payload(disk))
            lines = self._lines_payload()
            if lines != disk or not (self.folder / LINES_FILE).exists():
                atomic_write_json(self.folder / LINES_FILE, lines)
            self._written_lines = lines
        self._saved_settings = dict(self._settings)

    def _merge_settings(self, base: LineBook, theirs: LineBook) -> None:
        """Three-way merge per line and field: what this process changed since `base` wins,
        what the other process changed is taken, so neither loses the other's choices."""
        merged = dict(self._settings)
        for line_id in self._doc.line_ids():
            mine = self._settings.get(line_id, NO_SETTINGS)
            was = base.settings.get(line_id, NO_SETTINGS)
            other = theirs.settings.get(line_id, NO_SETTINGS)
            wanted = LineSettings(*(m if m != b else o for m, b, o in (
                (mine.voice, was.voice, other.voice), (mine.speed, was.speed, other.speed),
                (mine.chosen, was.chosen, other.chosen), (mine.pause_after, was.pause_after, other.pause_after))))
            if wanted == NO_SETTINGS:
                merged.pop(line_id, None)
            else:
                merged[line_id] = wanted
        if merged != self._settings:
            self._settings = merged
            self._touch()

    def _load(self, disk: DiskScript) -> None:
        doc = ScriptDocument.parse(disk.text, self._kind)
        # The other editor started from the version on disk, so its lines are matched first;
        # lines the studio added since then can still be found by their exact words.
        on_disk = {line_id for line_id, _ in self._disk_lines}
        added_here = [RetiredLine(i, t, self._settings.get(i, NO_SETTINGS)) for i, t in self._current_lines() if i not in on_disk]
        book = LineBook(
            list(self._disk_lines),
            list(zip(self._doc.scene_ids(), self._doc.scene_titles())),
            dict(self._settings),
            self._retired + tuple(added_here),
        )
        settings_were_saved = self._settings == self._saved_settings
        before = self._state()
        self._settings, self._retired = attach_ids(doc, book)
        self._doc = doc
        self._file.adopt(disk)
        self._disk_lines = self._current_lines()
        self._touch()
        if settings_were_saved:
            self._write_lines()  # the new ids must outlive a crash, as on open
        self._history.push("Reload script", before, self._state())
        self._history.seal()
        self._emit("reloaded", None)
