"""The Images panel's grid of takes: one cell per picture, shaped like the project's format.

Arrows move, Enter uses the selected picture, P pins or unpins it, Delete throws it away;
a right click offers the same. The picture in use and pinned ones carry a badge drawn on
the thumbnail (`image_thumbs.BadgeDelegate`) as well as their caption; the tooltip is the
prompt, or what a cleanup did and where. Nothing here reads pixels: the panel hands over
the icons (`image_thumbs.Thumbnails`).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QMenu, QWidget

from studio.jobs import imaging
from studio.ui.images.thumbs import BADGES, IN_USE, PINNED, BadgeDelegate

TAKE_ID = Qt.ItemDataRole.UserRole + 1
THUMB_KEY = Qt.ItemDataRole.UserRole + 2
THUMB = 132


class TakeGrid(QListWidget):
    """The image takes; arrows move, Enter uses the selected picture, P pins or unpins it,
    Delete (or Backspace) throws it away; a right click offers the same."""

    use = Signal()
    pin = Signal()
    delete = Signal()
    files_dropped = Signal(object)  # a QMimeData of pictures dragged in (the media bin, a file manager)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setItemDelegate(BadgeDelegate(self))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 16, THUMB + 40))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWordWrap(True)
        self.setSpacing(4)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)  # drags arrive at the viewport; the scroll area itself ignores them
        self.takes_drop = None  # QMimeData -> bool: whether the panel would use a drop (set by it)

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

    # Pictures dropped here go to the scene shown (the list's own drag and drop, moving cells, is not used).
    def dragEnterEvent(self, event) -> None:
        self._drag_over(event)

    def dragMoveEvent(self, event) -> None:
        self._drag_over(event)

    def _drag_over(self, event) -> None:
        if self.takes_drop is not None and self.takes_drop(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        event.acceptProposedAction()
        self.files_dropped.emit(event.mimeData())

    def fit(self, fmt: str) -> QSize:
        """Cells shaped like the project's pictures, so a 16:9 grid has no tall gaps; returns the icon size."""
        a, b = (int(v) for v in fmt.split(":"))
        width, height = (THUMB, round(THUMB * b / a)) if a >= b else (round(THUMB * a / b), THUMB)
        if self.iconSize() != QSize(width, height):
            self.setIconSize(QSize(width, height))
            self.setGridSize(QSize(max(width, 112) + 16, height + 44))
            # At least one whole row: on a 768-pixel screen the captions ("pinned · ✓ in use") were cut off.
            self.setMinimumHeight(height + 44 + 2 * self.frameWidth() + 4)
        return QSize(width, height)

    def add_take(self, take, chosen, icon: QIcon, key: str) -> QListWidgetItem:
        """One cell: the thumbnail (`key` finds its icon later), caption, badges and tooltip."""
        item = QListWidgetItem(icon, _caption(take, chosen))
        item.setData(TAKE_ID, take.id)
        item.setData(THUMB_KEY, key)
        item.setData(BADGES, frozenset([PINNED] * take.pinned + [IN_USE] * (chosen is not None and chosen.id == take.id)))
        item.setToolTip(_tooltip(take))
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.addItem(item)
        return item

    def show_icons(self, keys: set, icon_for) -> None:
        """The thumbnails that arrived; items are looked up now: the grid may have been refilled.

        A picture narrower than the placeholder makes its cell narrower, and QListView resizes
        the cell where it stands without centring it again or repainting what it covered: the
        placeholder's caption stayed on screen beside the new one ("your pictureure"). So the
        cells are laid out again and the whole view repainted."""
        changed = False
        for row in range(self.count()):
            item = self.item(row)
            if item.data(THUMB_KEY) in keys:
                item.setIcon(icon_for(item.data(THUMB_KEY)))
                changed = True
        if changed:
            self.doItemsLayout()
            self.viewport().update()

    def select_take(self, take_id: str) -> None:
        for row in range(self.count()):
            if self.item(row).data(TAKE_ID) == take_id:
                self.setCurrentRow(row)
                return


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
