"""The Media dock: the pictures and sound files in the project folder, to drag where they go.

A picture (shown as its thumbnail, read off the UI thread by `thumbs.Thumbnails`) dropped
on the Images panel becomes the shown scene's image; dropped on the timeline's picture
lane, the image of the scene under it; a sound file dropped on the Music lane becomes the
music bed. Every file is used where it lies, by reference: nothing is moved or copied,
and each drop is one undo step. The drag carries file URLs (`shell.drops.media_mime`).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from studio.project.folder import creator_files
from studio.project.media import MUSIC_SUFFIXES, PICTURE_SUFFIXES
from studio.ui.images.thumbs import Thumbnails, thumbnail_key
from studio.ui.shell.drops import media_mime

PATH = Qt.ItemDataRole.UserRole + 1  # the file, relative to the project folder
KIND = Qt.ItemDataRole.UserRole + 2  # "picture" or "sound"
ICON = 56
HINT = "Drag a picture onto the Images panel or the timeline's picture lane, a sound onto the Music lane."
SHORT_HINT = "Drag onto the Images panel, the picture lane or the Music lane."


class MediaList(QListWidget):
    """The files as cells; dragging one carries its file URL."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.folder = None
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(ICON, ICON))
        self.setGridSize(QSize(ICON + 44, ICON + 34))
        self.setMinimumHeight(ICON + 34 + 2 * self.frameWidth() + 4)  # one whole row, names included, at 768 pixels
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWordWrap(True)
        self.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QListWidget.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]

    def mimeData(self, items):
        return media_mime(self.folder, [item.data(PATH) for item in items])

    def supportedDropActions(self):
        return Qt.DropAction.CopyAction | Qt.DropAction.LinkAction


class MediaBin(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = None
        self.thumbs = Thumbnails(self)
        self.thumbs.arrived.connect(self._thumbnails_arrived)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(4)
        self.hint = QLabel(SHORT_HINT)
        self.hint.setToolTip(HINT)
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.list = MediaList()
        self.count_label = QLabel()
        self.count_label.setObjectName("hint")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Look in the project folder again for pictures and sound files")
        self.refresh_button.clicked.connect(self.refresh)
        row = QHBoxLayout()
        row.addWidget(self.count_label, 1)
        row.addWidget(self.refresh_button)
        layout.addWidget(self.hint)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        self.thumbs.set_box(QSize(ICON, ICON))

    def bind(self, project) -> None:
        self.project = project
        self.thumbs.clear()
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        if self.project is None:
            self.list.folder = None
            self.count_label.setText("No project open.")
            return
        folder = self.project.folder
        self.list.folder = folder
        pictures = creator_files(folder, PICTURE_SUFFIXES)
        sounds = creator_files(folder, MUSIC_SUFFIXES)
        wanted: dict[str, str] = {}
        for relative in pictures:
            key = thumbnail_key(folder, relative)
            icon = self.thumbs.icon(key)
            if icon is None:
                icon = self.thumbs.placeholder
                wanted[key] = relative
            self._add(relative, "picture", icon).setData(Qt.ItemDataRole.UserRole + 3, key)
        note = self.style().standardIcon(QStyle.StandardPixmap.SP_MediaVolume)
        for relative in sounds:
            self._add(relative, "sound", note)
        self.thumbs.load(folder, wanted)
        self.count_label.setText(f"{len(pictures)} picture{'s' if len(pictures) != 1 else ''}, "
                                 f"{len(sounds)} sound file{'s' if len(sounds) != 1 else ''} in the folder")

    def _add(self, relative: str, kind: str, icon) -> QListWidgetItem:
        item = QListWidgetItem(icon, relative.rsplit("/", 1)[-1])
        item.setData(PATH, relative)
        item.setData(KIND, kind)
        item.setToolTip(f"{relative}\n{HINT}")
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.list.addItem(item)
        return item

    def _thumbnails_arrived(self, keys: set) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            key = item.data(Qt.ItemDataRole.UserRole + 3)
            if key in keys:
                item.setIcon(self.thumbs.icon(key))
        self.list.doItemsLayout()  # as in the Images grid: a cell resized in place left its old pixels
        self.list.viewport().update()

    def item_for(self, relative: str) -> QListWidgetItem | None:
        return next((self.list.item(r) for r in range(self.list.count()) if self.list.item(r).data(PATH) == relative), None)


def install_media_bin(window) -> MediaBin:
    """The Media dock, a tab beside the Preview under the Images dock (View ▸ Media)."""
    media = MediaBin()
    dock = QDockWidget("Media", window)
    dock.setObjectName("media_dock")
    dock.setWidget(media)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    preview = window.findChild(QDockWidget, "preview_dock")
    if preview is not None:
        window.tabifyDockWidget(preview, dock)
        preview.raise_()
    else:
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    media.dock = dock
    view = next((a.menu() for a in window.menuBar().actions() if a.text() == "V&iew"), None)
    if view is not None:
        toggle = dock.toggleViewAction()
        toggle.setText("&Media")
        view.addAction(toggle)
    return media
