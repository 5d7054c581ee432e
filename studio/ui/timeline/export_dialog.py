"""File ▸ Export…: preset, captions and where to save; the export runs as a job with a progress bar.

Cancel stops the job (the file is written under a hidden name and renamed only when
complete, so nothing is left under the chosen name); a failure shows its sentence.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressBar,
    QPushButton, QVBoxLayout,
)

from studio.errors import StudioError
from studio.project.look import look_of

CAPTIONS = (("burn", "Burned into the picture"), ("srt", "Beside the video (.srt)"),
            ("vtt", "Beside the video (.vtt)"), ("none", "No captions"))
QUALITY = (("final", "Final"), ("quick", "Quick look (faster, for checking the cut)"))
ENCODERS = (("libx264", "x264 (software)"), ("fastest", "Fastest here (a hardware encoder where one works)"))
FORMAT_PRESET = {"9:16": "shorts", "16:9": "landscape", "1:1": "square"}
JOB_KEY = "export"


class ExportDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        from studio.render.export import PRESETS

        self.window = window
        self.running = False
        self.result = None
        self.setWindowTitle("Export video")
        self.preset = QComboBox()
        for name, preset in PRESETS.items():
            self.preset.addItem(f"{preset.label} — {preset.width}×{preset.height}", name)
        self.captions = QComboBox()
        for mode, label in CAPTIONS:
            self.captions.addItem(label, mode)
        self.quality = QComboBox()
        for quality, label in QUALITY:
            self.quality.addItem(label, quality)
        self.encoder = QComboBox()
        for encoder, label in ENCODERS:
            self.encoder.addItem(label, encoder)
        self.path = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        form = QFormLayout()
        form.addRow("Shape", self.preset)
        form.addRow("Captions", self.captions)
        form.addRow("Quality", self.quality)
        form.addRow("Encoder", self.encoder)
        form.addRow("Save as", where)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("hint")
        # Lines without a take stop the export; this renders them without leaving the dialog.
        self.render_button = QPushButton("Render them")
        self.render_button.setToolTip("Render every line without a current take (Voice ▸ Render All Lines)")
        self.render_button.clicked.connect(self._render_missing)
        self.render_button.hide()
        self.start_button = QPushButton("Export")
        self.start_button.setObjectName("primary")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self.cancel_or_close)
        # Shown once a video is written: what a creator does next.
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Play the exported video in your usual player")
        self.open_button.clicked.connect(self.open_result)
        self.show_button = QPushButton("Show in folder")
        self.show_button.clicked.connect(self.show_result)
        for button in (self.open_button, self.show_button):
            button.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.render_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.show_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        self.progress.hide()  # shown when an export runs: an empty bar before that says nothing
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(560, 0)

        project = window.project
        preset = FORMAT_PRESET.get(project.manifest.format, "shorts") if project is not None else "shorts"
        self.preset.setCurrentIndex(max(0, self.preset.findData(preset)))
        self.preset.currentIndexChanged.connect(self._suggest_name)
        self.quality.currentIndexChanged.connect(self._suggest_name)
        self._suggested = ""
        self._suggest_name()

    def _suggest_name(self) -> None:
        project = self.window.project
        if project is None or (self.path.text() and self.path.text() != self._suggested):
            return
        from studio.render.export import export_file_name

        name = export_file_name(project.title, self.preset.currentData(), self.quality.currentData())
        self._suggested = str(Path(project.folder) / "exports" / name)
        self.path.setText(self._suggested)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Export video as", self.path.text(), "MP4 video (*.mp4)")
        if chosen:
            self.path.setText(chosen if chosen.lower().endswith(".mp4") else chosen + ".mp4")

    # -- the job -------------------------------------------------------------------------
    def start(self) -> None:
        project = self.window.project
        if project is None or self.running:
            return
        from studio.render.from_project import LinesWithoutTakes, lines_without_takes

        missing = lines_without_takes(project)
        self.render_button.setVisible(bool(missing))
        if missing:
            self._say(LinesWithoutTakes(missing).message)
            return
        out = Path(self.path.text().strip()).expanduser()
        if not out.name or out.suffix.lower() != ".mp4":
            self._say("Choose a file name ending in .mp4 to save the video as.")
            return
        if out.exists():
            out = self.confirm_overwrite(out)
            if out is None:
                self._say("Nothing was exported; the file there is as it was.")
                return
            self.path.setText(str(out))
        panel = getattr(self.window, "timeline", None)
        timeline, cues = (panel.timeline, panel.cues) if panel is not None and panel.timeline else (None, None)
        if timeline is None:
            from studio.render.from_project import build_timeline, timeline_cues

            try:
                timeline = build_timeline(project)
                cues = timeline_cues(project, timeline)
            except StudioError as exc:
                self._say(exc.message)
                return
        folder, preset, mode = Path(project.folder), self.preset.currentData(), self.captions.currentData()
        quality, encoder = self.quality.currentData(), self.encoder.currentData()
        look = look_of(project.manifest)

        def work(state):
            from studio.render.export import export

            return export(timeline, folder, out, preset, captions=cues, captions_mode=mode, state=state,
                          quality=quality, encoder=encoder, look=look)

        self.running = True
        self.result = None
        self.open_button.hide()
        self.show_button.hide()
        self.progress.setValue(0)
        self.progress.show()
        self.start_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self._say("Exporting…")
        self.window.jobs.start(work, JOB_KEY, "Exporting the video", self._done, self._failed, self._cancelled,
                               lane="io", on_progress=self._progress)

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        if message:
            self.status.setText(message)

    def _done(self, result) -> None:
        self._stopped()
        self.result = result
        self.progress.setValue(1000)
        reused = result.segments - result.encoded_segments
        self._say(f"Exported {result.path.name}: {result.duration:.1f} s, {result.width}×{result.height}, "
                  f"in {result.seconds:.1f} s" + (f" ({reused} of {result.segments} scenes unchanged)" if reused else "")
                  + "." + "".join(f" {note}" for note in result.notes))
        self.open_button.show()
        self.show_button.show()
        self.window.say(f"Exported {result.path}.")

    def _failed(self, exc: BaseException) -> None:
        self._stopped()
        self._say(exc.message if isinstance(exc, StudioError) else f"The export failed: {exc}.")

    def _cancelled(self) -> None:
        self._stopped()
        self.progress.setValue(0)
        self.progress.hide()
        self._say("Export cancelled; nothing was saved.")

    def _stopped(self) -> None:
        self.running = False
        self.start_button.setEnabled(True)
        self.cancel_button.setText("Close")

    def confirm_overwrite(self, out: Path) -> Path | None:
        """The file to write when `out` exists: the same (replace), a new free name, or None."""
        fresh = free_name(out)
        box = QMessageBox(QMessageBox.Icon.Question, "Replace the video?",
                          f"{out.name} is already there. Replace it, or save this export as {fresh.name}?",
                          parent=self)
        replace_button = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        new_button = box.addButton(f"Save as {fresh.name}", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(new_button)
        box.exec()
        clicked = box.clickedButton()
        return out if clicked is replace_button else fresh if clicked is new_button else None

    def open_result(self) -> None:
        if self.result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result.path)))

    def show_result(self) -> None:
        if self.result is not None:
            show_in_folder(Path(self.result.path))

    def _say(self, message: str) -> None:
        self.status.setText(message)
        self._fit()

    def _fit(self) -> None:
        """Grow to hold a longer sentence: the fixed height squeezed the Browse button flat."""
        layout = self.layout()
        layout.activate()
        need = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
        if need > self.height():
            self.resize(self.width(), need)

    def _render_missing(self) -> None:
        self.render_button.hide()
        self.window.render_all()
        self._say("Rendering the lines without a take: press Export again once their badges say draft.")

    def cancel_or_close(self) -> None:
        if self.running:
            self.window.jobs.cancel(JOB_KEY)
            self._say("Cancelling…")
        else:
            self.reject()

    def reject(self) -> None:
        if self.running:  # Esc or the window's close button while exporting: cancel, keep the dialog
            self.cancel_or_close()
            return
        super().reject()


def open_export(window) -> ExportDialog | None:
    if window.project is None:
        window.say("Open a project to export it.")
        return None
    dialog = getattr(window, "export_dialog", None)
    if dialog is None or not dialog.running:  # a fresh one: the project or its title may have changed
        if dialog is not None:
            dialog.deleteLater()
        dialog = window.export_dialog = ExportDialog(window)
    dialog.show()
    dialog.raise_()
    return dialog


def free_name(path: Path) -> Path:
    """`video-2.mp4`, `video-3.mp4`...: the first name beside `path` that is not taken."""
    stem = re.sub(r"-\d+$", "", path.stem)
    n = 2
    while (candidate := path.with_name(f"{stem}-{n}{path.suffix}")).exists():
        n += 1
    return candidate


def show_in_folder(path: Path) -> None:
    """The file's folder in the system's file manager, the file selected where it can be."""
    if sys.platform == "darwin":
        subprocess.Popen(["open", "-R", str(path)])
    elif sys.platform.startswith("win"):
        subprocess.Popen(["explorer", "/select,", str(path)])
    else:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
