"""What the window shows when no project is open: open a folder, the demo, a recent one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

RECENT_SHOWN = 5


class Welcome(QWidget):
    open_folder = Signal()
    open_demo = Signal()
    open_recent = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        column = QVBoxLayout()
        column.setSpacing(14)
        title = QLabel("Stitch Studio")
        title.setObjectName("emptyTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel("Open a folder with your script, or try the demo to hear how it works.")
        hint.setObjectName("hint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(title)
        column.addWidget(hint)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.open_button = QPushButton("Open Folder…")
        self.open_button.setObjectName("primary")
        self.open_button.clicked.connect(self.open_folder)
        self.demo_button = QPushButton("Open the demo")
        self.demo_button.clicked.connect(self.open_demo)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        column.addSpacing(6)
        column.addLayout(buttons)
        self.recent = QVBoxLayout()
        self.recent.setSpacing(4)
        column.addSpacing(10)
        column.addLayout(self.recent)
        outer.addLayout(column)
        outer.addStretch(3)

    def show_recent(self, folders: list[str]) -> None:
        while self.recent.count():
            widget = self.recent.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        existing = [f for f in folders if Path(f).is_dir()][:RECENT_SHOWN]
        if not existing:
            return
        label = QLabel("Recent projects")
        label.setObjectName("hint")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.recent.addWidget(label)
        for folder in existing:
            button = QPushButton(Path(folder).name)
            button.setFlat(True)
            button.setToolTip(folder)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, f=folder: self.open_recent.emit(f))
            self.recent.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
