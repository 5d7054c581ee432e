"""Tools ▸ Plan…: ask the planning model for a plan, then apply it change by change.

The top half asks: the planning engine and its price, a line for the creator's
direction, Ask. The call runs as a job (`QtJobs`, lane "io", so local renders go
on), with a progress bar and Cancel; a paid planner is confirmed first with its
quote. The bottom half shows a plan (the new one, or any kept in the project,
so a recorded plan works offline): each change with a checkbox, the suggestions and
review notes below it (never applied), and Apply, which applies the checked changes
as one undo step and says how many lines and scenes will render again, locally and
free, and what a premium re-render of them would cost.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton, QTreeWidget,
    QTreeWidgetItem, QVBoxLayout,
)

from studio.errors import StudioError
from studio.ui.shell.theme import problem_label

JOB_KEY = "plan"
ROLE = Qt.ItemDataRole.UserRole


class PlanDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.running = False
        self.plan = None
        self.plan_path = None
        self.setWindowTitle("Plan with a language model")
        self.engine_label = QLabel("")
        self.engine_label.setWordWrap(True)
        self.direction = QLineEdit()
        self.direction.setPlaceholderText("Direction, e.g. calm, for 12-year-olds, watercolour look")
        self.ask_button = QPushButton("Ask for a plan")
        self.ask_button.setObjectName("primary")
        self.ask_button.clicked.connect(self.ask)
        asking = QHBoxLayout()
        asking.addWidget(self.direction, 1)
        asking.addWidget(self.ask_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("hint")
        self.problem = problem_label()
        self.plans = QComboBox()
        self.plans.currentIndexChanged.connect(self._pick_plan)
        self.changes = QTreeWidget()
        self.changes.setHeaderHidden(True)
        self.changes.itemChanged.connect(lambda *_: self._count_checked())
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.apply_button = QPushButton("Apply checked changes")
        self.apply_button.clicked.connect(self.apply)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.engine_label)
        layout.addLayout(asking)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)
        layout.addWidget(self.plans)
        layout.addWidget(self.changes, 1)
        layout.addLayout(buttons)
        self.resize(760, 560)
        self._describe_engine()
        self._fill_plans()

    # -- asking ------------------------------------------------------------------------
    def _engine(self):
        from studio.plan.run import planner

        return planner(self.window.project, self.window.registry)

    def _describe_engine(self) -> None:
        try:
            engine = self._engine()
        except StudioError as exc:
            self.engine_label.setText(exc.message)
            self.ask_button.setEnabled(False)
            return
        self.engine_label.setText(f"Planner: {engine.label}.")

    def ask(self) -> None:
        from studio.plan.run import make_plan, quote_plan

        project, registry = self.window.project, self.window.registry
        self.problem.hide()
        try:
            engine = self._engine()
            quote = quote_plan(project, registry, engine, self.direction.text())  # reads the project here, not in the job
        except StudioError as exc:
            return self._fail(exc)
        if quote.paid:
            if not quote.fits:
                return self._fail(StudioError(quote.sentence() + " That is more than the budget left: raise it in "
                                              "Edit ▸ Project Settings."))
            asked = QMessageBox.question(self, "Ask for a plan", quote.sentence() + "\n\nAsk for the plan?")
            if asked != QMessageBox.StandardButton.Yes:
                return
        direction = self.direction.text()
        self.running = True
        self._busy(True, quote.sentence())
        folder = project.folder

        def work(state):  # on a worker: the call, the checks, and writing the plan's two files
            from studio.plan.store import save_plan

            plan = make_plan(project, registry, engine=engine, direction=direction, state=state, quote=quote)
            return plan, save_plan(folder, plan)

        self.window.jobs.start(
            work,
            JOB_KEY, "Planning", on_done=self._planned, on_error=self._failed, on_cancelled=self._cancelled,
            lane="io", on_progress=self._progress,
        )

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(1000 * max(0.0, min(1.0, fraction))))
        if message:
            self.status.setText(message)

    def _planned(self, result) -> None:
        plan, path = result
        self._busy(False, "")
        dropped = f" {len(plan.dropped)} item(s) named what the script does not have and were dropped." if plan.dropped else ""
        parts = f" in {plan.parts} parts" if plan.parts > 1 else ""
        self.status.setText(f"Plan received{parts} and kept as {path.name} (charged ${plan.charged}).{dropped}")
        self._fill_plans(select=path, plan=plan)

    def _failed(self, exc) -> None:
        self._busy(False, "")
        self._fail(exc)

    def _cancelled(self) -> None:
        self._busy(False, "Cancelled; nothing was applied.")

    def _busy(self, busy: bool, text: str) -> None:
        self.running = busy
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        self.ask_button.setEnabled(not busy)
        self.apply_button.setEnabled(not busy and self.plan is not None)
        self.close_button.setText("Cancel" if busy else "Close")
        self.status.setText(text)

    def _fail(self, exc) -> None:
        self.problem.setText(getattr(exc, "message", None) or f"The plan could not be made ({type(exc).__name__}).")
        self.problem.show()

    def cancel_or_close(self) -> None:
        if self.running:
            self.window.jobs.cancel(JOB_KEY)
            return
        self.close()

    def reject(self) -> None:
        if self.running:
            self.cancel_or_close()
            return
        super().reject()

    # -- the plan and its changes ------------------------------------------------------
    def _fill_plans(self, select=None, plan=None) -> None:
        from studio.plan.store import list_plans

        paths = list(reversed(list_plans(self.window.project.folder)))
        self.plans.blockSignals(True)
        self.plans.clear()
        for path in paths:
            self.plans.addItem(path.stem, str(path))
        self.plans.blockSignals(False)
        self.plans.setVisible(bool(paths))
        if paths:
            index = self.plans.findData(str(select)) if select is not None else 0
            self.plans.blockSignals(True)
            self.plans.setCurrentIndex(max(0, index))
            self.plans.blockSignals(False)
            if plan is not None and index >= 0:  # just made: no need to read it back
                self.plan, self.plan_path = plan, str(select)
                self.show_changes()
            else:
                self._pick_plan()
        else:
            self.summary.setText("No plan yet: ask for one.")
            self.apply_button.setEnabled(False)

    def _pick_plan(self) -> None:
        from studio.plan.store import load_plan

        path = self.plans.currentData()
        if not path:
            return
        try:
            self.plan, self.plan_path = load_plan(path), path
        except StudioError as exc:
            self.plan = None
            self.changes.clear()
            return self._fail(exc)
        self.show_changes()

    def show_changes(self) -> None:
        from studio.plan.diff import diff

        found = diff(self.window.project, self.plan)
        self.changes.blockSignals(True)
        self.changes.clear()
        titles = (("Changes", found.changes, True), ("Suggestions (yours to make)", found.suggestions, False),
                  ("Review notes", found.notes, False))
        for title, items, checkable in titles:
            if not items:
                continue
            head = QTreeWidgetItem(self.changes, [f"{title} ({len(items)})"])
            head.setFlags(head.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            for change in items:
                row = QTreeWidgetItem(head, [change.sentence()])
                row.setToolTip(0, change.sentence())
                if checkable:
                    row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    row.setCheckState(0, Qt.CheckState.Checked)
                    row.setData(0, ROLE, change.id)
            head.setExpanded(True)
        if found.missing:
            head = QTreeWidgetItem(self.changes, [f"No longer in the script ({len(found.missing)})"])
            for text in found.missing:
                QTreeWidgetItem(head, [text])
            head.setExpanded(True)
        self.changes.blockSignals(False)
        self._count_checked()

    def checked(self) -> list[str]:
        out = []
        for i in range(self.changes.topLevelItemCount()):
            head = self.changes.topLevelItem(i)
            for j in range(head.childCount()):
                row = head.child(j)
                if row.data(0, ROLE) and row.checkState(0) == Qt.CheckState.Checked:
                    out.append(row.data(0, ROLE))
        return out

    def _count_checked(self) -> None:
        count = len(self.checked())
        self.apply_button.setEnabled(count > 0 and not self.running)
        self.summary.setText(f"{count} change{'s' if count != 1 else ''} checked." if self.plan is not None else "")
        if self.plan is not None and count == 0 and not any(
                self.changes.topLevelItem(i).text(0).startswith("Changes") for i in range(self.changes.topLevelItemCount())):
            self.summary.setText("Nothing to change: the project already follows this plan.")

    def apply(self) -> None:
        from studio.plan.diff import apply, premium_cost

        window = self.window
        try:
            done = apply(window.project, self.plan, chosen=self.checked(), registry=window.registry)
            cost = premium_cost(window.project, window.registry, done.stale_lines, done.stale_scenes)
        except StudioError as exc:
            return self._fail(exc)
        self.status.setText(done.sentence() + " " + cost.sentence + " Edit ▸ Undo takes it all back.")
        window.say(done.sentence())
        refresh = getattr(window, "_refresh_actions", None)
        if refresh is not None:
            refresh()
        self.show_changes()


def open_plan(window) -> PlanDialog | None:
    if window.project is None:
        window.say("Open a project to plan it.")
        return None
    dialog = getattr(window, "plan_dialog", None)
    if dialog is None or not dialog.running:
        if dialog is not None:
            dialog.deleteLater()
        dialog = window.plan_dialog = PlanDialog(window)
    dialog.show()
    dialog.raise_()
    return dialog
