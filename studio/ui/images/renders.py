"""The Images panel's renders: generate, new seeds, same seed, vary, cleanups, the final.

`ImageRenders` is mixed into `image_panel.ImagePanel`, whose widgets (progress, message,
strength) and helpers (`_show`, `_try`, `refresh`, `selected_take`) it uses. Each render is
a job (`studio.jobs.imaging`, on the model lane; cleanups that need no model on the io
lane); its result is recorded on the UI thread, only if the same project is still open.
Esc or Cancel stops them. "Remove background…" and "Fit to format…" open the cleanup
dialog (`image_cleanup.py`) first.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt

from shiboken6 import isValid

from studio.errors import StudioError
from studio.jobs import imaging

log = logging.getLogger(__name__)

HAND_CLEANUPS = ("remove_background", "fit_to_format")  # these open the cleanup dialog first


class ImageRenders:
    """The job-starting actions of the Images panel, and the progress bar that follows them."""

    def generate(self, count: int = 1, seed: int | None = None) -> None:
        self.commit_prompt()
        scene, engine = self._scene(), self._engine()
        if scene is None or engine is None:
            return
        prompt, fmt = self.project.scene_prompt(scene.id), self.project.manifest.format
        negative = self.project.scene_negative_prompt(scene.id)
        folder, store, budget = self.project.folder, self.project.image_takes, imaging.draft_budget(self.project)
        for i in range(count):
            # "Image 2 of 4": with New seeds ×4 the bar otherwise ran from step 1 to 16 four times over.
            label = f"Image {i + 1} of {count}" if count > 1 else "Image"
            self._start(label, lambda state, s=seed: imaging.generate(folder, store, scene.id, prompt, fmt, engine,
                                                                      state, s, budget=budget,
                                                                      negative_prompt=negative))

    def render_final(self) -> bool:
        from studio.ui.images.final import render_final

        return render_final(self)

    def same_seed(self) -> None:
        take = self.selected_take()
        if take is not None and take.seed is not None:
            self.generate(1, seed=int(take.seed))

    def vary(self) -> None:
        take, engine = self.selected_take(), self._engine()
        if take is None or engine is None:
            return
        self.commit_prompt()
        prompt, strength = self.project.scene_prompt(self.scene_id), self.strength.value() / 100
        negative = self.project.scene_negative_prompt(self.scene_id)
        folder, store, scene_id = self.project.folder, self.project.image_takes, self.scene_id
        budget = imaging.draft_budget(self.project)
        self._start("Variation", lambda state: imaging.vary(folder, store, scene_id, take, prompt, strength, engine, state,
                                                            budget=budget, negative_prompt=negative))

    def cleanup(self, operation: str):
        """Auto contrast at once; the other cleanups after the creator drew the box or placed the frame.
        Returns the dialog when one opened."""
        take = self.selected_take()
        if take is None:
            return None
        if operation not in HAND_CLEANUPS:
            self.run_cleanup(take, operation)
            return None
        from studio.ui.images.cleanup import CleanupDialog, read_picture

        project, fmt = self.project, self.project.manifest.format
        dialog = CleanupDialog(operation, fmt, imaging.CLEANUPS[operation], self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        path = str(Path(project.folder) / take.path)
        key = f"image-cleanup-picture:{next(self._ids)}"

        def shown(found) -> None:
            if isValid(dialog):
                dialog.show_picture(*found)

        def failed(exc) -> None:
            if isValid(dialog):
                dialog.show_problem(exc.message if isinstance(exc, StudioError) else "The picture could not be read: see the log.")

        def applied() -> None:
            if self.project is project:
                self.run_cleanup(take, operation, **dialog.values())

        dialog.accepted.connect(applied)
        dialog.finished.connect(lambda _result: self.window.jobs.cancel(key))
        self.cleanup_dialog = dialog
        dialog.open()
        self.window.jobs.start(lambda state: read_picture(path, find_subject=operation == "remove_background"),
                               key, "Reading the picture", shown, failed, lane="io")
        return dialog

    def run_cleanup(self, take, operation: str, rect=None, focus=(0.5, 0.5)) -> None:
        folder, store, scene_id, fmt = self.project.folder, self.project.image_takes, take.scene_id, self.project.manifest.format
        engine = self._try(imaging.cleanup_engine, self.project, self.window.registry)
        if engine is None:
            return
        lane = getattr(engine, "lane", "model")  # OpenCV needs no model and need not wait behind one
        self._start(imaging.CLEANUPS[operation],
                    lambda state: imaging.cleanup(folder, store, scene_id, take, operation, state, fmt=fmt,
                                                  focus=focus, rect=rect, engine=engine), lane=lane)

    def cancel(self) -> None:
        for key in list(self._keys):
            self.window.jobs.cancel(key)

    def _engine(self):
        try:
            return imaging.image_engine(self.project, self.window.registry) if self.project is not None else None
        except StudioError as exc:
            self._show(exc.message)
            return None

    def _start(self, label: str, fn, lane: str = "model") -> None:
        key = f"image:{self.scene_id}:{next(self._ids)}"
        project = self.project

        def done(result) -> None:
            self._ended(key)
            if self.project is not project:
                return  # the project closed while it rendered: its record was never wanted
            imaging.commit(project, result)
            self.refresh()
            if result.scene_id == self.scene_id:
                self.select_take(result.take.id)
            self._show("Image reused from the cache." if result.cached else "")

        def failed(exc) -> None:
            self._ended(key)
            if not isinstance(exc, StudioError):
                log.error("image job %r failed", label, exc_info=exc)
            self._show(exc.message if isinstance(exc, StudioError) else "The image could not be made: see the log.")

        def cancelled() -> None:
            self._ended(key)
            self._show("Image render cancelled.")

        if not self._keys:  # queued behind a running render, it leaves that one's progress on show
            self.progress.setValue(0)
            self.progress.setFormat(f"{label}: starting…")
        self._keys.add(key)
        self.message.clear()
        self.progress.show()
        self._refresh_buttons()
        self.window.jobs.start(fn, key, label, done, failed, cancelled, lane=lane,
                               on_progress=lambda fraction, message: self._progress(fraction, message, label))

    def _progress(self, fraction: float, message: str, label: str = "") -> None:
        self.progress.setValue(int(fraction * 100))
        said = f"{label}: {message}" if label and message else label or message
        self.progress.setFormat(f"{said} (%p%)" if said else "%p%")

    def _ended(self, key: str) -> None:
        self._keys.discard(key)
        if not self._keys:
            self.progress.hide()
        self._refresh_buttons()
