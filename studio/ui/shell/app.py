"""Start the studio: the application, its look, the window and the first project.

Start-up stays light: no engine, model or audio library is imported here; the voice
engine warms up in a job once the window is on screen.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from studio.engines.registry import EngineRegistry
from studio.settings import Settings
from studio.ui.shell import theme
from studio.ui.shell.main_window import APP_NAME, MainWindow
from studio.ui.shell.single_instance import SingleInstance, hand_over

ORGANISATION = "Stitch Studio"
SCREENSHOT_FALLBACK_MS = 5000  # in case a platform never reports a paint


def run(path: str | None = None, *, demo: bool = False, screenshot: str | None = None) -> int:
    """Open the window on `path`, the demo, the last project or nothing; return the exit code.

    With `screenshot`, the window is saved to that PNG after its first paint and the
    studio quits (docs, CI artefacts and the launch benchmark use it).

    A folder while a studio of this user is already running opens there, in a new window,
    and this launch returns 0 at once (studio/ui/shell/single_instance.py).
    """
    app = QApplication.instance() or QApplication(sys.argv[:1] or [APP_NAME])
    if path and screenshot is None and Path(path).is_dir() and hand_over(path):
        return 0
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    theme.apply(app)

    settings = Settings.load()
    window = MainWindow(settings, EngineRegistry(), warm_up=screenshot is None)
    window.show()
    windows = Windows(window)
    instance = SingleInstance(parent=app)
    if screenshot is None:  # a screenshot run (docs, CI, benchmarks) never takes over the name
        instance.listen()
        instance.folder_requested.connect(windows.open)
    if path:
        window.open_folder(Path(path))
    elif demo:
        window.open_demo()
    else:
        last = next((f for f in settings.recent_projects if Path(f).is_dir()), None)
        if last is not None:
            window.open_folder(Path(last))

    if screenshot:
        shooter = _ShootAfterFirstPaint(window, Path(screenshot))
        window.installEventFilter(shooter)
        QTimer.singleShot(SCREENSHOT_FALLBACK_MS, shooter.shoot)
    code = app.exec()
    instance.close()
    for each in windows.all:
        each.shutdown()
    return code


class Windows(QObject):
    """The studio windows of this process; a folder handed over by a second launch opens here."""

    def __init__(self, first: MainWindow):
        super().__init__(first)
        self.all = [first]

    def open(self, folder: str) -> MainWindow:
        """Raise the window that has `folder` open, else open it in a new window and raise that."""
        wanted = Path(folder).resolve()
        for window in self.all:
            if window.project is not None and Path(window.project.folder).resolve() == wanted:
                return _raise(window)
        first = self.all[0]
        window = MainWindow(first.settings, first.registry)
        self.all.append(window)
        window.show()
        window.open_folder(wanted)
        return _raise(window)


def _raise(window: MainWindow) -> MainWindow:
    window.setWindowState((window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive)
    window.raise_()
    window.activateWindow()
    return window


class _ShootAfterFirstPaint(QObject):
    def __init__(self, window: MainWindow, target: Path):
        super().__init__(window)
        self.window = window
        self.target = target
        self.done = False

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint and not self.done:
            QTimer.singleShot(0, self.shoot)
        return False

    def shoot(self) -> None:
        if self.done:
            return
        self.done = True
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.window.grab().save(str(self.target))
        self.window.close()
        QApplication.instance().quit()
