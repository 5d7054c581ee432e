"""What a project has spent, per task and engine, and what its local drafts saved.

`cost_report` reads the ledger and the project's routing; the Cost panel and
`studio cost` show it. "Saved" is what the drafts rendered so far would have cost
at the price of the task's final engine: the money the local-first workflow kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from studio.money.prices import PriceTable, format_money, money
from studio.errors import StudioError
from studio.money.ledger import Ledger, Totals
from studio.project.manifest import TASK_NAMES, TASKS


def task_name(task: str) -> str:
    """The task in the creator's words ("Voice", "Planning"); an unknown one as recorded."""
    return TASK_NAMES.get(task, task)


def by_task_order(totals: dict) -> list:
    """(task, totals) pairs in the studio's order of tasks (voice, transcription, images, cleanup,
    planning), any other recorded task after them."""
    rank = {task: n for n, task in enumerate(TASKS)}
    return sorted(totals.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))


@dataclass(frozen=True)
class Saved:
    task: str
    engine: str  # the final engine the drafts are priced at
    model: str
    amount: Decimal | None  # None: the price list has no price for that model
    note: str = ""


@dataclass
class CostReport:
    spent: Decimal
    cap: Decimal
    remaining: Decimal
    by_task: dict[str, Totals] = field(default_factory=dict)
    by_engine: dict[str, Totals] = field(default_factory=dict)
    saved: list[Saved] = field(default_factory=list)

    @property
    def saved_total(self) -> Decimal:
        return sum((s.amount for s in self.saved if s.amount is not None), Decimal(0))

    def to_dict(self) -> dict:
        def totals(t: Totals) -> dict:
            return {"renders": t.renders, "cached": t.cached, "failed": t.failed, "seconds": round(t.seconds, 3),
                    "estimated": f"{t.estimated:f}", "charged": f"{t.charged:f}"}

        return {
            "spent": f"{self.spent:f}", "cap": f"{self.cap:f}", "remaining": f"{self.remaining:f}",
            "by_task": {k: totals(v) for k, v in sorted(self.by_task.items())},
            "by_engine": {k: totals(v) for k, v in sorted(self.by_engine.items())},
            "saved": [{"task": s.task, "engine": s.engine, "model": s.model,
                       "amount": None if s.amount is None else f"{s.amount:f}", "note": s.note} for s in self.saved],
            "saved_total": f"{self.saved_total:f}",
        }

    def lines(self) -> list[str]:
        """The report as a creator reads it."""
        out = [f"Spent {format_money(self.spent)} of a {format_money(self.cap)} budget "
               f"({format_money(max(self.remaining, Decimal(0)))} left)."]
        for title, rows in (("Per task", [(task_name(k), t) for k, t in by_task_order(self.by_task)]),
                            ("Per engine", sorted(self.by_engine.items()))):
            if rows:
                out.append(f"{title}:")
                out += [f"  {name:<16} {t.renders:>5} renders ({t.cached} reused, {t.failed} failed)  "
                        f"{t.seconds:8.1f} s  {format_money(t.charged):>9}" for name, t in rows]
        for s in self.saved:
            if s.amount is None:
                out.append(f"The {s.task} drafts cannot be priced at {s.engine} ({s.model}): {s.note}")
            else:
                out.append(f"The {s.task} drafts would have cost {format_money(s.amount)} with {s.engine} ({s.model}).")
        if not self.saved:
            out.append("No task has a final engine, so the drafts are not compared with a premium price.")
        return out


def cost_report(project, registry) -> CostReport:
    """The project's ledger summed up, with the drafts priced at each task's final engine."""
    ledger = Ledger(project.folder)
    cap = money(project.manifest.budget)
    spent = ledger.spent()
    report = CostReport(spent, cap, cap - spent, ledger.totals("task"), ledger.totals("engine"))
    prices = PriceTable.load()
    for task in TASKS:
        if task == "plan":  # a plan is thinking, not a draft of an asset: nothing to compare
            continue
        _, final = project.manifest.route(task)
        if not final:
            continue
        settings = project.manifest.engine_settings(final)
        model = settings.get("model", "")
        try:
            if not model:
                model = getattr(registry.configured(final, settings), "model_name", "") or ""
            amount = ledger.drafts_at(prices.price(final, model))
            report.saved.append(Saved(task, final, model, amount))
        except StudioError as exc:
            report.saved.append(Saved(task, final, model, None, exc.message))
    return report
