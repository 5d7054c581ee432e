"""View ▸ How the Studio Reads Your Script…: the title, each scene, each spoken line as the
voice will say it, and what is not spoken (speaker labels, directions, notes), from
`Project.reading()`, the data `studio script PROJECT --show` prints. It follows the
script while open: an edit here or in another editor shows at once."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from studio.project.conventions import scene_label
from studio.ui.shell.theme import MUTED

NOT_SPOKEN = {"speaker": "Speaker", "direction": "Direction", "kept": "Note"}


class ReadingDialog(QDialog):
    def __init__(self, window, parent: QWidget | None = None):
        super().__init__(parent or window)
        self.window = window
        self.project = None
        self._unsubscribe = None
        self.setWindowTitle("How the studio reads your script")
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)
        intro = QLabel("Each spoken line as the voice will say it. What is not spoken (speaker labels, "
                       "directions, notes) is in grey italics, where it stands in the script.")
        intro.setObjectName("hint")
        intro.setWordWrap(True)
        self.view = QTextBrowser()  # wraps long lines, and the creator can select and copy them
        self.view.setOpenLinks(False)
        self._rows: list[tuple[str, str]] = []
        self.summary = QLabel()
        self.summary.setObjectName("hint")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(self.heading)
        layout.addWidget(intro)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.resize(720, 560)

    def bind(self, project) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.project = project
        if project is not None:
            self._unsubscribe = project.subscribe(lambda _event, _line: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        self._rows = []
        if self.project is None:
            self.heading.setText("No project is open.")
            self.view.clear()
            self.summary.clear()
            return
        project = self.project
        self.heading.setText(f"{project.title} · {project.script_path.name}")
        cells, scenes, lines = [], 0, 0
        for kind, text in project.reading():
            if kind == "scene":
                scenes += 1
                part, shown, style = f"Scene {scenes}", scene_label(scenes, text), "font-weight:600; padding-top:8px"
            elif kind == "line":
                lines += 1
                part, shown, style = f"Line {lines}", text, "padding-left:14px"
            elif kind == "title":
                part, shown, style = "Title", text, "font-weight:600"
            else:
                part, shown = NOT_SPOKEN.get(kind, "Note"), text
                style = f"padding-left:14px; color:{MUTED}; font-style:italic"
            self._rows.append((kind, shown))
            cells.append(f'<tr><td style="{style}; padding-right:12px; white-space:nowrap">{escape(part)}</td>'
                         f'<td style="{style}">{escape(shown)}</td></tr>')
        self.view.setHtml(f'<table cellspacing="0" cellpadding="2" width="100%">{"".join(cells)}</table>')
        self.summary.setText(f"{scenes} scene{'s' if scenes != 1 else ''}, {lines} spoken line{'s' if lines != 1 else ''}.")

    def rows(self) -> list[tuple[str, str]]:
        """(kind, text) of every row in order, as shown."""
        return list(self._rows)

    def closeEvent(self, event) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        super().closeEvent(event)


def show_reading(window) -> ReadingDialog | None:
    """Open (or raise) the view for the window's project."""
    if window.project is None:
        window.say("Open a project to see how the studio reads its script.")
        return None
    dialog = getattr(window, "reading_dialog", None)
    if dialog is None:
        dialog = window.reading_dialog = ReadingDialog(window)
    dialog.bind(window.project)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
