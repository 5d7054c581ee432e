"""The status bar: one sentence, the progress of running jobs with Cancel, the engine in use."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from studio.ui.shell.jobs import QtJobs


class StatusLine(QStatusBar):
    cancel_clicked = Signal()

    def __init__(self, jobs: QtJobs, parent: QWidget | None = None):
        super().__init__(parent)
        self.jobs = jobs
        self.setSizeGripEnabled(False)
        self.message = QLabel()
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(180)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Cancel every render (Esc)")
        self.cancel_button.clicked.connect(self.cancel_clicked)
        self.engine = QLabel("")
        self.engine.setObjectName("engine")
        self.addWidget(self.message, 1)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.cancel_button)
        self.addPermanentWidget(self.engine)
        self.progress.hide()
        self.cancel_button.hide()
        self._job_text = ""  # what the running jobs last said; cleared when they are all done
        jobs.busy_changed.connect(self._busy_changed)
        jobs.progress.connect(self._job_progress)
        jobs.started.connect(self._job_progress)

    def say(self, message: str) -> None:
        """One sentence (a StudioError's message is shown as it is)."""
        self.message.setText(message)
        self.message.setToolTip(message)

    def _busy_changed(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self._job_progress()
        else:
            self.progress.setValue(0)
            if self._job_text and self.message.text() == self._job_text:
                self.say("")  # "Reading the picture…" must not stand after the reading is done
            self._job_text = ""

    def _job_progress(self, *_args) -> None:
        tickets = self.jobs.tickets()
        if not tickets:
            return
        lines = [t for t in tickets if t.key.startswith("line:")]
        current = max(tickets, key=lambda t: (t.fraction > 0, t.id))
        self.progress.setValue(int(current.fraction * 1000))
        if len(lines) > 1:
            self._job_text = f"Rendering {len(lines)} lines…"
        else:
            self._job_text = current.message or f"{current.label}…"
        self.say(self._job_text)
