"""The inspector's karaoke highlight: the word being spoken while a take of the line plays.

Driven by `Player.position_changed`. The words' times come from the take's stored word
timings, or are spread over the take (see `studio.project.karaoke`). The highlight is one
extra selection, kept beside the self-check's underlines (`checks.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

from studio.project.karaoke import WordTime, word_at, word_times
from studio.ui.shell import theme

MARK = QTextFormat.Property.UserProperty + 31  # tells our selection from the check's
HIGHLIGHT = "#f5d76e"


class KaraokeView(QObject):
    def __init__(self, text: QPlainTextEdit, player, shown: Callable[[], tuple], parent: QObject | None = None):
        """`shown()` gives (project, line id) of the line in the inspector."""
        super().__init__(parent or text)
        self.text = text
        self.player = player
        self.shown = shown
        self.word: WordTime | None = None
        self._cache: tuple | None = None  # (take id, text, source) -> times
        self._times: list[WordTime] = []
        player.position_changed.connect(self.follow)
        player.playing_changed.connect(lambda playing: None if playing else self.clear())

    def follow(self, ms: int) -> None:
        """The player is `ms` into its source: highlight the word said there, if it is this line's."""
        take = self._playing_take()
        if take is None:
            return self.clear()
        base = self.text.toPlainText().find(take.text)
        word = word_at(self._times, ms / 1000.0) if base >= 0 else None
        if word is None:
            return self.clear()
        if word == self.word and self.highlighted():
            return
        self.word = word
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(base + word.char_start)
        cursor.setPosition(base + word.char_end, QTextCursor.MoveMode.KeepAnchor)
        selection = QTextEdit.ExtraSelection()
        selection.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(QColor(HIGHLIGHT))
        fmt.setForeground(QColor(theme.INK))
        fmt.setProperty(MARK, True)
        selection.format = fmt
        self.text.setExtraSelections(self._others() + [selection])

    def clear(self) -> None:
        if self.word is None:
            return
        self.word = None
        self.text.setExtraSelections(self._others())

    def highlighted(self) -> str:
        """The highlighted word as it reads in the text ("" when none)."""
        for selection in self.text.extraSelections():
            if selection.format.property(MARK):
                return selection.cursor.selectedText()
        return ""

    def _others(self) -> list:
        return [s for s in self.text.extraSelections() if not s.format.property(MARK)]

    def _playing_take(self):
        project, line_id = self.shown()
        source = self.player.source
        if project is None or line_id is None or source is None or self.player.line_id != line_id:
            return None
        for take in project.takes_for(line_id):
            if Path(project.folder / take.path) == Path(source):
                key = (take.id, take.text, take.duration)
                if self._cache != key:
                    check = project.take_check(take.id)
                    self._times = word_times(take.text, take.duration, check.words() if check else None)
                    self._cache = key
                return take
        return None
