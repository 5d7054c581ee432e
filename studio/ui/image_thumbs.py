"""Thumbnails of picture files, read and scaled off the UI thread.

`Thumbnails` reads on a small pool of its own (two threads; not jobs, which would
show in the status bar for every few pictures), a few files per batch, and hands
each batch back by a queued signal. Icons are cached by the file's path, mtime and
size, so a creator's picture changed in place is read again. A placeholder stands
in until a picture arrives. Clearing (another project, another thumbnail size)
drops batches still under way; deleting the owner waits for the pool first.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QImageReader, QPainter, QPixmap
from shiboken6 import isValid

log = logging.getLogger(__name__)

PER_BATCH = 6  # thumbnails appear a few at a time, and the pool's two threads share them


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
