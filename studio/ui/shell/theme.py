"""The studio's look: a calm light theme, readable type, and the colours of line states."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QLabel

# What each line state is called on screen, and its colour.
STATE_LOOK: dict[str, tuple[str, str]] = {
    "none": ("no take", "#8b9099"),
    "rendering": ("rendering…", "#2f6fdf"),
    "draft": ("draft", "#2e9d5b"),
    "final": ("final", "#6b4fd8"),
    "stale": ("stale", "#c98400"),
    "failed": ("failed", "#d1453b"),
}

INK = "#1f2328"
MUTED = "#6a717b"
PAPER = "#f6f5f2"
PANEL = "#ffffff"
LINE = "#e2e0db"
ACCENT = "#2f6fdf"

STYLESHEET = f"""
QMainWindow, QDialog {{ background: {PAPER}; }}
QWidget {{ color: {INK}; }}
QTreeView, QPlainTextEdit, QListWidget {{
    background: {PANEL};
    border: 1px solid {LINE};
    border-radius: 8px;
    selection-background-color: #dce8fb;
    selection-color: {INK};
}}
QTreeView {{ padding: 4px; }}
QTreeView::item {{ padding: 6px 4px; }}
QHeaderView::section {{
    background: {PANEL};
    color: {MUTED};
    border: none;
    border-bottom: 1px solid {LINE};
    padding: 6px 8px;
    font-weight: 600;
}}
QPlainTextEdit {{ padding: 8px; }}
QLabel#heading {{ font-size: 15px; font-weight: 600; }}
QLabel#hint, QLabel#engine {{ color: {MUTED}; }}
QLabel#emptyTitle {{ font-size: 22px; font-weight: 600; }}
QPushButton, QToolButton {{
    background: {PANEL};
    border: 1px solid #d3d0ca;
    border-radius: 6px;
    padding: 6px 14px;
}}
QPushButton:hover, QToolButton:hover {{ background: #eef3fc; border-color: {ACCENT}; }}
QPushButton:focus, QToolButton:focus {{ border-color: {ACCENT}; }}
QToolButton#takePlay {{ padding: 1px 6px; border: none; background: transparent; color: {ACCENT}; }}
QToolButton#takePlay:hover {{ background: #eef3fc; }}
QPushButton#primary {{ background: {ACCENT}; color: white; border-color: {ACCENT}; }}
QPushButton#primary:hover {{ background: #2960c4; }}
QPushButton:disabled {{ color: #a3a8b0; background: #f1f0ec; }}
QPushButton#primary:disabled {{ color: #a3a8b0; background: #f1f0ec; border-color: #d3d0ca; }}
QStatusBar {{ background: {PANEL}; border-top: 1px solid {LINE}; }}
QStatusBar QLabel {{ padding: 0 6px; }}
QProgressBar {{
    border: 1px solid {LINE};
    border-radius: 5px;
    background: #eef0f3;
    min-width: 140px;
}}
QProgressBar[textVisible="false"] {{ max-height: 10px; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}
QFrame#conflictBar {{
    background: #fff4dc;
    border: 1px solid #ecc66a;
    border-radius: 8px;
}}
QSplitter::handle {{ background: {PAPER}; }}
"""


def apply(app: QApplication) -> None:
    font = QFont(app.font())
    if font.pointSizeF() < 10.5:
        font.setPointSizeF(10.5)
    app.setFont(font)
    app.setStyle("Fusion")
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, PAPER),
        (QPalette.ColorRole.Base, PANEL),
        (QPalette.ColorRole.AlternateBase, "#faf9f7"),
        (QPalette.ColorRole.Button, PANEL),
        (QPalette.ColorRole.Text, INK),
        (QPalette.ColorRole.WindowText, INK),
        (QPalette.ColorRole.ButtonText, INK),
        (QPalette.ColorRole.Highlight, "#dce8fb"),
        (QPalette.ColorRole.HighlightedText, INK),
        (QPalette.ColorRole.PlaceholderText, "#9aa0a8"),
        (QPalette.ColorRole.ToolTipBase, PANEL),
        (QPalette.ColorRole.ToolTipText, INK),
    ):
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)
    app.setStyleSheet(STYLESHEET)


def state_colour(state: str) -> QColor:
    return QColor(STATE_LOOK.get(state, STATE_LOOK["none"])[1])


def state_name(state: str) -> str:
    return STATE_LOOK.get(state, (state, ""))[0]


def problem_label() -> QLabel:
    """A wrapped sentence in the "failed" colour, hidden until there is something to say."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {STATE_LOOK['failed'][1]};")
    label.hide()
    return label
