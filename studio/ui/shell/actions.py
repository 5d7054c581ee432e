"""What the window's actions do: edits of the script (undo and redo, which follow the
timeline's own stack while the tracks have the focus; new line, new scene, delete),
play, stop and render all.

A mixin of `MainWindow` (studio.ui.shell.main_window); the menus (`menus.py`) bind
their actions to these methods.
"""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog

from studio.errors import StudioError


class WindowActions:
    """The menu actions' work (mixed into `MainWindow`)."""

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
