"""Tools ▸ Compare engines…: try a candidate voice engine on the project's own lines.

The creator picks an engine (and voice, settings, how many lines); the comparison runs
as a job off the UI thread (`studio.render.compare`), with progress and Stop. Each line
then shows its two takes side by side with their figures, Play A / Play B, and a pick.
Blind mode hides which take is which (X and Y, in an order drawn per line) and the
figures, records the creator's picks, and reveals them after. The verdict table sums it
up; "Use the candidate for drafts / finals" says first how many takes it makes stale and
what re-rendering costs, edits stitch.toml, and Undo puts the file back.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.ui.shell import theme

JOB_KEY = "compare:run"
VERDICT_ROWS = (("picks", "Your picks"), ("intelligibility", "Words misheard"), ("naturalness", "Naturalness"),
                ("speed", "Real-time factor"), ("cost", "Whole project"), ("overall", "Rows won"))


def show_compare(window) -> "CompareWindow | None":
    if window.project is None:
        window.say("Open a project first: engines are compared on its own lines.")
        return None
    panel = window.findChild(CompareWindow)
    if panel is None or panel.project is not window.project:
        if panel is not None:
            panel.close()
            panel.deleteLater()
        panel = CompareWindow(window.project, window.registry, window.jobs, window.player, window)
    panel.show()
    panel.raise_()
    panel.activateWindow()
    return panel


def _figures(fig: dict) -> str:
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


class LinePair(QFrame):
    """One line: its text, the two takes side by side (figures, play, pick)."""

    def __init__(self, panel: "CompareWindow", entry: dict):
        super().__init__()
        self.panel, self.line_id = panel, entry["line"]
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout = QVBoxLayout(self)
        self.text = QLabel(f"<b>Line {entry['number']}</b> — {entry['text']}")
        self.text.setWordWrap(True)
        self.reasons = QLabel(", ".join(entry.get("reasons", [])))
        self.reasons.setStyleSheet("color: palette(mid);")
        layout.addWidget(self.text)
        layout.addWidget(self.reasons)
        grid = QGridLayout()
        self.titles, self.figures, self.plays, self.picks = [], [], [], []
        for column in range(2):
            title = QLabel()
            figures = QLabel()
            figures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            figures.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
            play = QPushButton()
            pick = QPushButton()
            pick.setCheckable(True)
            play.clicked.connect(lambda _c=False, col=column: self.panel.play(self.line_id, self.side_at(col)))
            pick.clicked.connect(lambda _c=False, col=column: self.panel.pick(self.line_id, self.side_at(col)))
            grid.addWidget(title, 0, column)
            grid.addWidget(figures, 1, column, Qt.AlignmentFlag.AlignTop)
            buttons = QHBoxLayout()
            buttons.addWidget(play)
            buttons.addWidget(pick)
            buttons.addStretch(1)
            grid.addLayout(buttons, 2, column)
            self.titles.append(title)
            self.figures.append(figures)
            self.plays.append(play)
            self.picks.append(pick)
        layout.addLayout(grid)

    def side_at(self, column: int) -> str:
        """Which side ("a"/"b") the column shows: A|B, or X|Y in blind mode."""
        comparison = self.panel.comparison
        if not self.panel.blind:
            return "ab"[column]
        return comparison.blind_side(self.line_id, "XY"[column])

    def refresh(self) -> None:
        comparison = self.panel.comparison
        entry = comparison.line(self.line_id)
        blind = self.panel.blind
        for column in range(2):
            side = self.side_at(column)
            name = "XY"[column] if blind else side.upper()
            label = "" if blind else f": {comparison.data[side]['label']} ({comparison.data[side].get('voice', '')})"
            self.titles[column].setText(f"<b>{name}</b>{label}")
            self.figures[column].setText("(figures hidden until you reveal)" if blind else _figures(entry.get(side, {})))
            self.plays[column].setText(f"▶ Play {name}")
            self.picks[column].setText(f"{name} is better")
            self.picks[column].setChecked(entry.get("pick") == side)


class CompareWindow(QDialog):
    def __init__(self, project, registry, jobs, player=None, parent=None):
        super().__init__(parent)
        self.project, self.registry, self.jobs, self.player = project, registry, jobs, player
        self.comparison = None
        self.blind = False
        self.last_switch: str | None = None
        self.pairs: list[LinePair] = []
        self.setWindowTitle("Compare engines")
        self.setModal(False)
        self.resize(1000, 900)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)

        intro = QLabel("Render a hard sample of this project's lines with the current voice route (A) and a "
                       "candidate (B), then listen, judge and decide. Nothing replaces your takes.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.engine = QComboBox()
        for engine_id in registry.ids("tts"):
            self.engine.addItem(f"{registry.label(engine_id)} ({engine_id})", engine_id)
        self.engine.currentIndexChanged.connect(self._fill_voices)
        self.voice = QComboBox()
        self.voice.setEditable(True)
        self.voice.setToolTip("The candidate's voice; empty: the line's voice if the engine has it, else its default")
        self.settings = QLineEdit()
        self.settings.setPlaceholderText("model=…, base_url=…, speed=…  (optional)")
        self.sample = QSpinBox()
        self.sample.setRange(1, 30)
        self.sample.setValue(8)
        self.sample.setToolTip("How many lines: the longest, the shortest, then lines with numbers, names, "
                               "dictionary words and unusual punctuation")
        first, second = QHBoxLayout(), QHBoxLayout()
        first.addWidget(self.engine, 2)
        first.addWidget(QLabel("Voice"))
        first.addWidget(self.voice, 1)
        second.addWidget(self.settings, 2)
        second.addWidget(QLabel("Lines"))
        second.addWidget(self.sample)
        form.addRow("Candidate", first)
        form.addRow("Settings", second)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.run_button = QPushButton("Compare")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(lambda: self.jobs.cancel(JOB_KEY))
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        row.addWidget(self.run_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.progress, 1)
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.problem = theme.problem_label()
        layout.addWidget(self.problem)

        modes = QHBoxLayout()
        self.blind_box = QCheckBox("Blind: hide which take is which")
        self.blind_box.toggled.connect(self.set_blind)
        self.reveal_button = QPushButton("Reveal")
        self.reveal_button.clicked.connect(lambda: self.blind_box.setChecked(False))
        self.report_button = QPushButton("Open report")
        self.report_button.clicked.connect(self.open_report)
        modes.addWidget(self.blind_box)
        modes.addWidget(self.reveal_button)
        modes.addStretch(1)
        modes.addWidget(self.report_button)
        layout.addLayout(modes)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.lines = QWidget()
        self.lines_layout = QVBoxLayout(self.lines)
        self.lines_layout.addStretch(1)
        self.scroll.setWidget(self.lines)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(QLabel("<b>Verdict</b>"))

        self.verdict = QTableWidget(len(VERDICT_ROWS), 3)
        self.verdict.setHorizontalHeaderLabels(["A", "B", "Better"])
        self.verdict.setVerticalHeaderLabels([name for _, name in VERDICT_ROWS])
        self.verdict.horizontalHeader().setStretchLastSection(True)
        self.verdict.verticalHeader().setDefaultSectionSize(26)
        self.verdict.setFixedHeight(26 * len(VERDICT_ROWS) + self.verdict.horizontalHeader().sizeHint().height() + 6)
        layout.addWidget(self.verdict)

        switch = QHBoxLayout()
        self.drafts_button = QPushButton("Use the candidate for drafts")
        self.finals_button = QPushButton("Use the candidate for finals")
        self.undo_button = QPushButton("Undo the switch")
        self.drafts_button.clicked.connect(lambda: self.switch("drafts"))
        self.finals_button.clicked.connect(lambda: self.switch("finals"))
        self.undo_button.clicked.connect(self.undo)
        for button in (self.drafts_button, self.finals_button, self.undo_button):
            switch.addWidget(button)
        switch.addStretch(1)
        layout.addLayout(switch)
        self._fill_voices()
        self._enable()

    # -- running ---------------------------------------------------------------------

    def _fill_voices(self) -> None:
        self.voice.clear()
        self.voice.addItem("")
        engine_id = self.engine.currentData()
        if not engine_id:
            return
        try:
            engine = self.registry.configured(engine_id, self.project.manifest.engine_settings(engine_id))
            self.voice.addItems(engine.voices())
        except StudioError:
            pass  # no weights or no server yet: the comparison says so when it starts

    def candidate(self):
        from studio.render.compare import Candidate, parse_settings

        settings = parse_settings(self.settings.text())
        if self.voice.currentText().strip():
            settings["voice"] = self.voice.currentText().strip()
        return Candidate(self.engine.currentData() or "", settings)

    def start(self) -> bool:
        """Plan on a worker (engines are made and asked for voices there), ask about money, then run."""
        from studio.render.compare import plan_comparison

        self.problem.hide()
        try:
            candidate = self.candidate()
        except StudioError as exc:
            return self._refuse(exc.message)
        project, registry, sample = self.project, self.registry, self.sample.value()
        self._busy(True, "Preparing the comparison…")
        self.jobs.start(lambda state: plan_comparison(project, registry, candidate, sample=sample), JOB_KEY,
                        "Preparing the comparison", on_done=self._planned, on_error=self._failed,
                        on_cancelled=self._stopped, on_progress=self._progress)
        return True

    def _planned(self, plan) -> None:
        from studio.render.compare import run_comparison

        if plan.paid and plan.quote > 0:
            answer = QMessageBox.question(self, "Compare with a paid engine", plan.sentence() + " Render the candidate's takes?")
            if answer != QMessageBox.StandardButton.Yes:
                self._busy(False, "Nothing was sent.")
                return
        self.message.setText(plan.sentence())
        self.jobs.start(lambda state: run_comparison(plan, state), JOB_KEY, "Comparing engines",
                        on_done=self._done, on_error=self._failed, on_cancelled=self._stopped,
                        on_progress=self._progress)

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        if message:
            self.message.setText(message)

    def _done(self, comparison) -> None:
        stopped = comparison.status == "cancelled"
        self._busy(False, (f"Stopped: the {len(comparison.lines)} lines compared so far are kept. " if stopped else "")
                   + f"Saved as {comparison.json_path.name} (and a report to send).")
        self.show_comparison(comparison)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False, "")
        self._refuse(getattr(exc, "message", None) or f"The comparison stopped ({type(exc).__name__}: {exc}).")

    def _stopped(self) -> None:
        self._busy(False, "Stopped before a line was finished: nothing was kept.")

    def _busy(self, busy: bool, message: str) -> None:
        self.run_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        self.message.setText(message)
        self._enable()

    def _refuse(self, message: str) -> bool:
        self.problem.setText(message)
        self.problem.show()
        return False

    # -- showing ---------------------------------------------------------------------

    def show_comparison(self, comparison) -> None:
        self.comparison = comparison
        for pair in self.pairs:
            pair.setParent(None)
            pair.deleteLater()
        self.pairs = []
        for entry in comparison.lines:
            pair = LinePair(self, entry)
            self.lines_layout.insertWidget(self.lines_layout.count() - 1, pair)
            self.pairs.append(pair)
        self.refresh()

    def refresh(self) -> None:
        for pair in self.pairs:
            pair.refresh()
        self._fill_verdict()
        self._enable()

    def _fill_verdict(self) -> None:
        from studio.money.prices import format_money, money
        from studio.render.compare_report import shown

        verdict = self.comparison.data.get("verdict", {}) if self.comparison else {}
        for row, (key, _name) in enumerate(VERDICT_ROWS):
            values = verdict.get(key, {})
            hidden = self.blind and key != "picks"
            cells = []
            for side in "ab":
                value = values.get(side)
                if key == "intelligibility":
                    value = shown(value, "{:.0%}")
                elif key == "cost":
                    value = format_money(money(value or 0))
                elif key in ("naturalness", "speed"):
                    value = shown(value, "{:.2f}")
                cells.append("?" if hidden and key != "picks" else str(value if value is not None else "—"))
            better = {"a": "A", "b": "B"}.get(values.get("better"), "even") if values else ""
            if self.blind:
                cells, better = ["?", "?"], "revealed after"
            for column, text in enumerate(cells + [better]):
                self.verdict.setItem(row, column, QTableWidgetItem(text))

    def set_blind(self, blind: bool) -> None:
        self.blind = bool(blind)
        if self.blind_box.isChecked() != self.blind:
            self.blind_box.setChecked(self.blind)
        if not self.blind and self.comparison is not None:
            picked = [e for e in self.comparison.lines if e.get("pick") and e.get("picked_blind")]
            if picked:
                wins = {s: sum(1 for e in picked if e["pick"] == s) for s in "ab"}
                self.message.setText(f"Revealed: of your {len(picked)} blind picks, {wins['a']} went to A "
                                     f"({self.comparison.data['a']['label']}) and {wins['b']} to B "
                                     f"({self.comparison.data['b']['label']}).")
        self.refresh()

    def _enable(self) -> None:
        ready = self.comparison is not None and not self.stop_button.isEnabled()
        for widget in (self.blind_box, self.reveal_button, self.report_button, self.drafts_button, self.finals_button):
            widget.setEnabled(ready)
        self.reveal_button.setEnabled(ready and self.blind)
        undoable = ready and any(not s.get("undone") for s in self.comparison.data.get("switches", []))
        self.undo_button.setEnabled(bool(undoable))

    # -- listening and judging -----------------------------------------------------

    def take_path(self, line_id: str, side: str) -> Path:
        return self.comparison.folder / self.comparison.line(line_id)[side]["take"]

    def play(self, line_id: str, side: str) -> None:
        if self.player is not None:
            self.player.play(self.take_path(line_id, side))

    def pick(self, line_id: str, side: str) -> None:
        entry = self.comparison.line(line_id)
        try:
            self.comparison.pick(line_id, None if entry.get("pick") == side else side, blind=self.blind)
        except StudioError as exc:
            self._refuse(exc.message)
        self.refresh()

    def open_report(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.comparison.html_path)))

    # -- switching -------------------------------------------------------------------

    def switch(self, tier: str, ask=None) -> bool:
        from studio.render.compare import apply_switch, plan_switch

        self.problem.hide()
        try:
            plan = plan_switch(self.project, self.registry, self.comparison, tier)
        except StudioError as exc:
            return self._refuse(exc.message)
        ask = ask or (lambda text: QMessageBox.question(self, "Switch engines", text) == QMessageBox.StandardButton.Yes)
        if not ask(plan.sentence() + " Switch?"):
            return False
        try:
            apply_switch(self.project, self.registry, self.comparison, tier)
        except StudioError as exc:
            return self._refuse(exc.message)
        self.last_switch = tier
        self.message.setText(f"stitch.toml now uses {plan.engine} for {tier}; Undo puts it back.")
        self._rebind()
        self._enable()
        return True

    def undo(self) -> bool:
        from studio.render.compare import undo_switch

        try:
            self.message.setText(undo_switch(self.project, self.comparison))
        except StudioError as exc:
            return self._refuse(exc.message)
        self._rebind()
        self._enable()
        return True

    def _rebind(self) -> None:
        voice = getattr(self.parent(), "voice", None)
        if voice is not None and hasattr(voice, "bind"):
            voice.bind(self.project)  # the new draft engine's voices; its takes' states
            voice.warm_up()

    def closeEvent(self, event) -> None:
        if self.jobs.running(JOB_KEY):
            self.jobs.cancel(JOB_KEY)
        super().closeEvent(event)
