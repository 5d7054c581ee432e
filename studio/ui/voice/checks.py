"""The self-check in the editor: each new take is listened to, and what differs is shown.

`TakeChecks` submits `check_take_job` on the model lane after a take renders and tells
the project when the check is stored (`Project.check_recorded`), which refreshes the
line's row. When no transcription engine can start (no Whisper weights) it says so
once in the status bar and stops checking automatically until another project opens;
a check asked for by hand is always tried. `CheckView` underlines the words of the
inspector's text that the check heard differently, with what was heard as tooltip.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit, QToolTip

from studio.errors import EngineError, StudioError
from studio.jobs.selfcheck import DEFAULT_STT_ENGINE, check_take_job, project_listener, stored_check
from studio.ui.shell import theme
from studio.ui.shell.jobs import QtJobs

log = logging.getLogger(__name__)

PASSED_MARK, FAILED_MARK = "✓", "⚠"
PASSED_COLOUR, FAILED_COLOUR = "#2e9d5b", "#d1453b"
# A check belongs to the take's words; once the line says something else it is history.
CURRENT_STATES = ("draft", "final", "recording", "other engine")
# Loading Whisper holds Python's lock for up to ~0.25 s (its tokenizer is parsed under it),
# which the window feels as a stall: it waits for this long without keyboard or mouse input.
IDLE_MS = 1500
_INPUT = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin,
})


def check_key(take_id: str) -> str:
    return f"check:{take_id}"


def line_check(project, line_id: str):
    """(take, check) for the take that plays for this line; check None before it listened."""
    take = project.chosen_take(line_id)
    return take, (project.take_check(take.id) if take is not None else None)


def check_mark(project, line_id: str, state: str) -> tuple[str | None, str]:
    """("passed" | "failed" | None, tooltip) for a line's row."""
    if state not in CURRENT_STATES:
        return None, ""
    _take, check = line_check(project, line_id)
    if check is None:
        return None, ""
    return ("passed" if check.passed else "failed"), check.summary


class TakeChecks(QObject):
    """Listens to takes as they arrive; one job per take on the model lane."""

    message = Signal(str)

    def __init__(self, jobs: QtJobs, voice, registry, settings, parent: QObject | None = None):
        super().__init__(parent)
        self.jobs = jobs
        self.voice = voice
        self.registry = registry
        self.settings = settings
        self._unavailable_for = None  # the project for which the engine could not start
        self._warmed_for = None  # the project whose transcription engine was warmed
        self._told_paid = None  # the project told that a paid listener is not used automatically
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_MS)
        self._idle.timeout.connect(self._idle_reached)
        voice.take_rendered.connect(self.take_rendered)
        voice.engine_ready.connect(lambda _info: self.warm_up_when_idle())

    def warm_up_when_idle(self) -> None:
        """Warm the transcription engine at the first quiet moment: not while the window
        opens, nor while the creator types or clicks, nor while a take renders."""
        if not self.automatic or self._warmed_for is self.voice.project:
            return
        app = QCoreApplication.instance()
        if app is not None and not self._idle.isActive():
            app.installEventFilter(self)  # only while waiting: every event passes through it
        self._idle.start()

    def eventFilter(self, watched, event) -> bool:
        if event.type() in _INPUT and self._idle.isActive():
            self._idle.start()  # not idle yet: wait again from now
        return False

    def _idle_reached(self) -> None:
        if self.voice.rendering() or self.jobs.busy:
            self._idle.start()
            return
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.warm_up()

    def warm_up(self) -> None:
        """Load the project's transcription engine while the creator reads the script, not
        after their first preview (a check would otherwise load it while the take plays)."""
        if not self.automatic:
            return
        registry, project = self.registry, self.voice.project
        self._warmed_for = project

        def load(state):
            engine = project_listener(project, registry).engine
            if hasattr(engine, "load"):
                engine.load(state)

        # A failure is said by the first check that needs the engine, not here.
        self.jobs.start(load, "check-warm-up", "Starting the take checker", lambda _r: None, lambda _exc: None)

    @property
    def automatic(self) -> bool:
        project = self.voice.project
        return (bool(getattr(self.settings, "check_takes", True)) and project is not None
                and self._unavailable_for is not project and not self.paid_listener(project))

    def paid_listener(self, project) -> str:
        """The routed draft transcription engine's id when it is a paid service, else "".
        Such an engine never listens by itself: money is spent only when the creator asks."""
        engine_id = project.manifest.route("stt")[0] or DEFAULT_STT_ENGINE
        try:
            return "" if self.registry.is_local(engine_id) else engine_id
        except StudioError:
            return ""  # unknown: the check says so in its own sentence

    def take_rendered(self, take) -> None:
        project = self.voice.project
        if project is not None and self._told_paid is not project and getattr(self.settings, "check_takes", True) \
                and (paid := self.paid_listener(project)):
            self._told_paid = project
            self.message.emit(f"Takes are not checked by themselves: transcription goes to {paid}, a paid service. "
                              "Use Voice ▸ Check Line when a take is worth the price.")
        if not self.automatic or project.take_check(take.id) is not None:
            return
        self.check(take)

    def check_lines(self, line_ids) -> int:
        """Check the chosen take of each line (by hand: tried even after a failure); how many."""
        project = self.voice.project
        if project is None:
            return 0
        self._unavailable_for = None
        count = 0
        for line_id in line_ids:
            take = project.chosen_take(line_id)
            if take is not None and project.line(line_id).text.strip():
                count += self.check(take)
        return count

    def check(self, take) -> bool:
        project = self.voice.project
        if project is None or self.jobs.running(check_key(take.id)):
            return False
        folder, registry = project.folder, self.registry

        def listen(state):
            return check_take_job(folder, take, project_listener(project, registry), state)

        def done(check):
            if project is not self.voice.project:
                return
            project.check_recorded(take.id)
            if not check.passed:
                self.message.emit(f"Line {self._number(take.line_id)}: {check.summary}")

        def failed(exc: BaseException):
            if project is not self.voice.project or self._unavailable_for is project:
                return
            if isinstance(exc, EngineError):
                self._unavailable_for = project  # no weights: said once, not at every render
            self.message.emit(_sentence(exc))

        job = self.jobs.start(listen, check_key(take.id), "Checking a take", done, failed)
        return job is not None

    def _number(self, line_id: str) -> int:
        ids = [line.id for line in self.voice.project.lines]
        return ids.index(line_id) + 1 if line_id in ids else 0


def _sentence(exc: BaseException) -> str:
    if isinstance(exc, StudioError):
        return f"Takes are not checked: {exc.message}"
    log.error("self-check failed", exc_info=exc)
    return f"A take could not be checked: {type(exc).__name__}: {exc}. The details are in the log."


class CheckView(QObject):
    """The inspector's view of a check: wavy underlines in the text, and one line beneath it."""

    def __init__(self, text: QPlainTextEdit, parent: QObject | None = None):
        super().__init__(parent or text)
        self.text = text
        self.note = QLabel()
        self.note.setObjectName("checkNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self._spans: list[tuple[QTextCursor, str]] = []  # (underlined span, what was heard)
        text.viewport().installEventFilter(self)

    def show(self, project, line_id: str | None, state: str = "") -> None:
        """Show the check of the line's chosen take (nothing when the line says other words now)."""
        self._spans = []
        check = take = None
        if project is not None and line_id is not None and state in CURRENT_STATES:
            take, check = line_check(project, line_id)
        if check is None:
            self.text.setExtraSelections([])
            self.note.hide()
            return
        colour = PASSED_COLOUR if check.passed else FAILED_COLOUR
        self.note.setText(f"{PASSED_MARK if check.passed else FAILED_MARK}  {check.summary}")
        self.note.setStyleSheet(f"color: {colour if not check.passed else theme.MUTED};")
        self.note.setToolTip(f"Heard by {check.engine} {check.model}".strip())
        self.note.show()
        words = self.text.toPlainText()
        base = words.find(take.text)
        if base < 0:
            self.text.setExtraSelections([])
            return
        selections = []
        for diff in stored_check(check)[1].diffs:
            start, end = _span(take.text, diff.script_start, diff.script_end)
            if end <= start:
                continue
            cursor = QTextCursor(self.text.document())
            cursor.setPosition(base + start)
            cursor.setPosition(base + end, QTextCursor.MoveMode.KeepAnchor)
            selection = QTextEdit.ExtraSelection()
            selection.cursor = cursor
            selection.format = _wavy()
            selections.append(selection)
            self._spans.append((cursor, _heard(diff)))
        self.text.setExtraSelections(selections)

    def underlined(self) -> list[tuple[str, str]]:
        """(underlined words, tooltip) in the order shown; what tests and screen readers read."""
        return [(c.selectedText(), tip) for c, tip in self._spans]

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.ToolTip and self._spans:
            at = self.text.cursorForPosition(event.pos()).position()
            tip = next((t for c, t in self._spans if c.selectionStart() <= at <= c.selectionEnd()), None)
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.text.viewport())
                return True
        return False


def _wavy() -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
    fmt.setUnderlineColor(QColor(FAILED_COLOUR))
    fmt.setBackground(QColor(209, 69, 59, 36))
    return fmt


def _heard(diff) -> str:
    if diff.kind == "missing":
        return f"Not heard: “{diff.script}”"
    if diff.kind == "extra":
        return f"Heard in addition: “{diff.heard}”"
    return f"Heard “{diff.heard}”"


def _span(text: str, start: int, end: int) -> tuple[int, int]:
    """A diff's characters; an added word (no script span) marks the word it follows."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if end > start:
        return start, end
    left = text[:start].rstrip()
    if left:
        return len(left) - len(left.split()[-1]), len(left)
    right = text[start:]
    first = right.split()[0] if right.split() else ""
    offset = start + len(right) - len(right.lstrip())
    return offset, offset + len(first)
