"""Voice ▸ Pronunciation…: the project's dictionary, word → respelling or /phonemes/.

Every change is one `Project.set_pronunciation` call, so it is undoable from the window
(Ctrl+Z works here too), and the lines that say a changed word go stale in the script.
The dialog is not modal: the creator can keep listening to lines while tuning a word.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.ui.shell import theme

WORD, SAID, USED = range(3)
HINT = ("Write how a word should sound: a respelling such as KOH-koh-roh, or phonemes between "
        "slashes such as /kˈOkəɹO/. Lines that say a changed word go stale, ready to render again.")


class PronunciationDialog(QDialog):
    def __init__(self, project, window: QWidget | None = None):
        super().__init__(window)
        self.project = project
        self.window_ = window
        self._filling = False
        self.setWindowTitle("Pronunciation")
        self.setModal(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        hint = QLabel(HINT)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)

        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Word", "Say it as", "Lines"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(WORD, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SAID, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(USED, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(self._edited)
        layout.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.word = QLineEdit()
        self.word.setPlaceholderText("Word in the script")
        self.word.setToolTip("The word as the script spells it")
        self.said = QLineEdit()
        self.said.setPlaceholderText("KOH-koh-roh or /kˈOkəɹO/")
        self.said.setToolTip("How to say it: a respelling (KOH-koh-roh) or phonemes between slashes (/kˈOkəɹO/)")
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("primary")
        self.add_button.clicked.connect(self.add)
        self.said.returnPressed.connect(self.add)
        self.word.returnPressed.connect(self.said.setFocus)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected word (Delete; Undo brings it back)")
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.word, 2)
        row.addWidget(self.said, 3)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout.addLayout(row)

        self.message = theme.problem_label()
        layout.addWidget(self.message)

        QShortcut(QKeySequence.StandardKey.Delete, self.table, self.remove_selected)
        if window is not None and hasattr(window, "undo"):
            QShortcut(QKeySequence.StandardKey.Undo, self, window.undo)
            QShortcut(QKeySequence("Ctrl+Shift+Z"), self, window.redo)
        # Refreshed a moment later, never inside the table's own edit signal (it replaces items).
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)
        self._unsubscribe = project.subscribe(lambda _event, _line: self._refresh_timer.start())
        self.finished.connect(lambda _result: self._unsubscribe())
        self.resize(560, 420)
        self.refresh()

    def refresh(self) -> None:
        """Show the dictionary as the project has it (after an edit, an undo, a reload)."""
        entries = self.project.pronunciations()
        used = {word: 0 for word in entries}
        for line in self.project.lines:
            for word, _value in self.project.pronunciations_used(line.id):
                used[word] = used.get(word, 0) + 1
        selected = self.selected_word()
        self._filling = True
        try:
            self.table.setRowCount(len(entries))
            for row, word in enumerate(sorted(entries)):
                word_item = QTableWidgetItem(word)
                word_item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                word_item.setData(Qt.ItemDataRole.UserRole, word)
                said_item = QTableWidgetItem(entries[word])
                said_item.setToolTip("Double-click or start typing to change how it is said")
                count = QTableWidgetItem(str(used.get(word, 0)))
                count.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                count.setToolTip("How many lines say this word")
                self.table.setItem(row, WORD, word_item)
                self.table.setItem(row, SAID, said_item)
                self.table.setItem(row, USED, count)
                if word == selected:
                    self.table.selectRow(row)
        finally:
            self._filling = False
        self.remove_button.setEnabled(bool(entries))

    def selected_word(self) -> str | None:
        row = self.table.currentRow()
        item = self.table.item(row, WORD) if row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    # -- changes, each one undoable step -----------------------------------------------
    def add(self) -> bool:
        word, said = self.word.text().strip(), self.said.text().strip()
        if not word and not said:
            return False
        if self.set(word, said):
            self.word.clear()
            self.said.clear()
            self.word.setFocus()
            return True
        return False

    def remove_selected(self) -> None:
        word = self.selected_word()
        if word is not None:
            self.set(word, None)

    def set(self, word: str, said: str | None) -> bool:
        if hasattr(self.window_, "editor"):
            self.window_.editor.inspector.flush()  # typed words first, so undo steps stay in order
        try:
            self.project.set_pronunciation(word, said)
        except StudioError as exc:
            self.message.setText(exc.message)
            self.message.show()
            return False
        self.message.hide()
        self._refresh_timer.start()
        return True

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != SAID:
            return
        word = self.table.item(item.row(), WORD).data(Qt.ItemDataRole.UserRole)
        if not self.set(word, item.text()):
            self._refresh_timer.start()  # back to what the project holds
