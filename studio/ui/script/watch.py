"""Notices when the script file changes on disk (another editor saved it)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

SETTLE_MS = 200  # editors write a file in several steps


class ScriptWatch(QObject):
    changed = Signal()  # once the file has settled

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.script: Path | None = None
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._touched)
        self._watcher.directoryChanged.connect(self._touched)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.changed)

    def watch(self, script: Path) -> None:
        self.clear()
        self.script = Path(script)
        # The folder too: an editor that saves by replacing the file drops the file's watch.
        paths = [str(p) for p in (self.script, self.script.parent) if p.exists()]
        if paths:
            self._watcher.addPaths(paths)

    def clear(self) -> None:
        self.script = None
        self._settle.stop()
        paths = self._watcher.files() + self._watcher.directories()
        if paths:
            self._watcher.removePaths(paths)

    def check_soon(self) -> None:
        if self.script is not None:
            self._settle.start()

    def _touched(self, _path: str) -> None:
        if self.script is None:
            return
        if self.script.exists() and str(self.script) not in self._watcher.files():
            self._watcher.addPath(str(self.script))
        self._settle.start()
