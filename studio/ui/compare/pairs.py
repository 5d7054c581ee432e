"""One row of a comparison in the window: a line's two takes, or a scene's two pictures.

Each side shows its figures and a pick button; in blind mode the sides are called X and
Y (in an order drawn per line and stored in the comparison), their names and figures
are hidden, and a pick lands on the real side. A line's takes have Play buttons; a
scene's pictures are shown side by side, the same size, with seconds per image, peak
memory and price beneath.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QLayout, QPushButton, QSizePolicy, QVBoxLayout

PICTURE_BOX = QSize(300, 160)  # a whole scene (pictures, figures, picks) in view on a 768-pixel screen
HIDDEN = "(figures hidden until you reveal)"


def voice_figures(fig: dict) -> str:
    from studio.render.compare_report import naturalness_shown, shown

    if not fig:
        return ""
    lines = [
        f"{shown(fig.get('duration'), '{:.2f} s')} · {shown(fig.get('words_per_minute'), '{:.0f}')} wpm",
        f"render {shown(fig.get('render_seconds'), '{:.2f} s')} (RTF {shown(fig.get('rtf'), '{:.2f}')}), "
        f"first audio {shown(fig.get('first_audio'), '{:.2f} s')}",
        f"{shown(fig.get('lufs'), '{:.1f} LUFS')}, peak {shown(fig.get('true_peak'), '{:.1f} dBTP')}",
        f"silence {shown(fig.get('lead_silence'), '{:.2f}')} / {shown(fig.get('trail_silence'), '{:.2f} s')}",
        f"misheard {shown(fig.get('wer'), '{:.0%}')} · natural {naturalness_shown(fig.get('naturalness'))}",
    ]
    for d in fig.get("differs", [])[:2]:
        lines.append(f"“{d['script'] or '—'}” → “{d['heard'] or '—'}”")
    return "\n".join(lines)


def image_figures(fig: dict, local: bool) -> str:
    from studio.money.prices import format_money, money
    from studio.render.compare_report import shown

    if not fig:
        return ""
    memory = f"peak memory {shown(fig.get('peak_memory_mb'), '{:.0f} MB')} (process {shown(fig.get('process_memory_mb'), '{:.0f} MB')})"
    if fig.get("gpu_memory_mb") is not None:
        memory += f", GPU {fig['gpu_memory_mb']:.0f} MB"
    price = "free (local)" if local else format_money(money(fig.get("price", 0)))
    return "\n".join([
        f"{shown(fig.get('seconds'), '{:.2f} s')} per image · {fig.get('width')}×{fig.get('height')}",
        memory,
        f"price {price}",
    ])


def read_picture(path, box: QSize = PICTURE_BOX) -> QPixmap:
    """The picture read at most `box` big, aspect kept (a small one is not enlarged)."""
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid() and (size.width() > box.width() or size.height() > box.height()):
        reader.setScaledSize(size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
    return QPixmap.fromImage(reader.read())


class Pair(QFrame):
    """What a line and a scene share: a heading, the reasons it was sampled, two sides with a pick."""

    def __init__(self, panel, entry: dict, heading: str):
        super().__init__()
        self.panel, self.line_id = panel, entry["line"]
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # scrolled, never squeezed
        self.text = QLabel(heading)
        self.text.setWordWrap(True)
        self.reasons = QLabel(", ".join(entry.get("reasons", [])))
        self.reasons.setStyleSheet("color: palette(mid);")
        layout.addWidget(self.text)
        layout.addWidget(self.reasons)
        self.grid = QGridLayout()
        layout.addLayout(self.grid)
        self.titles, self.figures, self.picks, self.buttons = [], [], [], []
        for column in range(2):
            title = QLabel()
            figures = QLabel()
            figures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            figures.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
            pick = QPushButton()
            pick.setCheckable(True)
            pick.clicked.connect(lambda _c=False, col=column: self.panel.pick(self.line_id, self.side_at(col)))
            buttons = QHBoxLayout()
            buttons.addWidget(pick)
            buttons.addStretch(1)
            self.titles.append(title)
            self.figures.append(figures)
            self.picks.append(pick)
            self.buttons.append(buttons)

    def side_at(self, column: int) -> str:
        """Which side ("a"/"b") the column shows: A|B, or X|Y in blind mode."""
        if not self.panel.blind:
            return "ab"[column]
        return self.panel.comparison.blind_side(self.line_id, "XY"[column])

    def name_at(self, column: int) -> str:
        return "XY"[column] if self.panel.blind else self.side_at(column).upper()

    def side_title(self, side: str) -> str:
        return self.panel.comparison.data[side]["label"]

    def side_figures(self, entry: dict, side: str) -> str:
        raise NotImplementedError

    def refresh(self) -> None:
        entry = self.panel.comparison.line(self.line_id)
        blind = self.panel.blind
        for column in range(2):
            side, name = self.side_at(column), self.name_at(column)
            self.titles[column].setText(f"<b>{name}</b>" + ("" if blind else f": {self.side_title(side)}"))
            self.figures[column].setText(HIDDEN if blind else self.side_figures(entry, side))
            self.picks[column].setText(f"{name} is better")
            self.picks[column].setChecked(entry.get("pick") == side)


class LinePair(Pair):
    """One line: its text, the two takes side by side (figures, play, pick)."""

    def __init__(self, panel, entry: dict):
        super().__init__(panel, entry, f"<b>Line {entry['number']}</b> — {entry['text']}")
        self.plays = []
        for column in range(2):
            play = QPushButton()
            play.clicked.connect(lambda _c=False, col=column: self.panel.play(self.line_id, self.side_at(col)))
            self.buttons[column].insertWidget(0, play)
            self.plays.append(play)
            self.grid.addWidget(self.titles[column], 0, column)
            self.grid.addWidget(self.figures[column], 1, column, Qt.AlignmentFlag.AlignTop)
            self.grid.addLayout(self.buttons[column], 2, column)

    def side_title(self, side: str) -> str:
        data = self.panel.comparison.data[side]
        return f"{data['label']} ({data.get('voice', '')})"

    def side_figures(self, entry: dict, side: str) -> str:
        return voice_figures(entry.get(side, {}))

    def refresh(self) -> None:
        super().refresh()
        for column in range(2):
            self.plays[column].setText(f"▶ Play {self.name_at(column)}")


class ScenePair(Pair):
    """One scene: its prompt, the two pictures side by side (same prompt, seed and size), figures, pick."""

    def __init__(self, panel, entry: dict):
        title = f" {entry['title']}" if entry.get("title") else ""
        super().__init__(panel, entry, f"<b>Scene {entry['number']}</b>{title} — {entry['prompt']}")
        folder = panel.comparison.folder
        self._pixmaps = {side: read_picture(folder / entry[side]["image"]) for side in "ab"}
        self.pictures = []
        for column in range(2):
            picture = QLabel()
            picture.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            picture.setMinimumSize(64, 64)
            self.pictures.append(picture)
            self.grid.addWidget(self.titles[column], 0, column)
            self.grid.addWidget(picture, 1, column)
            self.grid.addWidget(self.figures[column], 2, column, Qt.AlignmentFlag.AlignTop)
            self.grid.addLayout(self.buttons[column], 3, column)

    def side_title(self, side: str) -> str:
        data = self.panel.comparison.data[side]
        steps = data.get("steps")
        return f"{data['label']} ({steps} step{'' if steps == 1 else 's'}, {data.get('size', '')})"

    def side_figures(self, entry: dict, side: str) -> str:
        return image_figures(entry.get(side, {}), bool(self.panel.comparison.data[side].get("local", True)))

    def refresh(self) -> None:
        super().refresh()
        for column in range(2):
            self.pictures[column].setPixmap(self._pixmaps[self.side_at(column)])
            self.pictures[column].setToolTip(str(self.panel.comparison.folder /
                                                 self.panel.comparison.line(self.line_id)[self.side_at(column)]["image"])
                                             if not self.panel.blind else "")
