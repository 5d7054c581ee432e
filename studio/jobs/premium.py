"""Final (premium) renders and the ledger line of every voice render.

`render_recorded` is the one way a voice render reaches the ledger. A local engine's
render and any cache hit are free and are recorded with their usage (so the Cost
panel can say what the drafts would have cost at a premium price). A hosted
engine's render goes through `render_paid`: the budget is checked, and the estimate
held, before any network traffic; what the provider charged is recorded even for a
call that failed or was cancelled. `quote_final` is what a confirm dialog (or
`studio render --final`) shows before asking: engine, estimated cost, budget left.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from studio.engines.prices import format_money, money
from studio.jobs.ledger import Budget, Ledger, render_paid

if TYPE_CHECKING:
    from studio.jobs.pipeline import LineRender, Voicing


def is_hosted(engine) -> bool:
    """Whether renders of `engine` go over the network (and may cost money)."""
    return not getattr(engine, "local", True) and hasattr(engine, "quote")


class _Watched:
    """The engine, remembering the audio it returned: a cancel that lands after the reply
    arrived must not hide a charge the provider already made."""

    def __init__(self, engine):
        self.engine = engine
        self.audio = None

    def synthesize(self, request, state):
        self.audio = self.engine.synthesize(request, state)
        return self.audio


def render_recorded(
    ledger: Ledger, budget: Budget, folder, takes, line_id: str, request, engine, state, tier: str
) -> "LineRender":
    """Worker side: render (or reuse) one line's take with `engine` and record it in the ledger."""
    from studio.jobs.pipeline import render_speech

    if not is_hosted(engine) or takes.find_by_key(request.cache_key()) is not None:
        result = render_speech(folder, takes, line_id, request, engine, state, tier=tier)
        ledger.record_render(request, tier=tier, seconds=result.seconds, cached=result.cached, ref=line_id)
        return result

    quote = engine.quote(request)
    watched = _Watched(engine)

    def work():
        try:
            result = render_speech(folder, takes, line_id, request, watched, state, tier=tier)
        except BaseException as exc:
            # The reply arrived (and was billed), but no take came of it: a cancel that landed
            # late, audio refused by the checks, a full disk. The ledger must still say so.
            if watched.audio is not None and not hasattr(exc, "charged"):
                exc.charged = money(watched.audio.info.get("charged", quote.money))
                exc.charge_source = watched.audio.info.get("charge_source", "provider")
            raise
        result.info = dict(watched.audio.info) if watched.audio is not None else {}
        return result

    return render_paid(ledger, budget, engine, request, work, tier=tier, ref=line_id, quote=quote)


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


def quote_final(voicing: "Voicing", line_ids: list[str]) -> FinalQuote:
    """Price a final render of `line_ids` without sending anything (cached takes are free)."""
    engine = voicing.final_engine()
    total, send, cached = Decimal(0), [], []
    for line_id in line_ids:
        request = voicing.request_for(line_id, tier="final")
        if voicing.project.takes.find_by_key(request.cache_key()) is not None:
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
