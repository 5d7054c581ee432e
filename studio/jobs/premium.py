"""Final (premium) renders: what they would cost before anything is sent.

`quote_final` is what a confirm dialog (or `studio render --final`) shows before
asking: engine, estimated cost, budget left. Every voice render, draft or final,
reaches the ledger through `pipeline.render_recorded` (importable from here too):
a hosted engine's render goes through `render_paid`, so the budget is checked, and
the estimate held, before any network traffic.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from studio.engines.base import is_hosted
from studio.jobs.pipeline import Voicing, finished_file, render_recorded
from studio.money.prices import format_money, money

__all__ = ["FinalQuote", "is_hosted", "quote_final", "render_recorded"]


@dataclass(frozen=True)
class FinalQuote:
    """What rendering `lines` with the final engine should cost, and the budget around it."""

    engine: str
    label: str
    lines: tuple[str, ...]  # lines that would be sent
    cached: tuple[str, ...]  # lines whose final take exists already: free
    money: Decimal
    cap: Decimal
    remaining: Decimal
    paid: bool
    noun: str = "line"  # what is being rendered, in the dialog's words

    @property
    def fits(self) -> bool:
        return self.money <= 0 or self.money <= self.remaining

    @property
    def over_by(self) -> Decimal:
        return max(Decimal(0), self.money - max(self.remaining, Decimal(0)))

    def sentence(self) -> str:
        count = f"{len(self.lines)} {self.noun}{'s' if len(self.lines) != 1 else ''}"
        if not self.paid:
            return f"{count} with {self.label}: free (this server is not billed)."
        return (
            f"{count} with {self.label}: about {format_money(self.money)}; "
            f"{format_money(max(self.remaining, Decimal(0)))} of this project's {format_money(self.cap)} budget is left."
        )


def quote_final(voicing: Voicing, line_ids: list[str]) -> FinalQuote:
    """Price a final render of `line_ids` without sending anything (cached takes are free)."""

    engine = voicing.final_engine()
    total, send, cached = Decimal(0), [], []
    for line_id in line_ids:
        request = voicing.request_for(line_id, tier="final")
        if voicing.project.takes.find_by_key(request.cache_key()) is not None or finished_file(
                voicing.project.folder, request.cache_key()) is not None:
            cached.append(line_id)
            continue
        send.append(line_id)
        if is_hosted(engine):
            total += engine.quote(request).money
    budget = voicing.budget
    return FinalQuote(
        engine=engine.id, label=getattr(engine, "label", engine.id), lines=tuple(send), cached=tuple(cached),
        money=money(total), cap=budget.cap, remaining=budget.remaining(),
        paid=bool(getattr(engine, "paid", False)) and is_hosted(engine),
    )
