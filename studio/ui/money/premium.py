"""Render final: the confirm dialog (engine, price, budget) and the render job.

`FinalRender` is the window's one way to ask for a final take. It prices the line
with `premium.quote_final`, asks (unless the creator said not to under an amount),
then runs `Voicing.render_final` as a job; the take lands beside the drafts and is
not chosen until the creator picks it. The budget is checked again on the worker
before any traffic, so the dialog is a courtesy, never the guard.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from studio.money.prices import format_money
from studio.errors import StudioError
from studio.jobs.premium import FinalQuote, is_hosted, quote_final
from studio.ui.shell import theme

FINAL_KEY = "final:"
# The amounts "don't ask again under" offers first: the next one above the price.
_STEPS = (0.01, 0.05, 0.10, 0.25, 0.50, 1.0, 2.0, 5.0, 10.0, 25.0)


def final_key(line_id: str) -> str:
    return f"{FINAL_KEY}{line_id}"


class FinalConfirmDialog(QDialog):
    """What a final render would cost, and the budget around it; OK only when it fits."""

    def __init__(self, quote: FinalQuote, ask_under: float, parent: QWidget | None = None):
        super().__init__(parent)
        self.quote = quote
        self.setWindowTitle("Render final")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(12)
        count = len(quote.lines) + len(quote.cached)
        noun = quote.noun  # "line", or "scene image" for an image quote
        heading = QLabel(f"Render {f'this {noun}' if count == 1 else f'{count} {noun}s'} with the final engine?")
        heading.setObjectName("heading")
        layout.addWidget(heading)

        form = QFormLayout()
        form.setHorizontalSpacing(16)
        self.engine_label = QLabel(quote.label)
        self.cost_label = QLabel(_cost_text(quote))
        self.budget_label = QLabel(
            f"{format_money(max(quote.remaining, Decimal(0)))} left of {format_money(quote.cap)}"
        )
        for label in (self.engine_label, self.cost_label, self.budget_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cost_label.setStyleSheet("font-weight: 600;")
        form.addRow("Final engine", self.engine_label)
        form.addRow("Estimated cost", self.cost_label)
        form.addRow("Budget", self.budget_label)
        layout.addLayout(form)

        note = QLabel(_note(quote))
        note.setObjectName("hint")
        note.setWordWrap(True)
        layout.addWidget(note)

        self.refusal = theme.problem_label()
        if not quote.fits:
            self.refusal.setText(
                f"This render would go over the budget by {format_money(quote.over_by)}: raise the budget in "
                "Edit ▸ Project Settings…, or render something shorter. Nothing was sent."
            )
        self.refusal.setVisible(not quote.fits)
        layout.addWidget(self.refusal)

        row = QHBoxLayout()
        self.dont_ask = QCheckBox("Don't ask again for final renders under")
        self.dont_ask_amount = QDoubleSpinBox()
        self.dont_ask_amount.setPrefix("$")
        self.dont_ask_amount.setDecimals(2)
        self.dont_ask_amount.setRange(0.01, 1000.0)
        self.dont_ask_amount.setValue(ask_under if ask_under > 0 else _next_step(quote.money))
        self.dont_ask_amount.setEnabled(False)
        self.dont_ask.toggled.connect(self.dont_ask_amount.setEnabled)
        row.addWidget(self.dont_ask)
        row.addWidget(self.dont_ask_amount)
        row.addStretch(1)
        layout.addLayout(row)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton("Render final", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("primary")
        self.ok_button.setEnabled(quote.fits)
        self.ok_button.setDefault(quote.fits)
        if not quote.fits:
            self.ok_button.setToolTip(self.refusal.text())
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def dont_ask_under(self) -> float | None:
        """The amount the creator chose not to be asked under, or None (ask every time)."""
        return round(self.dont_ask_amount.value(), 2) if self.dont_ask.isChecked() else None


def _cost_text(quote: FinalQuote) -> str:
    if not quote.lines:
        return "free (the final take is already on disk)"
    if not quote.paid:
        return "free (this server is not billed)"
    return f"about {format_money(quote.money)}"


def _note(quote: FinalQuote) -> str:
    return (
        f"{quote.sentence()} The final take goes beside the drafts; "
        "it is used only when you choose it."
    )


def _next_step(amount: Decimal) -> float:
    return next((step for step in _STEPS if Decimal(str(step)) > amount), _STEPS[-1])


class FinalRender(QObject):
    """The Render final button, menu action and context-menu entry of one window."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.button = window.editor.inspector.final_button
        self.button.clicked.connect(self.render_selected)
        window.editor.line_selected.connect(lambda _line: self.refresh())
        window.voice.all_lines_changed.connect(self.refresh)
        window.voice.line_changed.connect(self._line_changed)
        for signal in (window.jobs.started, window.jobs.finished, window.jobs.failed, window.jobs.cancelled):
            signal.connect(self._job_changed)
        tree = window.editor.tree
        tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        tree.customContextMenuRequested.connect(self._context_menu)

    # -- what can be asked ------------------------------------------------------------
    def why_not(self, line_id: str | None) -> str:
        """"" when a final render of `line_id` can be asked for; otherwise the sentence why not."""
        project = self.window.project
        if project is None:
            return "Open a project to render final takes."
        if line_id is None:
            return "Select a line to render its final take."
        if not project.manifest.route("tts")[1]:
            return ("This project has no final voice engine: choose one in Edit ▸ Project Settings… "
                    "to render final takes.")
        if not project.line(line_id).text.strip():
            return "This line is empty: write something to render it."
        return ""

    def running(self, line_id: str | None) -> bool:
        return line_id is not None and self.window.jobs.running(final_key(line_id))

    def refresh(self) -> None:
        line_id = self.window.editor.current_line()
        reason = self.why_not(line_id)
        busy = self.running(line_id)
        self.button.setEnabled(busy or not reason)
        self.button.setText("■  Cancel final render" if busy else "★  Render final…")
        self.button.setToolTip(
            "Stop this line's final render" if busy else reason
            or "Render this line with the project's final engine, after seeing its price (Ctrl+Shift+F)"
        )
        action = getattr(getattr(self.window, "actions", None), "render_final", None)
        if action is not None:
            action.setEnabled(not reason)
            action.setStatusTip(reason or "Render the selected line with the project's final engine")

    # -- the creator's intents -------------------------------------------------------
    def render_selected(self) -> bool:
        line_id = self.window.editor.current_line()
        if self.running(line_id):
            self.cancel(line_id)
            return False
        return self.render(line_id)

    def render(self, line_id: str | None) -> bool:
        """Ask (showing engine, cost and budget), then render in the background; False if not."""
        window = self.window
        window.editor.inspector.flush()
        reason = self.why_not(line_id)
        if reason:
            window.say(reason)
            return False
        voicing = window.voice.voicing
        try:
            quote = quote_final(voicing, [line_id])
            hosted = is_hosted(voicing.final_engine())
        except StudioError as exc:
            window.say(exc.message)
            return False
        if not confirm_final(window, quote, window.say):
            window.say("No final render: nothing was sent.")
            return False
        self._start(line_id, quote, hosted)
        return True

    def cancel(self, line_id: str) -> None:
        self.window.jobs.cancel(final_key(line_id))

    def cancel_all(self) -> None:
        for ticket in self.window.jobs.tickets():
            if ticket.key.startswith(FINAL_KEY):
                self.window.jobs.cancel(ticket.key)

    def _start(self, line_id: str, quote: FinalQuote, hosted: bool) -> None:
        window, voicing, project = self.window, self.window.voice.voicing, self.window.project
        number = [line.id for line in project.lines].index(line_id) + 1

        def render(state):
            state.set_progress(0.0, f"Line {number}: rendering the final take with {quote.label}…")
            return voicing.render_final(line_id, state)

        def done(result):
            if project is not window.project:
                return
            try:
                voicing.commit(result)
            finally:
                window.voice.line_changed.emit(line_id)
            how = "found on disk" if result.cached else f"rendered in {result.seconds:.1f} s"
            window.say(f"Line {number}: the final take ({how}) is beside the drafts; "
                       "choose it with Use this take.")

        def failed(exc: BaseException):
            if project is window.project:
                window.say(exc.message if isinstance(exc, StudioError)
                           else f"The final render of line {number} failed: {type(exc).__name__}: {exc}.")

        def cancelled():
            if project is window.project:
                window.say(f"The final render of line {number} was cancelled.")

        # A hosted call waits on the network, not the cores: it need not queue behind local renders.
        window.jobs.start(render, final_key(line_id), "Rendering a final take", done, failed, cancelled,
                          lane="io" if hosted else "model")
        self.refresh()

    # -- keeping in step ---------------------------------------------------------------
    def _line_changed(self, line_id: str) -> None:
        if line_id == self.window.editor.current_line():
            self.refresh()

    def _job_changed(self, key: str, *_args) -> None:
        if key.startswith(FINAL_KEY):
            self.refresh()

    def line_menu(self, line_id: str) -> QMenu:
        """The context menu of a line row in the script tree."""
        menu = QMenu(self.window.editor.tree)
        reason = self.why_not(line_id)
        action = menu.addAction("★  Render Final…")
        action.setEnabled(not reason)
        action.setToolTip(reason)
        action.setStatusTip(reason)
        action.triggered.connect(lambda _checked=False: self.render(line_id))
        menu.setToolTipsVisible(True)
        return menu

    def _context_menu(self, pos) -> None:
        tree = self.window.editor.tree
        line_id = self.window.editor.line_at(pos)
        if line_id is None:
            return
        self.window.editor.select_line(line_id)
        menu = self.line_menu(line_id)
        menu.exec(tree.viewport().mapToGlobal(pos))
        menu.deleteLater()


def confirm_final(window, quote, say) -> bool:
    """Ask once before a paid render (unless the creator said not to under this amount).

    Returns whether to go ahead; a "don't ask again under $X" choice is saved in the
    creator's settings, and a problem saving it is said with `say`.
    """
    settings = window.settings
    ask_under = float(getattr(settings, "final_ask_under", 0) or 0)
    if quote.fits and ask_under > 0 and quote.money < Decimal(str(ask_under)):
        return True
    dialog = FinalConfirmDialog(quote, ask_under, window)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    chosen = dialog.dont_ask_under()
    dialog.deleteLater()
    if accepted and chosen is not None:
        settings.final_ask_under = chosen
        try:
            settings.save()
        except StudioError as exc:
            say(exc.message)
    return accepted
