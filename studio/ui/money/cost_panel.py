"""View ▸ Costs: what the project spent against its budget, per task and engine, and
what drafting locally saved (the drafts priced at each task's final engine).

The figures come from `costs.cost_report`; this panel only lays them out. It reads
the ledger again whenever a job ends, so a final render shows up at once.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from studio.money.prices import format_money
from studio.errors import StudioError
from studio.money.costs import CostReport, by_task_order, cost_report, task_name
from studio.ui.shell import theme

COLUMNS = ["", "Renders", "Reused", "Failed", "Time", "Charged"]


def show_costs(window) -> "CostPanel | None":
    """Show the window's cost panel (one per window), up to date."""
    if window.project is None:
        window.say("Open a project to see what it spent.")
        return None
    panel = window.findChild(CostPanel)
    if panel is None:
        panel = CostPanel(window)
    panel.refresh()
    panel.show()
    panel.raise_()
    panel.activateWindow()
    return panel


class CostPanel(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.report: CostReport | None = None
        self.setWindowTitle("Costs")
        self.setModal(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)

        self.spent = QLabel()
        self.spent.setObjectName("heading")
        layout.addWidget(self.spent)
        self.budget_bar = QProgressBar()
        self.budget_bar.setRange(0, 1000)
        self.budget_bar.setTextVisible(False)
        layout.addWidget(self.budget_bar)

        self.saved = QLabel()
        self.saved.setStyleSheet(f"font-size: 14px; font-weight: 600; color: {theme.STATE_LOOK['draft'][1]};")
        layout.addWidget(self.saved)
        self.saved_detail = QLabel()
        self.saved_detail.setObjectName("hint")
        self.saved_detail.setWordWrap(True)
        layout.addWidget(self.saved_detail)

        self.by_task = _table("Task")
        self.by_engine = _table("Engine")
        for title, table in (("Per task", self.by_task), ("Per engine", self.by_engine)):
            heading = QLabel(title)
            heading.setStyleSheet("font-weight: 600;")
            layout.addWidget(heading)
            layout.addWidget(table, 1)

        self.problem = theme.problem_label()
        layout.addWidget(self.problem)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.refresh_button = buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.clicked.connect(self.refresh)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        for signal in (window.jobs.finished, window.jobs.failed, window.jobs.cancelled):
            signal.connect(self._job_ended)
        self.resize(760, 620)

    def refresh(self) -> None:
        project = self.window.project
        if project is None:
            self.close()
            return
        try:
            report = cost_report(project, self.window.registry)
        except StudioError as exc:
            self.problem.setText(exc.message)
            self.problem.show()
            return
        self.problem.hide()
        self.report = report
        self._show(report)

    def _show(self, report: CostReport) -> None:
        left = max(report.remaining, Decimal(0))
        self.spent.setText(
            f"Spent {format_money(report.spent)} of a {format_money(report.cap)} budget · {format_money(left)} left"
        )
        fraction = float(report.spent / report.cap) if report.cap > 0 else (1.0 if report.spent > 0 else 0.0)
        self.budget_bar.setValue(int(min(max(fraction, 0.0), 1.0) * 1000))
        self.budget_bar.setToolTip(f"{fraction:.0%} of the budget spent")
        if report.saved:
            self.saved.setText(f"Saved by drafting locally: {format_money(report.saved_total)}")
            self.saved_detail.setText(" ".join(_saved_sentence(s) for s in report.saved))
        else:
            self.saved.setText("Saved by drafting locally: —")
            self.saved_detail.setText(
                "No task has a final engine, so the drafts are not compared with a premium price: "
                "choose one in Edit ▸ Project Settings."
            )
        _fill(self.by_task, [(task_name(task), t) for task, t in by_task_order(report.by_task)])
        _fill(self.by_engine, sorted(report.by_engine.items()))
        _fit_rows(self.by_task)  # every task on view (five at most): planning is never scrolled away

    def _job_ended(self, *_args) -> None:
        if self.isVisible():
            self.refresh()


def _saved_sentence(saved) -> str:
    if saved.amount is None:
        return f"The {saved.task} drafts cannot be priced at {saved.engine} ({saved.model}): {saved.note}"
    return f"The {saved.task} drafts would have cost {format_money(saved.amount)} with {saved.engine} ({saved.model})."


def _table(first: str) -> QTreeWidget:
    table = QTreeWidget()
    table.setColumnCount(len(COLUMNS))
    table.setHeaderLabels([first] + COLUMNS[1:])
    table.setRootIsDecorated(False)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = table.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, len(COLUMNS)):
        header.resizeSection(column, 96)
        table.headerItem().setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return table


def _fit_rows(table: QTreeWidget) -> None:
    """The table tall enough for all its rows, without a scroll bar."""
    rows = table.topLevelItemCount()
    row = table.sizeHintForRow(0) if rows else 0
    table.setMinimumHeight(table.header().sizeHint().height() + rows * row + 2 * table.frameWidth() + 4)


def _fill(table: QTreeWidget, rows: list) -> None:
    """One row per (name, totals) pair, in the order given."""
    table.clear()
    if not rows:
        empty = QTreeWidgetItem(["Nothing rendered yet."])
        empty.setFlags(Qt.ItemFlag.NoItemFlags)
        table.addTopLevelItem(empty)
        empty.setFirstColumnSpanned(True)
        return
    for name, t in rows:
        item = QTreeWidgetItem([name, str(t.renders), str(t.cached), str(t.failed), f"{t.seconds:.1f} s",
                                format_money(t.charged)])
        for column in range(1, len(COLUMNS)):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if t.estimated != t.charged:
            item.setToolTip(5, f"Estimated {format_money(t.estimated)} before the calls")
        table.addTopLevelItem(item)
