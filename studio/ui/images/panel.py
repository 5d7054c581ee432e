"""The Images panel: the selected line's scene, its prompt, and a grid of image takes.

The grid (`image_grid.TakeGrid`) shows the takes with their badges and captions; the
renders (generate, new seeds, same seed, vary, cleanups, the final) are started and
followed by `image_renders.ImageRenders`, mixed in here. Nothing here reads pixels:
thumbnails come from `image_thumbs.Thumbnails` (read off the UI thread, a placeholder
until then). Delete (the key, the button or the grid's menu) moves a picture to the
trash, asking first when it is pinned; Undo brings it back. "Add picture" uses one of
the creator's own pictures, by reference.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QProgressBar,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.project.conventions import scene_label
from studio.jobs import imaging
from studio.project.images import PICTURE_SUFFIXES, creator_pictures
from studio.ui.images.grid import TAKE_ID, THUMB_KEY, TakeGrid
from studio.ui.images.renders import HAND_CLEANUPS, ImageRenders
from studio.ui.images.thumbs import Thumbnails, thumbnail_key
from studio.ui.shell.drops import accepts, dropped_files

__all__ = ["HAND_CLEANUPS", "TAKE_ID", "THUMB_KEY", "ImagePanel", "PromptEdit", "TakeGrid", "ask_delete_pinned",
           "install_image_panel"]

_SOURCES = {"panel": "Prompt set here", "script": "Prompt from the script's [image: …] direction",
            "suggested": "Suggested from the scene's words: edit it to make it yours"}


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


class ImagePanel(ImageRenders, QWidget):
    """The scene's prompt, its takes and the buttons; the renders themselves are `ImageRenders`."""

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
        self.negative = QLineEdit()
        self.negative.setPlaceholderText("Not in the picture, e.g. text, watermark")
        self.negative.setToolTip("The scene's negative prompt: what its images must not show (a plan can set it; "
                                 "one-step drafts without guidance ignore it)")
        self.negative.editingFinished.connect(self.commit_negative)

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
        self.grid.currentItemChanged.connect(lambda *_: self._refresh_buttons())
        self.grid.itemDoubleClicked.connect(lambda _item: self.use_selected())
        self.grid.takes_drop = self.takes_drop
        self.grid.files_dropped.connect(self.pictures_dropped)

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
        avoid = QLabel("Avoid")
        avoid.setObjectName("hint")
        avoid.setBuddy(self.negative)
        negative_row = QHBoxLayout()
        negative_row.addWidget(avoid)
        negative_row.addWidget(self.negative, 1)
        layout.addLayout(negative_row)
        layout.addWidget(self.source_label)
        layout.addLayout(_row(self.generate_button, self.seeds_button, self.cancel_button))
        layout.addLayout(_row(self.same_seed_button, self.final_button))
        layout.addWidget(self.progress)
        layout.addWidget(self.grid, 1)
        # Two rows, so the dock stays narrow enough for a 1366-pixel screen beside the script.
        layout.addLayout(_row(self.use_button, self.pin_button, self.delete_button))
        layout.addLayout(_row(self.cleanup_button, self.add_button))
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
            self.negative.clear()
            self.source_label.clear()
            self.grid.clear()
            self._refresh_buttons()
            return
        number = next(i for i, s in enumerate(self.project.scenes, 1) if s.id == scene.id)
        self.scene_label.setText(scene_label(number, scene.title))
        prompt, source = self.project.prompt_and_source(scene.id)
        if not self.prompt.hasFocus() and self.prompt.toPlainText() != prompt:
            self.prompt.setPlainText(prompt)
        negative = self.project.scene_negative_prompt(scene.id)
        if not self.negative.hasFocus() and self.negative.text() != negative:
            self.negative.setText(negative)
            self.negative.setCursorPosition(0)  # the start of it in view, as the prompt's
        self.source_label.setText(_SOURCES[source])
        self.thumbs.set_box(self.grid.fit(self.project.manifest.format))
        self._fill_grid()
        self._refresh_buttons()

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
            item = self.grid.add_take(take, chosen, icon, key)
            if take.id == keep:
                self.grid.setCurrentItem(item)
        self.thumbs.load(self.project.folder, wanted)

    def _thumbnails_arrived(self, keys: set) -> None:
        self.grid.show_icons(keys, self.thumbs.icon)

    def selected_take(self):
        item = self.grid.currentItem()
        if item is None or self.project is None:
            return None
        return self.project.image_takes.get(item.data(TAKE_ID))

    def select_take(self, take_id: str) -> None:
        self.grid.select_take(take_id)

    def _refresh_buttons(self) -> None:
        has_scene = self._scene() is not None
        take = self.selected_take() if has_scene else None
        for button in (self.generate_button, self.seeds_button, self.add_button, self.final_button, self.negative):
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
        self.commit_negative()

    def commit_negative(self) -> None:
        """The negative prompt as typed goes to the scene (emptied: the scene has none); undoable."""
        scene = self._scene()
        if scene is None:
            return
        text = " ".join(self.negative.text().split())
        if text != self.project.scene_negative_prompt(scene.id):
            self._try(self.project.set_scene_negative_prompt, scene.id, text or None)
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

    def takes_drop(self, mime) -> bool:
        return self._scene() is not None and accepts(mime, self.project.folder, PICTURE_SUFFIXES)

    def pictures_dropped(self, mime) -> None:
        """Pictures of the folder dropped on the grid: the first becomes the scene's image (by
        reference, one undo step), the others join its takes."""
        if self._scene() is None:
            return
        files, problem = dropped_files(mime, self.project.folder, PICTURE_SUFFIXES)
        if not files:
            self._show(problem or "Drop a picture from the project folder here.")
            return
        for relative in files[1:]:
            self._try(self.project.add_creator_image, self.scene_id, relative)
        take = self._try(self.project.use_creator_picture, self.scene_id, files[0])
        self.refresh()
        if take is not None:
            self.select_take(take.id)
            self._show(problem or f"{files[0]} is this scene's picture now, used where it is in the folder "
                                  "(Undo takes it back).")

    def _fill_pictures(self) -> None:
        self.add_menu.clear()
        pictures = creator_pictures(self.project.folder) if self.project is not None else []
        for relative in pictures[:200]:
            self.add_menu.addAction(relative, lambda r=relative: self.add_picture(r))
        if not pictures:
            self.add_menu.addAction("No pictures in the project folder").setEnabled(False)

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
    # The panel scrolls when the screen is short (1366×768 with the Media dock under it), so a field
    # added to it can never make the window taller than the screen.
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(panel)
    dock.setWidget(scroll)
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