"""Start the studio: the application, its look, the window and the first project.

Start-up stays light: no engine, model or audio library is imported here; the voice
engine warms up in a job once the window is on screen.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from studio.engines.registry import EngineRegistry
from studio.settings import Settings
from studio.ui import theme
from studio.ui.main_window import APP_NAME, MainWindow

ORGANISATION = "Stitch Studio"
SCREENSHOT_FALLBACK_MS = 5000  # in case a platform never reports a paint


def run(path: str | None = None, *, demo: bool = False, screenshot: str | None = None) -> int:
    """Open the window on `path`, the demo, the last project or nothing; return the exit code.

    With `screenshot`, the window is saved to that PNG after its first paint and the
    studio quits (docs, CI artefacts and the launch benchmark use it).
    """
    app = QApplication.instance() or QApplication(sys.argv[:1] or [APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    theme.apply(app)

    settings = Settings.load()
    window = MainWindow(settings, EngineRegistry(), warm_up=screenshot is None)
    window.show()
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
    window.shutdown()
    return code


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
