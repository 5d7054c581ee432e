"""The Images panel: the selected line's scene, its prompt, and a grid of image takes.

Every render runs as a job (`studio.jobs.imaging`, on the model lane; cleanups on
the io lane) and lands in the grid when it finishes; the project records it on the
UI thread. Esc or Cancel stops them. Nothing here reads pixels: thumbnails come
from `image_thumbs.Thumbnails` (read off the UI thread, a placeholder until then).
"Remove background…" and "Fit to format…" open the cleanup
dialog (`image_cleanup.py`) where the creator draws the box or moves the frame.
Delete (the key, the button or the grid's menu) moves a picture to the trash, asking
first when it is pinned; Undo brings it back. The picture in use and pinned ones carry a
badge drawn on the thumbnail (`image_thumbs.BadgeDelegate`) as well as their caption.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from shiboken6 import isValid

from studio.errors import StudioError
from studio.jobs import imaging
from studio.project.images import creator_pictures
from studio.ui.image_thumbs import BADGES, IN_USE, PINNED, BadgeDelegate, Thumbnails, thumbnail_key

log = logging.getLogger(__name__)

TAKE_ID = Qt.ItemDataRole.UserRole + 1
THUMB_KEY = Qt.ItemDataRole.UserRole + 2
THUMB = 132
HAND_CLEANUPS = ("remove_background", "fit_to_format")  # these open the cleanup dialog first
_SOURCES = {"panel": "Prompt set here", "script": "Prompt from the script's [image: …] direction",
            "suggested": "Suggested from the scene's words: edit it to make it yours"}


class TakeGrid(QListWidget):
    """The image takes; arrows move, Enter uses the selected picture, P pins or unpins it,
    Delete (or Backspace) throws it away; a right click offers the same."""

    use = Signal()
    pin = Signal()
    delete = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setItemDelegate(BadgeDelegate(self))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)

    def _menu(self, at) -> None:
        item = self.itemAt(at)
        if item is None:
            return
        self.setCurrentItem(item)
        menu = QMenu(self)
        menu.addAction("Use This Image", self.use.emit)
        menu.addAction("Unpin" if PINNED in (item.data(BADGES) or ()) else "Pin", self.pin.emit)
        menu.addSeparator()
        menu.addAction("Delete", self.delete.emit)
        menu.popup(self.viewport().mapToGlobal(at))

    def keyPressEvent(self, event) -> None:
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if plain and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self.use.emit()
            return
        if plain and event.key() == Qt.Key.Key_P and self.currentItem() is not None:
            self.pin.emit()
            return
        if plain and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.currentItem() is not None:
            self.delete.emit()
            return
        super().keyPressEvent(event)


class PromptEdit(QPlainTextEdit):
    """The scene's prompt; leaving it (or Ctrl+Enter) commits it."""

    committed = Signal()
    generate = Signal()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.committed.emit()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.committed.emit()
            self.generate.emit()
            return
        super().keyPressEvent(event)


class ImagePanel(QWidget):
    def __init__(self, window, parent: QWidget | None = None):
        super().__init__(parent)
        self.window = window
        self.project = None
        self.scene_id: str | None = None
        self._unsubscribe = None
        self._keys: set[str] = set()
        self._ids = itertools.count(1)
        self.thumbs = Thumbnails(self)
        self.thumbs.arrived.connect(self._thumbnails_arrived)
        self.cleanup_dialog = None
        self._build()
        self._refresh_buttons()

    # -- layout -----------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        self.scene_label = QLabel("No scene selected")
        self.scene_label.setObjectName("heading")
        self.prompt = PromptEdit()
        self.prompt.setPlaceholderText("Describe the scene's picture, e.g. a lighthouse at dawn")
        self.prompt.setMaximumHeight(72)
        self.prompt.committed.connect(self.commit_prompt)
        self.prompt.generate.connect(lambda: self.generate(1))
        self.source_label = QLabel()
        self.source_label.setObjectName("hint")
        self.source_label.setWordWrap(True)

        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(lambda: self.generate(1))
        self.seeds_button = QPushButton("New seeds ×4")
        self.seeds_button.clicked.connect(lambda: self.generate(4))
        self.same_seed_button = QPushButton("Same seed, new prompt")
        self.same_seed_button.setToolTip("The selected image's seed with the prompt as it is now")
        self.same_seed_button.clicked.connect(self.same_seed)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the image renders (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(True)
        self.progress.hide()

        self.grid = TakeGrid()
        self.grid.use.connect(self.use_selected)
        self.grid.pin.connect(self.toggle_pin)
        self.grid.delete.connect(self.delete_selected)
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 16, THUMB + 40))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setWordWrap(True)
        self.grid.setSpacing(4)
        self.grid.currentItemChanged.connect(lambda *_: self._refresh_buttons())
        self.grid.itemDoubleClicked.connect(lambda _item: self.use_selected())

        self.use_button = QPushButton("Use this image")
        self.use_button.clicked.connect(self.use_selected)
        self.pin_button = QPushButton("Pin")
        self.pin_button.clicked.connect(self.toggle_pin)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Move the selected picture to the trash (Delete; Undo brings it back)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.vary_button = QPushButton("Vary")
        self.vary_button.setToolTip("Image-to-image from the selected picture")
        self.vary_button.clicked.connect(self.vary)
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(10, 100)
        self.strength.setValue(60)
        self.strength_label = QLabel()
        self.strength.valueChanged.connect(lambda v: self.strength_label.setText(f"strength {v / 100:.2f}"))
        self.strength.valueChanged.emit(self.strength.value())
        self.cleanup_button = QToolButton()
        self.cleanup_button.setText("Cleanup")
        self.cleanup_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        cleanup_menu = QMenu(self.cleanup_button)
        for operation, label in imaging.CLEANUPS.items():
            cleanup_menu.addAction(label + ("…" if operation in HAND_CLEANUPS else ""), lambda op=operation: self.cleanup(op))
        self.cleanup_button.setMenu(cleanup_menu)
        self.add_button = QToolButton()
        self.add_button.setText("Add picture")
        self.add_button.setToolTip("Use one of your own pictures in the project folder (by reference, never copied)")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_menu = QMenu(self.add_button)
        self.add_menu.aboutToShow.connect(self._fill_pictures)
        self.add_button.setMenu(self.add_menu)
        self.final_button = QPushButton("Render final…")
        self.final_button.setToolTip("This scene's picture from the project's final image engine, "
                                     "after showing its price; it goes beside the drafts")
        self.final_button.clicked.connect(self.render_final)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("hint")

        layout.addWidget(self.scene_label)
        layout.addWidget(self.prompt)
        layout.addWidget(self.source_label)
        layout.addLayout(_row(self.generate_button, self.seeds_button, self.cancel_button))
        layout.addLayout(_row(self.same_seed_button, self.final_button))
        layout.addWidget(self.progress)
        layout.addWidget(self.grid, 1)
        layout.addLayout(_row(self.use_button, self.pin_button, self.delete_button, self.cleanup_button, self.add_button))
        layout.addLayout(_row(self.vary_button, self.strength, self.strength_label))
        layout.addWidget(self.message)

    # -- binding ----------------------------------------------------------------------
    def bind(self, project) -> None:
        self.cancel()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.project, self.scene_id = project, None
        self.thumbs.clear()
        if project is not None:
            self._unsubscribe = project.subscribe(lambda _event, _line: self.refresh())
            if project.scenes:
                self.show_scene(project.scenes[0].id)
        self.refresh()

    def show_line(self, line_id) -> None:
        if self.project is None or line_id is None:
            return
        try:
            self.show_scene(self.project.scene_of(line_id).id)
        except StudioError:
            return

    def show_scene(self, scene_id: str) -> None:
        if scene_id == self.scene_id:
            return
        self.commit_prompt()
        self.scene_id = scene_id
        self.message.clear()
        self.refresh()

    def _scene(self):
        if self.project is None or self.scene_id is None:
            return None
        return next((s for s in self.project.scenes if s.id == self.scene_id), None)

    # -- showing ----------------------------------------------------------------------
    def refresh(self) -> None:
        scene = self._scene()
        if scene is None:
            self.scene_label.setText("No scene selected")
            self.prompt.setPlainText("")
            self.source_label.clear()
            self.grid.clear()
            self._refresh_buttons()
            return
        number = next(i for i, s in enumerate(self.project.scenes, 1) if s.id == scene.id)
        self.scene_label.setText(f"Scene {number}: {scene.title or 'Untitled'}")
        prompt, source = self.project.prompt_and_source(scene.id)
        if not self.prompt.hasFocus() and self.prompt.toPlainText() != prompt:
            self.prompt.setPlainText(prompt)
        self.source_label.setText(_SOURCES[source])
        self._fit_grid(self.project.manifest.format)
        self._fill_grid()
        self._refresh_buttons()

    def _fit_grid(self, fmt: str) -> None:
        """Cells shaped like the project's pictures, so a 16:9 grid has no tall gaps."""
        a, b = (int(v) for v in fmt.split(":"))
        width, height = (THUMB, round(THUMB * b / a)) if a >= b else (round(THUMB * a / b), THUMB)
        if self.grid.iconSize() != QSize(width, height):
            self.grid.setIconSize(QSize(width, height))
            self.grid.setGridSize(QSize(max(width, 112) + 16, height + 44))
            # At least one whole row: on a 768-pixel screen the captions ("pinned · ✓ in use") were cut off.
            self.grid.setMinimumHeight(height + 44 + 2 * self.grid.frameWidth() + 4)
        self.thumbs.set_box(QSize(width, height))

    def _fill_grid(self) -> None:
        selected = self.selected_take()
        keep = selected.id if selected else None
        chosen = self.project.chosen_image(self.scene_id)
        self.grid.clear()
        wanted: dict[str, str] = {}
        for take in self.project.images_for(self.scene_id):
            key = thumbnail_key(self.project.folder, take.path)
            icon = self.thumbs.icon(key)
            if icon is None:
                icon = self.thumbs.placeholder
                wanted.setdefault(key, take.path)
            item = QListWidgetItem(icon, _caption(take, chosen))
            item.setData(TAKE_ID, take.id)
            item.setData(THUMB_KEY, key)
            item.setData(BADGES, frozenset([PINNED] * take.pinned + [IN_USE] * (chosen is not None and chosen.id == take.id)))
            item.setToolTip(_tooltip(take))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.grid.addItem(item)
            if take.id == keep:
                self.grid.setCurrentItem(item)
        self.thumbs.load(self.project.folder, wanted)

    def _thumbnails_arrived(self, keys: set) -> None:
        for row in range(self.grid.count()):  # items are looked up now: the grid may have been refilled
            item = self.grid.item(row)
            if item.data(THUMB_KEY) in keys:
                item.setIcon(self.thumbs.icon(item.data(THUMB_KEY)))

    def selected_take(self):
        item = self.grid.currentItem()
        if item is None or self.project is None:
            return None
        return self.project.image_takes.get(item.data(TAKE_ID))

    def select_take(self, take_id: str) -> None:
        for row in range(self.grid.count()):
            if self.grid.item(row).data(TAKE_ID) == take_id:
                self.grid.setCurrentRow(row)
                return

    def _refresh_buttons(self) -> None:
        has_scene = self._scene() is not None
        take = self.selected_take() if has_scene else None
        for button in (self.generate_button, self.seeds_button, self.add_button, self.final_button):
            button.setEnabled(has_scene)
        for button in (self.use_button, self.pin_button, self.delete_button, self.vary_button, self.cleanup_button):
            button.setEnabled(take is not None)
        self.same_seed_button.setEnabled(take is not None and take.seed is not None and take.kind != "cleanup")
        self.pin_button.setText("Unpin" if take is not None and take.pinned else "Pin")
        self.cancel_button.setEnabled(bool(self._keys))

    # -- creator intent ---------------------------------------------------------------
    def commit_prompt(self) -> None:
        scene = self._scene()
        if scene is None:
            return
        text = " ".join(self.prompt.toPlainText().split())
        if text and text != self.project.scene_prompt(scene.id):
            self._try(self.project.set_scene_prompt, scene.id, text)

    def generate(self, count: int = 1, seed: int | None = None) -> None:
        self.commit_prompt()
        scene, engine = self._scene(), self._engine()
        if scene is None or engine is None:
            return
        prompt, fmt = self.project.scene_prompt(scene.id), self.project.manifest.format
        folder, store, budget = self.project.folder, self.project.image_takes, imaging.draft_budget(self.project)
        for i in range(count):
            # "Image 2 of 4": with New seeds ×4 the bar otherwise ran from step 1 to 16 four times over.
            label = f"Image {i + 1} of {count}" if count > 1 else "Image"
            self._start(label, lambda state, s=seed: imaging.generate(folder, store, scene.id, prompt, fmt, engine,
                                                                      state, s, budget=budget))

    def render_final(self) -> bool:
        from studio.ui.image_final import render_final

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
        folder, store, scene_id = self.project.folder, self.project.image_takes, self.scene_id
        budget = imaging.draft_budget(self.project)
        self._start("Variation", lambda state: imaging.vary(folder, store, scene_id, take, prompt, strength, engine, state,
                                                            budget=budget))

    def cleanup(self, operation: str):
        """Auto contrast at once; the other cleanups after the creator drew the box or placed the frame.
        Returns the dialog when one opened."""
        take = self.selected_take()
        if take is None:
            return None
        if operation not in HAND_CLEANUPS:
            self.run_cleanup(take, operation)
            return None
        from studio.ui.image_cleanup import CleanupDialog, read_picture

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

    def toggle_pin(self) -> None:
        take = self.selected_take()
        if take is not None and self._try(self.project.pin_image, take.id, not take.pinned) is not None:
            self.refresh()

    def delete_selected(self) -> None:
        """Move the selected picture to the trash (a pinned one after asking); the next one is selected."""
        take = self.selected_take()
        if take is None:
            return
        if take.pinned and not ask_delete_pinned(self):
            return
        row = self.grid.currentRow()
        try:
            self.project.delete_image(take.id)
        except StudioError as exc:
            self._show(exc.message)
            return
        self.refresh()
        if self.grid.count():
            self.grid.setCurrentRow(min(row, self.grid.count() - 1))
        self._show("Removed from the scene; your picture stays in the folder. Undo brings it back." if take.by_reference
                   else "Moved to the trash; Undo brings it back.")

    def use_selected(self) -> None:
        take = self.selected_take()
        if take is not None:
            self._try(self.project.choose_image, self.scene_id, take.id)
            self.refresh()

    def add_picture(self, relative: str) -> None:
        take = self._try(self.project.add_creator_image, self.scene_id, relative)
        if take is not None:
            self.refresh()
            self.select_take(take.id)

    def _fill_pictures(self) -> None:
        self.add_menu.clear()
        pictures = creator_pictures(self.project.folder) if self.project is not None else []
        for relative in pictures[:200]:
            self.add_menu.addAction(relative, lambda r=relative: self.add_picture(r))
        if not pictures:
            self.add_menu.addAction("No pictures in the project folder").setEnabled(False)

    def cancel(self) -> None:
        for key in list(self._keys):
            self.window.jobs.cancel(key)

    # -- jobs -------------------------------------------------------------------------
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

    def _show(self, message: str) -> None:
        self.message.setText(message)
        if message:
            self.window.say(message)

    def _try(self, change, *args):
        try:
            return change(*args)
        except StudioError as exc:
            self._show(exc.message)
            return None


def ask_delete_pinned(parent: QWidget) -> bool:
    """A pinned picture was kept on purpose: ask before it goes to the trash."""
    answer = QMessageBox.question(parent, "Delete pinned picture",
                                  "This picture is pinned. Move it to the trash anyway? Undo brings it back.",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                  QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


def _caption(take, chosen) -> str:
    kind = {"creator": "your picture", "cleanup": take.request.get("operation", "cleanup").replace("_", " "),
            "variation": f"variation · seed {take.seed}", "final": "final"}.get(take.kind, f"seed {take.seed}")
    marks = (["pinned"] if take.pinned else []) + (["✓ in use"] if chosen is not None and chosen.id == take.id else [])
    return "\n".join([kind] + ([" · ".join(marks)] if marks else []))


def _tooltip(take) -> str:
    """The prompt; for a cleanup, what it did and where (the box or the focus, in the picture's pixels)."""
    if take.kind != "cleanup":
        return take.prompt or take.path
    done = imaging.CLEANUPS.get(take.request.get("operation", ""), "Cleanup")
    if take.request.get("rect"):
        x, y, w, h = take.request["rect"]
        done += f" inside the box {w}×{h} at ({x}, {y})"
    if take.request.get("focus"):
        fx, fy = take.request["focus"]
        done += f" to {take.request.get('format', '')} around {fx:.0%} across, {fy:.0%} down"
    return "\n".join(filter(None, [done, take.prompt]))


def _row(*widgets) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(6)
    for widget in widgets:
        row.addWidget(widget, 1 if isinstance(widget, QSlider) else 0)
    if not any(isinstance(w, QSlider) for w in widgets):
        row.addStretch(1)
    return row


def install_image_panel(window) -> ImagePanel:
    """The panel in a dock on the window's right, an Images menu, and the scene following the line."""
    panel = ImagePanel(window)
    dock = QDockWidget("Images", window)
    dock.setObjectName("images_dock")
    dock.setWidget(panel)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    panel.dock = dock
    window.editor.line_selected.connect(panel.show_line)

    bar = window.menuBar()
    menu = QMenu("&Images", bar)
    tools = next((a for a in bar.actions() if a.text() == "&Tools"), None)
    bar.insertMenu(tools, menu) if tools is not None else bar.addMenu(menu)
    generate = menu.addAction("&Generate Scene Image", lambda: panel.generate(1))
    generate.setShortcut(QKeySequence("Ctrl+G"))
    menu.addAction("New Seeds ×&4", lambda: panel.generate(4))
    menu.addAction("&Cancel Image Renders", panel.cancel)
    menu.addSeparator()
    toggle = dock.toggleViewAction()
    toggle.setText("Show Images &Panel")
    menu.addAction(toggle)
    return panel
