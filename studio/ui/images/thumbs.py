"""Thumbnails of picture files, read and scaled off the UI thread.

`Thumbnails` reads on a small pool of its own (two threads; not jobs, which would
show in the status bar for every few pictures), a few files per batch, and hands
each batch back by a queued signal. Icons are cached by the file's path, mtime and
size, so a creator's picture changed in place is read again. A placeholder stands
in until a picture arrives. Clearing (another project, another thumbnail size)
drops batches still under way; deleting the owner waits for the pool first.

`BadgeDelegate` draws on the picture itself what the caption says: a green check for
the image in use, a pin for a pinned one (painted, so no font need have the glyphs).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRect, QRectF, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QImageReader, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem
from shiboken6 import isValid

log = logging.getLogger(__name__)

PER_BATCH = 6  # thumbnails appear a few at a time, and the pool's two threads share them
BADGES = Qt.ItemDataRole.UserRole + 3  # an item's badges: a frozenset of IN_USE and PINNED
IN_USE, PINNED = "in use", "pinned"
IN_USE_COLOUR, PIN_COLOUR = QColor(38, 166, 91), QColor(222, 56, 48)


def read_thumbnail(path: Path, box: QSize) -> QImage:
    """Worker side: the picture read at thumbnail size (QImage is safe off the UI thread, QPixmap is not)."""
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        reader.setScaledSize(size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


def thumbnail_key(folder, relative: str) -> str:
    """"path|mtime|bytes" of a picture in the project (a stat, no read)."""
    try:
        info = os.stat(Path(folder) / relative)
    except OSError:
        return f"{relative}|missing"
    return f"{relative}|{info.st_mtime_ns}|{info.st_size}"


class Thumbnails(QObject):
    arrived = Signal(object)  # the keys of a batch now in the cache

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.box = QSize()
        self.placeholder = QIcon()
        self._icons: dict[str, QIcon] = {}
        self._loading: set[str] = set()
        self._live = [0]  # the generation wanted now, shared with the batches: older ones stop early
        # The pool is made before the courier, so on deletion it waits for its batches first.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._courier = _Courier(self)
        self._courier.carried.connect(self._arrived, Qt.ConnectionType.QueuedConnection)

    def set_box(self, box: QSize) -> None:
        """The thumbnails' size; a new one drops the cache (they are read again at that size)."""
        if box != self.box or self.placeholder.isNull():
            self.box = QSize(box)
            self.placeholder = _placeholder(box.width(), box.height())
            self.clear()

    def clear(self) -> None:
        self._icons.clear()
        self._loading.clear()
        self._live[0] += 1

    def icon(self, key: str) -> QIcon | None:
        return self._icons.get(key)

    def load(self, folder, wanted: dict[str, str]) -> None:
        """Read {key: relative path} that are neither cached nor on their way."""
        todo = [(k, rel) for k, rel in wanted.items() if k not in self._icons and k not in self._loading]
        for start in range(0, len(todo), PER_BATCH):
            batch = todo[start:start + PER_BATCH]
            self._loading.update(key for key, _ in batch)
            self._pool.start(_Batch(self._courier, Path(folder), self.box, batch, self._live))

    @property
    def busy(self) -> bool:
        return bool(self._loading) or self._pool.activeThreadCount() > 0

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)

    def _arrived(self, generation: int, keys: list, found: dict) -> None:
        if generation != self._live[0]:
            return  # read for another project or size
        self._loading.difference_update(keys)
        for key, image in found.items():
            self._icons[key] = QIcon(QPixmap.fromImage(image)) if not image.isNull() else QIcon()
        self.arrived.emit(set(found))


class _Courier(QObject):
    """Carries a batch's pictures to the UI thread (a queued signal)."""

    carried = Signal(int, object, object)  # generation, keys, {key: QImage}


class _Batch(QRunnable):
    """Reads a few thumbnails on a pool thread; stops early once they are no longer wanted."""

    def __init__(self, courier: _Courier, folder: Path, box: QSize, batch: list, live: list):
        super().__init__()
        self.courier, self.folder, self.box, self.batch, self.live = courier, folder, QSize(box), batch, live
        self.generation = live[0]

    def run(self) -> None:
        found = {}
        try:
            for key, relative in self.batch:
                if self.live[0] != self.generation:
                    break
                found[key] = read_thumbnail(self.folder / relative, self.box)
        except Exception:  # a pool thread must never raise: the grid keeps the placeholder
            log.exception("reading thumbnails failed")
        if isValid(self.courier):
            self.courier.carried.emit(self.generation, [key for key, _ in self.batch], found)


class BadgeDelegate(QStyledItemDelegate):
    """Paints an item as usual, then its badges on the corners of its picture."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        super().paint(painter, option, index)
        badges = index.data(BADGES)
        if not badges:
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        box = style.subElementRect(QStyle.SubElement.SE_ItemViewItemDecoration, opt, opt.widget)
        # The picture keeps its shape inside the icon box: the badges go on its corners, not the box's.
        shown = opt.icon.actualSize(box.size()) if not opt.icon.isNull() else box.size()
        picture = QRect(0, 0, shown.width(), shown.height())
        picture.moveCenter(box.center())
        draw_badges(painter, picture, badges)


def badge_rects(picture: QRect) -> dict[str, QRectF]:
    """Where each badge goes on a picture: the check top right, the pin top left."""
    side = max(14.0, min(26.0, min(picture.width(), picture.height()) / 4))
    top = picture.top() + 4
    return {IN_USE: QRectF(picture.right() - 4 - side, top, side, side),
            PINNED: QRectF(picture.left() + 4, top, side, side)}


def draw_badges(painter: QPainter, picture: QRect, badges) -> None:
    rects = badge_rects(picture)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if IN_USE in badges:
        _check(painter, rects[IN_USE])
    if PINNED in badges:
        _pin(painter, rects[PINNED])
    painter.restore()


def _disc(painter: QPainter, rect: QRectF, fill: QColor) -> None:
    painter.setPen(QPen(QColor(255, 255, 255), max(1.0, rect.width() / 12)))  # a rim: clear on dark and light pictures
    painter.setBrush(fill)
    painter.drawEllipse(rect)


def _check(painter: QPainter, rect: QRectF) -> None:
    _disc(painter, rect, IN_USE_COLOUR)
    w, x, y = rect.width(), rect.left(), rect.top()
    mark = QPainterPath(QPointF(x + w * 0.27, y + w * 0.52))
    mark.lineTo(x + w * 0.44, y + w * 0.69)
    mark.lineTo(x + w * 0.74, y + w * 0.34)
    pen = QPen(QColor(255, 255, 255), w * 0.13, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(mark)


def _pin(painter: QPainter, rect: QRectF) -> None:
    """A push pin on a dark disc: the needle, then the red head over it."""
    _disc(painter, rect, QColor(40, 40, 46, 220))
    w, x, y = rect.width(), rect.left(), rect.top()
    painter.setPen(QPen(QColor(225, 225, 230), w * 0.09, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.drawLine(QPointF(x + w * 0.52, y + w * 0.48), QPointF(x + w * 0.28, y + w * 0.78))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PIN_COLOUR)
    painter.drawEllipse(QRectF(x + w * 0.42, y + w * 0.2, w * 0.36, w * 0.36))


def _placeholder(width: int, height: int) -> QIcon:
    """A plain card the thumbnail's size, shown while the picture is read."""
    pixmap = QPixmap(max(1, width), max(1, height))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(128, 128, 128, 60))
    painter.drawRoundedRect(1, 1, width - 2, height - 2, 6, 6)
    painter.end()
    return QIcon(pixmap)
