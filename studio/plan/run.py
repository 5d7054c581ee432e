"""Asking the routed planning engine for a plan: quote, budget, call, check, ask again once.

`planner(project, registry, engine_id)` resolves `[routing.plan]` (the final engine
when one is set, else the draft one; `engine_id` overrides) with its
`[engines.<id>]` settings. `quote_plan` prices the call before it runs: the prompt's
tokens counted (see `engines/planning.py`), the whole `max_tokens` as output.
`make_plan` runs on a worker thread: each call goes through the project's shared
budget and into the ledger (task "plan") with the provider's usage figures; a call
the provider did not complete costs nothing. A reply that is not a plan is sent back
once with its problems; a second bad reply refuses the plan with a sentence, and
nothing is saved or applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from studio.engines.base import NullState
from studio.money.prices import format_money, money
from studio.errors import EngineError
from studio.money.ledger import project_ledger, render_paid, shared_budget
from studio.plan.parse import BadReply, keep_known, parse_reply
from studio.plan.prompt import PlanRefused, build_prompt
from studio.plan.schema import REPLY_SCHEMA, Plan


def planner(project, registry, engine_id: str | None = None):
    draft, final = project.manifest.route("plan")
    engine_id = engine_id or final or draft
    if not engine_id:
        raise EngineError(
            "This project has no planning engine: set draft under [routing.plan] in stitch.toml to \"smollm2\" "
            "(on this computer, free) or final to \"anthropic\" or \"openai-chat\" (for your own server, "
            "\"openai-chat\" with base_url under [engines.openai-chat]), or pass --engine."
        )
    engine = registry.configured(engine_id, project.manifest.engine_settings(engine_id))
    if getattr(engine, "task", "") != "plan":
        raise EngineError(f"The engine '{engine_id}' does not plan (it is a {getattr(engine, 'task', '?')} engine): "
                          f"pick one of {', '.join(registry.ids('plan')) or 'the planning engines'}.")
    return engine


def project_voices(project, registry) -> list[str]:
    """The draft voice engine's voices and the project's blends: what the plan may choose from."""
    try:
        from studio.jobs.pipeline import Voicing

        voices = list(Voicing(project, registry).engine().voices())
    except Exception:  # an engine that cannot start yet still lets the script be planned
        voices = []
    return voices + sorted(project.blends())


@dataclass
class PlanQuote:
    engine: str
    label: str
    money: Decimal
    input_tokens: int
    max_tokens: int
    paid: bool
    remaining: Decimal
    cap: Decimal
    request: object = field(repr=False, default=None)
    voices: list = field(default_factory=list)
    # The script as it was quoted, so the worker never reads the project while the creator edits it.
    script: dict = field(default_factory=dict)  # line id -> text
    scene_titles: dict = field(default_factory=dict)  # scene id -> title

    @property
    def fits(self) -> bool:
        return self.money <= 0 or self.money <= self.remaining

    def sentence(self) -> str:
        size = f"about {self.input_tokens:,} tokens in, at most {self.max_tokens:,} back"
        if not self.paid:
            return f"Planning with {self.label}: {size}; free (not billed: it runs on this computer or your own server)."
        return (f"Planning with {self.label}: {size}; at most {format_money(self.money)} (asking again once "
                f"if the reply is not a plan costs as much again); {format_money(max(self.remaining, Decimal(0)))} "
                f"of this project's {format_money(self.cap)} budget is left.")


def quote_plan(project, registry, engine=None, direction: str = "") -> PlanQuote:
    engine = engine or planner(project, registry)
    voices = project_voices(project, registry)
    prompt = build_prompt(project, voices, direction, context_tokens=engine.context_tokens, max_tokens=engine.max_tokens)
    request = engine.request(prompt.system, prompt.user, REPLY_SCHEMA)
    quote = engine.quote(request)
    budget = shared_budget(project.folder, project.manifest.budget)
    # The engine's own estimate of its tokens (a local planner asks one short question per scene).
    tokens_in = quote.usage.input_tokens or request.input_tokens()
    tokens_out = quote.usage.output_tokens or request.max_tokens
    return PlanQuote(engine.id, engine.label, quote.money, tokens_in, tokens_out, quote.paid,
                     budget.remaining(), budget.cap, request, voices, {line.id: line.text for line in project.lines},
                     {s.id: s.title for s in project.scenes})


def make_plan(project, registry, *, engine=None, direction: str = "", state=None, quote: PlanQuote | None = None) -> Plan:
    """Worker side: the plan for the project as quoted, checked; not saved, not applied. Only the
    folder and manifest are read here: what the model is sent was taken on the caller's thread."""
    state = state or NullState()
    engine = engine or planner(project, registry)
    quote = quote or quote_plan(project, registry, engine, direction)
    request = quote.request
    ledger, budget = project_ledger(project.folder), shared_budget(project.folder, project.manifest.budget)
    charged, usage, problems = Decimal(0), {}, []
    for attempt in (1, 2):
        state.set_progress(0.1 if attempt == 1 else 0.55, "Asking for a plan" if attempt == 1 else "Asking again")
        completion = render_paid(ledger, budget, engine, request, lambda: engine.plan(request, _Part(state, attempt)),
                                 tier="final" if quote.paid else "draft", ref="plan")
        charged += money(completion.info.get("charged", "0")) if quote.paid else Decimal(0)
        for name, value in completion.usage.to_dict().items():
            usage[name] = usage.get(name, 0) + value
        try:
            reply = parse_reply(completion.text)
            break
        except BadReply as exc:
            problems = exc.problems
            if attempt == 2:
                raise PlanRefused(
                    f"{engine.label} did not send a usable plan after being asked twice ({exc.message[:-1].lower()}: "
                    f"{problems[0]}); nothing was applied. Try again, or another model.", detail=exc.detail) from None
            request = request.asking_again(
                completion.text[:20000],
                "That reply cannot be used as a plan:\n- " + "\n- ".join(problems)
                + "\nAnswer again with one JSON object that follows the schema, and nothing else.")
    reply, dropped = keep_known(reply, quote.scene_titles, quote.script, quote.voices)
    state.set_progress(1.0, "Plan checked")
    return Plan(
        made=datetime.now(timezone.utc).isoformat(timespec="seconds"), engine=engine.id, model=request.model,
        direction=direction.strip(), script=dict(quote.script), scene_titles=dict(quote.scene_titles), reply=reply, dropped=dropped, usage=usage,
        charged=f"{money(charged):f}",
    )


class _Part:
    """The job's state for one of the (at most two) calls: progress within its half."""

    def __init__(self, state, attempt: int):
        self._state, self._low = state, 0.1 if attempt == 1 else 0.55

    def set_progress(self, fraction: float, message: str = "") -> None:
        self._state.set_progress(self._low + 0.4 * float(fraction), message)

    def is_cancelled(self) -> bool:
        return self._state.is_cancelled()
