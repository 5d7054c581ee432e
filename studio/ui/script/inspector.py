"""The selected line, up close: its full text, voice, speed, the pause after it, and takes.

Typing is sent to the project after a short pause (one undo step per pause, not per
key); after `settings.preview_delay_ms` without typing, the line alone is previewed.
The project stays the truth: this panel shows it and sends the creator's intent back.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.ui.shell import theme
from studio.ui.voice.checks import CheckView
from studio.ui.script.karaoke import KaraokeView
from studio.ui.script.takes_list import TakesList
from studio.ui.voice.control import VoiceControl

EDIT_PAUSE_MS = 250  # typing pause after which the text goes to the project
SETTING_PAUSE_MS = 300  # the same for speed steps
USUAL_PAUSE = -0.05  # the pause box's lowest step, shown as "usual": the timeline's gap


class _ProjectUndoKeys(QObject):
    """Lets Ctrl+Z / Ctrl+Shift+Z in the text box reach the project's Undo/Redo."""

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and (
            event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo)
        ):
            event.ignore()
            return True
        return False


class LineInspector(QWidget):
    typing_started = Signal()  # words typed that the project has not received yet

    def __init__(self, voice: VoiceControl, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.voice = voice
        self.settings = settings
        self.project = None
        self.line_id: str | None = None
        self._pending_text = False
        self._preview_line: str | None = None
        self._syncing = False
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.setSpacing(10)
        top = QHBoxLayout()
        self.heading = QLabel("No line selected")
        self.heading.setObjectName("heading")
        self.state_label = QLabel()
        top.addWidget(self.heading, 1)
        top.addWidget(self.state_label)
        layout.addLayout(top)

        self.text = QPlainTextEdit()
        # Two lines at the least: on a 768-pixel screen the Takes table below needs the room.
        self.text.setMinimumHeight(self.text.fontMetrics().lineSpacing() * 2 + 16)
        self.text.setPlaceholderText("Write the line here. You hear it a moment after you stop typing.")
        self.text.setUndoRedoEnabled(False)  # the project's undo is the one undo
        self.text.setTabChangesFocus(True)
        self._undo_keys = _ProjectUndoKeys(self)
        self.text.installEventFilter(self._undo_keys)
        self.text.textChanged.connect(self._typed)
        layout.addWidget(self.text, 2)

        self.failure = theme.problem_label()
        layout.addWidget(self.failure)
        self.check_view = CheckView(self.text, self)
        layout.addWidget(self.check_view.note)
        self.karaoke = KaraokeView(self.text, self.voice.player, lambda: (self.project, self.line_id), self)

        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(QLabel("Voice"))
        self.voice_choice = QComboBox()
        self.voice_choice.setMinimumContentsLength(12)
        self.voice_choice.currentIndexChanged.connect(self._voice_chosen)
        row.addWidget(self.voice_choice, 1)
        row.addSpacing(8)
        row.addWidget(QLabel("Speed"))
        self.speed = QDoubleSpinBox()
        self.speed.setRange(0.5, 2.0)
        self.speed.setSingleStep(0.05)
        self.speed.setDecimals(2)
        self.speed.setSuffix("×")
        self.speed.setKeyboardTracking(False)
        self.speed.valueChanged.connect(lambda _v: self._speed_timer.start())
        row.addWidget(self.speed)
        row.addSpacing(8)
        row.addWidget(QLabel("Pause"))
        self.pause = QDoubleSpinBox()
        self.pause.setRange(USUAL_PAUSE, 10.0)
        self.pause.setSingleStep(0.05)
        self.pause.setDecimals(2)
        self.pause.setSuffix(" s")
        self.pause.setSpecialValueText("usual")
        self.pause.setKeyboardTracking(False)
        self.pause.setToolTip("The silence after this line, before the next one on the timeline (usual: the "
                              "timeline's gap). It re-renders nothing.")
        self.pause.valueChanged.connect(lambda _v: self._pause_timer.start())
        row.addWidget(self.pause)
        layout.addLayout(row)

        buttons = QHBoxLayout()
        self.play_button = QPushButton("▶  Play line")
        self.play_button.setObjectName("primary")
        self.play_button.setToolTip("Play the line; renders it first if its take is missing or stale (Ctrl+Enter)")
        self.play_button.clicked.connect(self.play)
        self.stop_button = QPushButton("■  Stop")
        self.stop_button.setToolTip("Stop playback and this line's render (Esc)")
        self.stop_button.clicked.connect(self.stop)
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        # Wired (enabled, tooltip, click) by studio/ui/money/premium.py's FinalRender.
        self.final_button = QPushButton("★  Render final…")
        self.final_button.setEnabled(False)
        buttons.addWidget(self.final_button)
        layout.addLayout(buttons)

        takes_heading = QLabel("Takes")
        takes_heading.setObjectName("heading")
        layout.addWidget(takes_heading)
        self.takes = TakesList()
        self.takes.use_take.connect(self.use_take)
        self.takes.play_take.connect(self.play_take)
        self.takes.delete_take.connect(self.delete_take)
        self.takes.compare_takes.connect(self.compare_takes)
        self.takes.currentItemChanged.connect(lambda *_: self._take_buttons())
        layout.addWidget(self.takes, 3)
        take_buttons = QHBoxLayout()
        self.use_button = QPushButton("Use this take")
        self.use_button.clicked.connect(lambda: self.use_take(self.selected_take()))
        self.play_take_button = QPushButton("▶  Play take")
        self.play_take_button.clicked.connect(lambda: self.play_take(self.selected_take()))
        take_buttons.addWidget(self.use_button)
        take_buttons.addWidget(self.play_take_button)
        self.ab_button = QPushButton("A/B")
        self.ab_button.setToolTip("Switch between the chosen take and the previous one, from the same moment (A in the takes, Ctrl+B)")
        self.ab_button.clicked.connect(self.compare_takes)
        self.delete_take_button = QPushButton("Delete take")
        self.delete_take_button.setToolTip("Throw the selected take away (Delete; Undo brings it back)")
        self.delete_take_button.clicked.connect(lambda: self.delete_take(self.selected_take()))
        take_buttons.addWidget(self.ab_button)
        take_buttons.addWidget(self.delete_take_button)
        take_buttons.addStretch(1)
        layout.addLayout(take_buttons)

        self._edit_timer = _single_shot(self, EDIT_PAUSE_MS, self.flush)
        self._preview_timer = _single_shot(self, max(0, int(self.settings.preview_delay_ms)), self._preview_now)
        self._speed_timer = _single_shot(self, SETTING_PAUSE_MS, self._speed_chosen)
        self._pause_timer = _single_shot(self, SETTING_PAUSE_MS, self._pause_chosen)
        self.show_line(None)

    # -- binding ---------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.flush()
        self._preview_timer.stop()
        self.project = project
        self.line_id = None

    def project_changed(self, event: str, line_id) -> None:
        if self.line_id is None or self._syncing or event == "images":
            return
        if event in ("script", "reloaded") or line_id in (None, self.line_id):
            if self._line_exists(self.line_id):
                self.show_line(self.line_id)

    def focus_text(self) -> None:
        if self.line_id is not None:
            self.text.setFocus()
            self.text.moveCursor(self.text.textCursor().MoveOperation.End)

    def show_line(self, line_id: str | None) -> None:
        """Show this line (None: nothing selected). A pending edit goes to its own line first."""
        if line_id != self.line_id:
            self.flush()
        self.line_id = line_id if self.project is not None and self._line_exists(line_id) else None
        has_line = self.line_id is not None
        for widget in (self.text, self.voice_choice, self.speed, self.pause, self.play_button, self.stop_button, self.takes):
            widget.setEnabled(has_line)
        self._syncing = True
        try:
            if not has_line:
                self.heading.setText("No line selected" if self.project is not None else "")
                self.text.setPlainText("")
                self.takes.clear()
                self.failure.hide()
                self.state_label.clear()
                self.check_view.show(None, None)
                return
            self._show_heading()
            self._show_text(self.project.line(self.line_id).text)
            self.refresh_voices()
            self.speed.setValue(float(self.project.speed_of(self.line_id)))
            self._speed_timer.stop()
            pause = self.project.line_pause(self.line_id)
            self.pause.setValue(USUAL_PAUSE if pause is None else float(pause))
            self._pause_timer.stop()
            self._show_takes()
            self.refresh_state()
        finally:
            self._syncing = False
        self._take_buttons()

    def _line_exists(self, line_id) -> bool:
        return line_id is not None and any(line.id == line_id for line in self.project.lines)

    def _show_heading(self) -> None:
        ids = [line.id for line in self.project.lines]
        line = self.project.line(self.line_id)
        scene = next((s.title for s in self.project.scenes if s.id == line.scene_id), "")
        where = f" · {scene}" if scene else ""
        self.heading.setText(f"Line {ids.index(self.line_id) + 1} of {len(ids)}{where}")

    def _show_text(self, text: str) -> None:
        if self._pending_text or self.text.toPlainText() == text:
            return
        cursor = self.text.textCursor().position()
        self.text.setPlainText(text)
        moved = self.text.textCursor()
        moved.setPosition(min(cursor, len(text)))
        self.text.setTextCursor(moved)

    def refresh_state(self) -> None:
        if self.line_id is None:
            return
        state = self.voice.state(self.line_id)
        colour = theme.STATE_LOOK.get(state, theme.STATE_LOOK["none"])[1]
        self.state_label.setText(theme.state_name(state))
        self.state_label.setStyleSheet(
            f"color: {colour}; border: 1px solid {colour}; border-radius: 9px; padding: 1px 10px; font-weight: 600;"
        )
        failure = self.project.failure(self.line_id) if state == "failed" else None
        self.failure.setText(failure or "")
        self.failure.setVisible(bool(failure))
        self.check_view.show(self.project, self.line_id, state)

    def refresh_voices(self) -> None:
        if self.line_id is None:
            return
        info = self.voice.info
        default = self.project.manifest.voice or (info.default_voice if info else "")
        own = self.project.line_voice(self.line_id)
        voices = list(self.project.blends()) + (list(info.voices) if info else [])  # named blends first
        if own and own not in voices:
            voices.insert(0, own)
        was = self._syncing
        self._syncing = True
        try:
            self.voice_choice.clear()
            self.voice_choice.addItem(f"Project default ({default})" if default else "Project default", None)
            for name in voices:
                self.voice_choice.addItem(name, name)
            self.voice_choice.setCurrentIndex(max(0, self.voice_choice.findData(own)) if own else 0)
        finally:
            self._syncing = was

    def _show_takes(self) -> None:
        chosen = self.project.chosen_take(self.line_id)
        self.takes.show_takes(self.project.takes_for(self.line_id), chosen.id if chosen else None)

    def selected_take(self) -> str | None:
        return self.takes.selected_take()

    def _take_buttons(self) -> None:
        has_take = self.selected_take() is not None
        self.use_button.setEnabled(has_take)
        self.play_take_button.setEnabled(has_take)
        self.delete_take_button.setEnabled(has_take)
        self.ab_button.setEnabled(self.line_id is not None and len(self.project.takes_for(self.line_id)) > 1)

    # -- the creator's intents -------------------------------------------------------
    def flush(self) -> None:
        """Send a pending text edit to the project now (before undo, save, another line)."""
        self._edit_timer.stop()
        if not self._pending_text or self.project is None or self.line_id is None:
            self._pending_text = False
            return
        self._pending_text = False
        self._apply(self.project.edit_line, self.line_id, self.text.toPlainText())

    @property
    def typing(self) -> bool:
        """Whether typed words are waiting to go to the project."""
        return self._pending_text

    def play(self) -> None:
        if self.line_id is not None:
            self.flush()
            self._preview_timer.stop()
            self.voice.play(self.line_id)

    def stop(self) -> None:
        self._preview_timer.stop()
        self.voice.stop(self.line_id)

    def drop_pending_preview(self) -> None:
        """Esc: the preview that typing scheduled is not started after all."""
        self._preview_timer.stop()
        self._preview_line = None

    def use_take(self, take_id: str | None) -> None:
        if take_id is not None and self.line_id is not None:
            self._apply(self.project.choose_take, self.line_id, take_id)

    def delete_take(self, take_id: str | None) -> None:
        if take_id is not None and self.line_id is not None:
            self.voice.player.stop()  # its file is about to move to the trash
            self._apply(self.project.delete_take, take_id)

    def compare_takes(self) -> None:
        if self.line_id is not None:
            self.voice.toggle_ab(self.line_id)

    def play_take(self, take_id: str | None) -> None:
        take = next((t for t in self.project.takes_for(self.line_id) if t.id == take_id), None) if take_id else None
        if take is not None:
            self.voice.play_take(take)

    def _typed(self) -> None:
        if self._syncing or self.line_id is None:
            return
        was_pending, self._pending_text = self._pending_text, True
        self._edit_timer.start()
        if not was_pending:
            self.typing_started.emit()
        self._schedule_preview()

    def _voice_chosen(self, _index: int) -> None:
        if self._syncing or self.line_id is None:
            return
        if self._apply(self.project.set_line_voice, self.line_id, self.voice_choice.currentData()):
            self._schedule_preview()

    def _speed_chosen(self) -> None:
        if self._syncing or self.line_id is None:
            return
        value = round(self.speed.value(), 2)
        own = None if abs(value - float(self.project.manifest.speed)) < 1e-6 else value
        if own == self.project.line_speed(self.line_id):
            return
        if self._apply(self.project.set_line_speed, self.line_id, own):
            self._schedule_preview()

    def _pause_chosen(self) -> None:
        if self._syncing or self.line_id is None:
            return
        value = round(self.pause.value(), 2)
        own = None if value < 0 else value
        if own != self.project.line_pause(self.line_id):
            self._apply(self.project.set_line_pause, self.line_id, own)  # no preview: the words sound the same

    def _schedule_preview(self) -> None:
        if self._preview_line not in (None, self.line_id) and self._preview_timer.isActive():
            self._preview_now()  # the other line's preview is not dropped by moving on
        self._preview_line = self.line_id
        self._preview_timer.start()

    def _preview_now(self) -> None:
        self._preview_timer.stop()
        line_id, self._preview_line = self._preview_line, None
        if line_id == self.line_id:
            self.flush()
        if line_id is not None and self.project is not None and self._line_exists(line_id):
            self.voice.preview(line_id)

    def _apply(self, edit, *args) -> bool:
        """Run one project edit; its StudioError goes to the status bar."""
        self._syncing = True
        try:
            edit(*args)
        except StudioError as exc:
            self.voice.message.emit(exc.message)
            return False
        finally:
            self._syncing = False
        if self.line_id is not None:
            self.show_line(self.line_id)
        return True


def _single_shot(parent: QObject, ms: int, slot) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(ms)
    timer.timeout.connect(slot)
    return timer
