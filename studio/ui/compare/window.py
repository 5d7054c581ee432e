"""Tools ▸ Compare engines…: try a candidate voice or image engine on the project's own lines or scenes.

The creator picks the task (voices or images), an engine (and voice, settings, how
many lines or scenes); the comparison runs as a job off the UI thread
(`studio.render.compare` for voices, `studio.render.compare_images` for images), with
progress and Stop. Each line then shows its two takes side by side with their figures,
Play A / Play B and a pick; each scene its two pictures (same prompt, seed and size)
with seconds per image, peak memory and price (`pairs.py`). Blind mode hides which is
which (X and Y, in an order drawn per line) and the figures, records the creator's
picks, and reveals them after. The verdict table sums it up; "Use the candidate for
drafts / finals" says first what it changes and costs, edits `[routing.tts]` or
`[routing.image]` in stitch.toml, and Undo puts the file back.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.ui.compare.pairs import LinePair, ScenePair
from studio.ui.shell import theme

JOB_KEY = "compare:run"
TASKS = (("tts", "Voices (lines)"), ("image", "Images (scenes)"))
VERDICT_ROWS = {
    "tts": (("picks", "Your picks"), ("intelligibility", "Words misheard"), ("naturalness", "Naturalness"),
            ("speed", "Real-time factor"), ("cost", "Whole project"), ("overall", "Rows won")),
    "image": (("picks", "Your picks"), ("seconds", "Seconds per image"), ("memory", "Peak memory"),
              ("cost", "Whole project"), ("overall", "Rows won")),
}
VERDICT_FORMAT = {"intelligibility": "{:.0%}", "naturalness": "{:.2f}", "speed": "{:.2f}",
                  "seconds": "{:.2f} s", "memory": "{:.0f} MB"}
INTRO = {
    "tts": "Render a hard sample of this project's lines with the current voice route (A) and a candidate (B), "
           "then listen, judge and decide. Nothing replaces your takes.",
    "image": "Render a sample of this project's scenes with the current image route (A) and a candidate (B), on the "
             "same prompt, seed and size, then look, judge and decide. Nothing replaces your images.",
}


def show_compare(window) -> "CompareWindow | None":
    if window.project is None:
        window.say("Open a project first: engines are compared on its own lines and scenes.")
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


class CompareWindow(QDialog):
    def __init__(self, project, registry, jobs, player=None, parent=None):
        super().__init__(parent)
        self.project, self.registry, self.jobs, self.player = project, registry, jobs, player
        self.comparison = None
        self.blind = False
        self.last_switch: str | None = None
        self.pairs: list = []
        self.setWindowTitle("Compare engines")
        self.setModal(False)
        screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
        room = screen.availableGeometry() if screen is not None else None
        self.resize(min(1000, room.width() - 40) if room else 1000, min(900, room.height() - 60) if room else 900)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)

        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        self.task = QComboBox()
        for task, name in TASKS:
            self.task.addItem(name, task)
        self.task.currentIndexChanged.connect(self._task_changed)
        self.engine = QComboBox()
        self.engine.currentIndexChanged.connect(self._fill_voices)
        self.voice_label = QLabel("Voice")
        self.voice = QComboBox()
        self.voice.setEditable(True)
        self.voice.setToolTip("The candidate's voice; empty: the line's voice if the engine has it, else its default")
        self.settings = QLineEdit()
        self.sample_label = QLabel()
        self.sample = QSpinBox()
        self.sample.setRange(1, 30)
        first, second = QHBoxLayout(), QHBoxLayout()
        first.addWidget(self.task)
        first.addWidget(self.engine, 2)
        first.addWidget(self.voice_label)
        first.addWidget(self.voice, 1)
        second.addWidget(self.settings, 2)
        second.addWidget(self.sample_label)
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
        self.blind_box = QCheckBox("Blind: hide which is which")
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

        # The verdict's rows are its columns: three table rows (A, B, which is better) keep the
        # pairs above in view on a 768-pixel screen.
        self.verdict = QTableWidget(3, 0)
        self.verdict.setVerticalHeaderLabels(["A", "B", "Better"])
        self.verdict.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verdict.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verdict.verticalHeader().setDefaultSectionSize(24)
        self.verdict.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.verdict.setToolTip("The verdict: who wins each row")
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
        self._task_changed()
        self._enable()

    # -- the task ----------------------------------------------------------------------

    @property
    def task_id(self) -> str:
        return self.task.currentData() or "tts"

    def set_task(self, task: str) -> None:
        self.task.setCurrentIndex(max(0, self.task.findData(task)))

    def _task_changed(self) -> None:
        images = self.task_id == "image"
        self.intro.setText(INTRO[self.task_id])
        self.engine.blockSignals(True)
        self.engine.clear()
        for engine_id in self.registry.ids(self.task_id):
            self.engine.addItem(f"{self.registry.label(engine_id)} ({engine_id})", engine_id)
        self.engine.blockSignals(False)
        self.voice_label.setVisible(not images)
        self.voice.setVisible(not images)
        self.settings.setPlaceholderText("steps=…, size=…, seed=…, model_dir=…  (optional)" if images
                                         else "model=…, base_url=…, speed=…  (optional)")
        self.sample_label.setText("Scenes" if images else "Lines")
        self.sample.setValue(4 if images else 8)
        self.sample.setToolTip("How many scenes: the longest and the shortest prompt, then prompts with numbers, "
                               "names and unusual punctuation" if images else
                               "How many lines: the longest, the shortest, then lines with numbers, names, "
                               "dictionary words and unusual punctuation")
        self._fill_voices()

    # -- running ---------------------------------------------------------------------

    def _fill_voices(self) -> None:
        self.voice.clear()
        self.voice.addItem("")
        engine_id = self.engine.currentData()
        if not engine_id or self.task_id != "tts":
            return
        try:
            engine = self.registry.configured(engine_id, self.project.manifest.engine_settings(engine_id))
            self.voice.addItems(engine.voices())
        except StudioError:
            pass  # no weights or no server yet: the comparison says so when it starts

    def candidate(self):
        from studio.render.compare import Candidate, parse_settings

        settings = parse_settings(self.settings.text())
        if self.task_id == "tts" and self.voice.currentText().strip():
            settings["voice"] = self.voice.currentText().strip()
        return Candidate(self.engine.currentData() or "", settings)

    def start(self) -> bool:
        """Plan on a worker (engines are made and asked for voices or weights there), ask about money, then run."""
        self.problem.hide()
        try:
            candidate = self.candidate()
        except StudioError as exc:
            return self._refuse(exc.message)
        project, registry, sample, task = self.project, self.registry, self.sample.value(), self.task_id

        def plan(state):
            if task == "image":
                from studio.render.compare_images import plan_image_comparison

                return plan_image_comparison(project, registry, candidate, sample=sample)
            from studio.render.compare import plan_comparison

            return plan_comparison(project, registry, candidate, sample=sample)

        self._busy(True, "Preparing the comparison…")
        self.jobs.start(plan, JOB_KEY, "Preparing the comparison", on_done=lambda p: self._planned(p, task),
                        on_error=self._failed, on_cancelled=self._stopped, on_progress=self._progress)
        return True

    def _planned(self, plan, task: str = "tts") -> None:
        if task == "image":
            from studio.render.compare_images import run_image_comparison as run
        else:
            from studio.render.compare import run_comparison as run

        if plan.paid and plan.quote > 0:
            what = "images" if task == "image" else "takes"
            answer = QMessageBox.question(self, "Compare with a paid engine", plan.sentence() + f" Render the candidate's {what}?")
            if answer != QMessageBox.StandardButton.Yes:
                self._busy(False, "Nothing was sent.")
                return
        self.message.setText(plan.sentence())
        kept: list = []  # a stopped comparison still returns what it saved; the runner reports only the stop

        def work(state):
            kept.append(run(plan, state))
            return kept[-1]

        self.jobs.start(work, JOB_KEY, "Comparing engines", on_done=self._done, on_error=self._failed,
                        on_cancelled=lambda: self._done(kept[-1]) if kept else self._stopped(),
                        on_progress=self._progress)

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        if message:
            self.message.setText(message)

    def _done(self, comparison) -> None:
        stopped = comparison.status == "cancelled"
        count = len(comparison.lines)
        what = ("scene" if comparison.data.get("task") == "image" else "line") + ("" if count == 1 else "s")
        self._busy(False, (f"Stopped: the {count} {what} compared so far {'is' if count == 1 else 'are'} kept. "
                           if stopped else "")
                   + f"Saved as {comparison.json_path.name} (and a report to send).")
        self.show_comparison(comparison)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False, "")
        self._refuse(getattr(exc, "message", None) or f"The comparison stopped ({type(exc).__name__}: {exc}).")

    def _stopped(self) -> None:
        self._busy(False, "Stopped before anything was finished: nothing was kept.")

    def _busy(self, busy: bool, message: str) -> None:
        self.run_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)
        self.task.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        self.message.setText(message)
        self._enable()

    def _refuse(self, message: str) -> bool:
        self.problem.setText(message)
        self.problem.show()
        return False

    # -- showing ---------------------------------------------------------------------

    @property
    def comparison_task(self) -> str:
        return (self.comparison.data.get("task") if self.comparison else None) or self.task_id

    def show_comparison(self, comparison) -> None:
        self.comparison = comparison
        for pair in self.pairs:
            pair.setParent(None)
            pair.deleteLater()
        kind = ScenePair if comparison.data.get("task") == "image" else LinePair
        self.pairs = []
        for entry in comparison.lines:
            pair = kind(self, entry)
            pair.refresh()  # its texts and pictures before it is laid out: sized by what it shows
            self.lines_layout.insertWidget(self.lines_layout.count() - 1, pair)
            self.pairs.append(pair)
        self.lines_layout.activate()
        self.refresh()

    def refresh(self) -> None:
        for pair in self.pairs:
            pair.refresh()
        self._fill_verdict()
        self._enable()

    def verdict_cell(self, key: str, row: str) -> str:
        """The verdict table's text for a row key ("picks", "seconds", …) and "a", "b" or "better"."""
        keys = [k for k, _name in VERDICT_ROWS[self.comparison_task]]
        item = self.verdict.item("ab".find(row) if row in "ab" else 2, keys.index(key))
        return item.text() if item is not None else ""

    def _fill_verdict(self) -> None:
        from studio.money.prices import format_money, money
        from studio.render.compare_report import shown

        rows = VERDICT_ROWS[self.comparison_task]
        self.verdict.setColumnCount(len(rows))
        self.verdict.setHorizontalHeaderLabels([name for _key, name in rows])
        verdict = self.comparison.data.get("verdict", {}) if self.comparison else {}
        for column, (key, _name) in enumerate(rows):
            values = verdict.get(key, {})
            cells = []
            for side in "ab":
                value = values.get(side)
                if key == "cost":
                    value = format_money(money(value or 0))
                elif key in VERDICT_FORMAT:
                    value = shown(value, VERDICT_FORMAT[key])
                cells.append(str(value if value is not None else "—"))
            better = {"a": "A", "b": "B"}.get(values.get("better"), "even") if values else ""
            if self.blind:
                cells, better = ["?", "?"], "revealed after"
            for row, text in enumerate(cells + [better]):
                self.verdict.setItem(row, column, QTableWidgetItem(text))
        header = self.verdict.horizontalHeader()
        self.verdict.setFixedHeight(max(header.height(), header.sizeHint().height())
                                    + sum(self.verdict.rowHeight(r) for r in range(3)) + 2 * self.verdict.frameWidth())

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

    # -- listening, looking and judging --------------------------------------------

    def take_path(self, line_id: str, side: str) -> Path:
        entry = self.comparison.line(line_id)[side]
        return self.comparison.folder / (entry.get("take") or entry["image"])

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
        what = f"image {tier}" if plan.task == "image" else tier
        self.message.setText(f"stitch.toml now uses {plan.engine} for {what}; Undo puts it back.")
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
        if self.comparison_task == "image":
            images = getattr(self.parent(), "images", None)
            if images is not None and hasattr(images, "refresh"):
                images.refresh()  # the panel reads the route when it renders; its states follow the project
            return
        voice = getattr(self.parent(), "voice", None)
        if voice is not None and hasattr(voice, "bind"):
            voice.bind(self.project)  # the new draft engine's voices; its takes' states
            voice.warm_up()

    def closeEvent(self, event) -> None:
        if self.jobs.running(JOB_KEY):
            self.jobs.cancel(JOB_KEY)
        super().closeEvent(event)
