"""Asking the routed planning engine for a plan: quote, budget, call, check, ask again once.

`planner(project, registry, engine_id)` resolves `[routing.plan]` (the final engine
when one is set, else the draft one; `engine_id` overrides) with its
`[engines.<id>]` settings. `quote_plan` prices the calls before any runs: the prompt's
tokens counted (see `engines/planning.py`), the whole `max_tokens` as output; a script
too long for one call is planned in parts (`prompt.build_prompts`: whole scenes, one
call each) and quoted as their sum. `make_plan` runs on a worker thread: each call
goes through the project's shared budget and into the ledger (task "plan") with the
provider's usage figures; a call the provider did not complete costs nothing. A reply
that is not a plan is sent back once with its problems; a second bad reply refuses the
plan with a sentence. The parts' replies are merged into one plan only when all have
come back: a failure or a cancel between parts leaves no plan, nothing saved or applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from decimal import Decimal

from studio.engines.base import NullState, check_cancelled
from studio.money.prices import format_money, money
from studio.errors import EngineError
from studio.money.ledger import project_ledger, render_paid, shared_budget
from studio.plan.parse import BadReply, keep_known, parse_reply
from studio.plan.prompt import PlanRefused, build_prompts
from studio.plan.schema import REPLY_SCHEMA, Plan, Reply


def planner(project, registry, engine_id: str | None = None):
    draft, final = project.manifest.route("plan")
    engine_id = engine_id or final or draft
    if not engine_id:
        raise EngineError(
            "This project has no planning engine: pick one on the Planning tab of Edit ▸ Project Settings, or set "
            'draft under [routing.plan] in stitch.toml to "smollm2" (on this computer, free) or final to "anthropic" '
            'or "openai-chat" (for your own server, "openai-chat" with base_url under [engines.openai-chat]), or '
            "pass --engine."
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
    requests: list = field(repr=False, default_factory=list)  # one per part, in order
    prompts: list = field(repr=False, default_factory=list)  # what each part reads (prompt.Prompt)
    voices: list = field(default_factory=list)
    # The script as it was quoted, so the worker never reads the project while the creator edits it.
    script: dict = field(default_factory=dict)  # line id -> text
    scene_titles: dict = field(default_factory=dict)  # scene id -> title

    @property
    def fits(self) -> bool:
        return self.money <= 0 or self.money <= self.remaining

    @property
    def request(self):
        return self.requests[0] if self.requests else None

    @property
    def parts(self) -> int:
        return len(self.requests)

    def sentence(self) -> str:
        size = f"about {self.input_tokens:,} tokens in, at most {self.max_tokens:,} back"
        if self.parts > 1:
            size = (f"the script is longer than one call takes, so {self.parts} calls of a few scenes each; "
                    f"{size} in all")
        if not self.paid:
            return f"Planning with {self.label}: {size}; free (not billed: it runs on this computer or your own server)."
        return (f"Planning with {self.label}: {size}; at most {format_money(self.money)} (asking again once "
                f"if the reply is not a plan costs as much again); {format_money(max(self.remaining, Decimal(0)))} "
                f"of this project's {format_money(self.cap)} budget is left.")


def quote_plan(project, registry, engine=None, direction: str = "") -> PlanQuote:
    engine = engine or planner(project, registry)
    voices = project_voices(project, registry)
    prompts = build_prompts(project, voices, direction, context_tokens=engine.context_tokens, max_tokens=engine.max_tokens)
    requests = [engine.request(prompt.system, prompt.user, REPLY_SCHEMA) for prompt in prompts]
    quotes = [engine.quote(request) for request in requests]
    budget = shared_budget(project.folder, project.manifest.budget)
    # The engine's own estimate of its tokens (a local planner asks one short question per scene).
    tokens_in = sum(q.usage.input_tokens or r.input_tokens() for q, r in zip(quotes, requests))
    tokens_out = sum(q.usage.output_tokens or r.max_tokens for q, r in zip(quotes, requests))
    return PlanQuote(engine.id, engine.label, sum((q.money for q in quotes), Decimal(0)), tokens_in, tokens_out,
                     any(q.paid for q in quotes), budget.remaining(), budget.cap, requests, prompts, voices,
                     {line.id: line.text for line in project.lines}, {s.id: s.title for s in project.scenes})


def make_plan(project, registry, *, engine=None, direction: str = "", state=None, quote: PlanQuote | None = None) -> Plan:
    """Worker side: the plan for the project as quoted, checked; not saved, not applied. Only the
    folder and manifest are read here: what the model is sent was taken on the caller's thread."""
    state = state or NullState()
    engine = engine or planner(project, registry)
    quote = quote or quote_plan(project, registry, engine, direction)
    ledger, budget = project_ledger(project.folder), shared_budget(project.folder, project.manifest.budget)
    charged, usage, replies = Decimal(0), {}, []
    parts = quote.parts
    for number, (request, prompt) in enumerate(zip(quote.requests, quote.prompts), 1):
        check_cancelled(state)  # between parts: what came back so far is kept nowhere
        if number > 1:  # the shared style the first part chose
            request = replace(request, user=prompt.with_style(replies[0].style))
        reply, spent, used = _ask(engine, request, quote.paid, ledger, budget, state, number, parts)
        replies.append(reply)
        charged += spent
        for name, value in used.items():
            usage[name] = usage.get(name, 0) + value
    reply, dropped = keep_known(merge_replies(replies), quote.scene_titles, quote.script, quote.voices)
    state.set_progress(1.0, "Plan checked")
    return Plan(
        made=datetime.now(timezone.utc).isoformat(timespec="seconds"), engine=engine.id, model=quote.request.model,
        direction=direction.strip(), script=dict(quote.script), scene_titles=dict(quote.scene_titles), reply=reply,
        dropped=dropped, usage=usage, charged=f"{money(charged):f}", parts=parts,
    )


def _ask(engine, request, paid: bool, ledger, budget, state, number: int, parts: int):
    """One part: the call, and once more if its reply is not a plan. (reply, charged, usage)."""
    charged, usage = Decimal(0), {}
    which = f" for part {number} of {parts}" if parts > 1 else ""
    for attempt in (1, 2):
        part = _Part(state, number, parts, attempt)
        part.set_progress(0.0, ("Asking for a plan" if attempt == 1 else "Asking again") + which)
        completion = render_paid(ledger, budget, engine, request, lambda: engine.plan(request, part),
                                 tier="final" if paid else "draft", ref="plan" if parts == 1 else f"plan {number}/{parts}")
        charged += money(completion.info.get("charged", "0")) if paid else Decimal(0)
        for name, value in completion.usage.to_dict().items():
            usage[name] = usage.get(name, 0) + value
        try:
            return parse_reply(completion.text), charged, usage
        except BadReply as exc:
            problems = exc.problems
            if attempt == 2:
                raise PlanRefused(
                    f"{engine.label} did not send a usable plan{which} after being asked twice "
                    f"({exc.message[:-1].lower()}: {problems[0]}); nothing was applied. Try again, or another model.",
                    detail=exc.detail) from None
            request = request.asking_again(
                completion.text[:20000],
                "That reply cannot be used as a plan:\n- " + "\n- ".join(problems)
                + "\nAnswer again with one JSON object that follows the schema, and nothing else.")
    raise AssertionError("unreachable")


def merge_replies(replies: list[Reply]) -> Reply:
    """The parts' replies as one: the first style given, everything else in order, each line's
    direction and each word once (the first part to name it wins)."""
    if len(replies) == 1:
        return replies[0]
    style = next((r.style for r in replies if r.style), "")
    seen_lines, seen_words, lines, words = set(), set(), [], []
    for reply in replies:
        for line in reply.lines:
            if line.line_id not in seen_lines:
                seen_lines.add(line.line_id)
                lines.append(line)
        for entry in reply.pronunciations:
            key = " ".join(entry.word.split()).casefold()
            if key not in seen_words:
                seen_words.add(key)
                words.append(entry)
    return Reply(style=style, scenes=[s for r in replies for s in r.scenes], pronunciations=words, lines=lines,
                 splits=[s for r in replies for s in r.splits], merges=[m for r in replies for m in r.merges],
                 notes=[n for r in replies for n in r.notes])


class _Part:
    """The job's state for one call: progress within its part's share, the first try in the
    first half of it, asking again in the second."""

    def __init__(self, state, number: int, parts: int, attempt: int):
        share = 0.95 / parts
        self._state, self._low, self._span = state, 0.05 + share * (number - 1 + (0.5 if attempt == 2 else 0.0)), share / 2

    def set_progress(self, fraction: float, message: str = "") -> None:
        self._state.set_progress(self._low + self._span * max(0.0, min(1.0, float(fraction))), message)

    def is_cancelled(self) -> bool:
        return self._state.is_cancelled()
