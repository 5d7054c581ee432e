"""The questions the studio asks: which script, recover, unsaved edits, a changed file.

Each blocking question is one function returning the creator's answer, so the main
window reads as a story and tests can answer the real dialog through its buttons.
Every dialog works from the keyboard: a default button, Esc for the safe answer.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class ScriptChoiceDialog(QDialog):
    """This folder holds several scripts: which one is the project's?"""

    def __init__(self, folder_name: str, candidates: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Choose the script")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 16)
        layout.setSpacing(12)
        text = QLabel(f"“{folder_name}” holds several scripts. Which one should the studio open?")
        text.setWordWrap(True)
        layout.addWidget(text)
        self.scripts = QListWidget()
        self.scripts.addItems([str(c) for c in candidates])
        self.scripts.setCurrentRow(0)
        self.scripts.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.scripts)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = buttons.addButton("Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.scripts.setFocus()
        self.resize(420, 300)

    def choice(self) -> str | None:
        item = self.scripts.currentItem()
        return item.text() if item is not None else None


def choose_script(parent: QWidget | None, folder_name: str, candidates: list[str]) -> str | None:
    dialog = ScriptChoiceDialog(folder_name, candidates, parent)
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_recover(parent: QWidget | None, when: str) -> bool:
    """True: restore the unsaved work; False: discard it. Esc keeps it (the safe answer)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Recover unsaved work")
    box.setText(f"Recover unsaved work from {when}?")
    box.setInformativeText(
        "The studio was closed before your last edits were saved. "
        "Recover brings them back; Discard opens the last saved version."
    )
    recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(recover)
    box.setEscapeButton(recover)
    box.exec()
    return box.clickedButton() is recover


def ask_unsaved(parent: QWidget | None, title: str) -> str:
    """'save', 'discard' or 'cancel' for a project with unsaved edits."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved edits")
    box.setText(f"Save your edits to “{title}” before closing?")
    box.setInformativeText("If you don't save, the edits since the last save are lost.")
    box.setStandardButtons(
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    answer = box.exec()
    return {
        QMessageBox.StandardButton.Save: "save",
        QMessageBox.StandardButton.Discard: "discard",
    }.get(QMessageBox.StandardButton(answer), "cancel")


def show_problem(parent: QWidget | None, message: str, title: str = "Stitch Studio") -> None:
    """A StudioError's sentence, as it is: something the creator has to read before going on."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(message)
    box.exec()


class ConflictBar(QFrame):
    """Shown above the script when the file changed on disk while edits are unsaved.

    Non-blocking: the creator may go on working and decide later.
    """

    keep_mine = Signal()
    load_file = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("conflictBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 8, 8)
        layout.setSpacing(10)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message, 1)
        self.keep_button = QPushButton("Keep mine")
        self.keep_button.setToolTip("Save your version over the file")
        self.load_button = QPushButton("Load the file's version")
        self.load_button.setToolTip("Replace your unsaved edits with what is in the file now")
        for button in (self.keep_button, self.load_button):
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            layout.addWidget(button)
        self.keep_button.clicked.connect(self._keep)
        self.load_button.clicked.connect(self._load)
        self.hide()

    def ask(self, script_name: str) -> None:
        self.message.setText(
            f"{script_name} was changed in another editor, and you have unsaved edits here."
        )
        self.show()

    def _keep(self) -> None:
        self.hide()
        self.keep_mine.emit()

    def _load(self) -> None:
        self.hide()
        self.load_file.emit()
