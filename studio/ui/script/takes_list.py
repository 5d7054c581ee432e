"""The takes of one line, newest first: when, voice, speed, length, time taken, engine.

The chosen take is marked; double-click, Enter (or "Use this take") chooses another, and
each row has its own play button. Delete throws the selected take away (undoable);
A switches playback between the chosen take and the previous one (A/B).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QToolButton, QTreeWidget, QTreeWidgetItem, QWidget

from studio.ui.shell import theme

TAKE_ID = Qt.ItemDataRole.UserRole + 1
COLUMNS = ["", "Made", "Voice", "Speed", "Length", "Took", "Engine"]


def made_at(created: str) -> str:
    """A take's creation time in local time: '14:03:12' today, else '12 Nov 14:03'."""
    try:
        when = datetime.fromisoformat(created).astimezone()
    except (TypeError, ValueError):
        return created or "?"
    if when.date() == datetime.now().astimezone().date():
        return when.strftime("%H:%M:%S")
    return when.strftime("%d %b %H:%M")


class TakesList(QTreeWidget):
    use_take = Signal(str)  # take id
    play_take = Signal(str)
    delete_take = Signal(str)
    compare_takes = Signal()  # A/B

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(COLUMNS)
        self.setRootIsDecorated(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # In a narrow inspector the columns scroll sideways: with the bar off, the last
        # column (which engine made the take) was squeezed to nothing.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        header = self.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 40)
        header.setStretchLastSection(True)
        self.itemDoubleClicked.connect(self._double_clicked)
        # At least three takes in view, whatever the window's height: A/B needs two, and the
        # header and the sideways scroll bar take room of their own.
        row = self.fontMetrics().height() + 10
        self.setMinimumHeight(header.sizeHint().height() + 3 * row + self.horizontalScrollBar().sizeHint().height()
                              + 2 * self.frameWidth())

    def show_takes(self, takes: list, chosen_id: str | None) -> None:
        self.clear()
        if not takes:
            hint = QTreeWidgetItem(["No takes yet: Play line (Ctrl+Enter) renders one."])
            hint.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addTopLevelItem(hint)
            hint.setFirstColumnSpanned(True)
            return
        bold = QFont(self.font())
        bold.setBold(True)
        for take in takes:
            chosen = take.id == chosen_id
            item = QTreeWidgetItem([
                "",
                ("✓ " if chosen else "") + made_at(take.created),
                take.voice,
                f"{take.speed:.2f}×",
                f"{take.duration:.1f} s",
                f"{take.seconds:.1f} s",
                f"★ final · {take.engine}" if take.tier == "final" else take.engine,
            ])
            item.setData(0, TAKE_ID, take.id)
            item.setToolTip(1, "The chosen take" if chosen else "Double-click to use this take")
            item.setToolTip(5, "How long the render took")
            item.setToolTip(6, f"{take.engine} · {take.model} · {take.g2p}")
            if take.tier == "final":  # a premium take: beside the drafts, chosen only when picked
                item.setForeground(6, theme.state_colour("final"))
                item.setToolTip(6, f"A final take from {take.engine} ({take.model}); used only when you choose it")
            if chosen:
                for column in range(1, len(COLUMNS)):
                    item.setFont(column, bold)
            self.addTopLevelItem(item)
            play = QToolButton()
            play.setObjectName("takePlay")
            play.setText("▶")
            play.setToolTip("Play this take")
            play.clicked.connect(lambda _=False, take_id=take.id: self.play_take.emit(take_id))
            self.setItemWidget(item, 0, play)

    def selected_take(self) -> str | None:
        item = self.currentItem()
        return item.data(0, TAKE_ID) if item is not None else None

    def keyPressEvent(self, event) -> None:
        key, take_id = event.key(), self.selected_take()
        if event.modifiers() not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            super().keyPressEvent(event)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and take_id:
            self.use_take.emit(take_id)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and take_id:
            self.delete_take.emit(take_id)
        elif key == Qt.Key.Key_A:
            self.compare_takes.emit()
        else:
            super().keyPressEvent(event)

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        take_id = item.data(0, TAKE_ID)
        if take_id:
            self.use_take.emit(take_id)
