"""Planning a voice comparison: both engines and every request, made before anything renders.

`plan_comparison` takes the sample (`sample.py`, or the lines the creator names), makes
the current route's engine (A) and the candidate's (B), builds each line's request for
both on the same text, pronunciation dictionary and speed, and prices the candidate. An
engine that is not installed, has no weights, or lacks the voice asked for fails here
with a sentence, and nothing is written; a paid candidate over the budget is refused here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from studio.engines.base import RenderRequest
from studio.engines.lexicon import with_lexicon
from studio.errors import EngineError, StudioError
from studio.jobs.pipeline import DEFAULT_TTS_ENGINE
from studio.jobs.premium import is_hosted
from studio.money.ledger import shared_budget
from studio.money.prices import format_money, money
from studio.render.compare.candidate import Candidate, takes_setting
from studio.render.compare.sample import DEFAULT_SAMPLE, Pick, hard_sample, line_number, line_reasons

if TYPE_CHECKING:
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project


@dataclass
class Side:
    role: str  # "a" (the current route) or "b" (the candidate)
    engine: Any
    requests: dict[str, RenderRequest]  # line id -> request
    settings: dict = field(default_factory=dict)

    @property
    def hosted(self) -> bool:
        return is_hosted(self.engine)

    def describe(self) -> dict:
        first = next(iter(self.requests.values()), None)
        return {
            "engine": self.engine.id,
            "label": getattr(self.engine, "label", "") or self.engine.id,
            "model": first.model if first else "",
            "voice": first.voice if first else "",
            "speed": first.speed if first else None,
            "settings": {k: v for k, v in self.settings.items()},
            "local": not self.hosted,
        }


@dataclass
class Plan:
    project: "Project"
    registry: "EngineRegistry"
    candidate: Candidate
    picks: list[Pick]
    a: Side
    b: Side
    quote: Decimal  # what rendering the sample with the candidate should cost
    paid: bool
    project_cost: dict  # side -> projected cost of rendering every line with it
    id: str = ""

    @property
    def line_ids(self) -> list[str]:
        return [p.line_id for p in self.picks]

    def sentence(self) -> str:
        count = f"{len(self.picks)} line{'s' if len(self.picks) != 1 else ''}"
        label = getattr(self.b.engine, "label", self.b.engine.id)
        if not self.paid:
            return f"Comparing {count} with {label}: free (it runs here or on an unbilled server)."
        budget = shared_budget(self.project.folder, self.project.manifest.budget)
        return (f"Comparing {count} with {label}: about {format_money(self.quote)}; "
                f"{format_money(max(budget.remaining(), Decimal(0)))} of this project's "
                f"{format_money(budget.cap)} budget is left.")


def current_engine(project: "Project", registry: "EngineRegistry"):
    engine_id = project.manifest.tts_draft or DEFAULT_TTS_ENGINE
    return registry.configured(engine_id, project.manifest.engine_settings(engine_id))


def line_request(project: "Project", line_id: str, engine, voice: str = "", speed: float | None = None) -> RenderRequest:
    """The line's request for `engine`: its text, the project's pronunciation entries it uses, its
    speed (unless `speed` is given) and voice (`voice`, else the line's when the engine has it,
    else the engine's default)."""
    text = project.line(line_id).text.strip()
    if not voice:
        voice = project.voice_spec_of(line_id) or ""
        if voice and not _has_voice(engine, voice):
            voice = ""
        voice = voice or engine.default_voice()
    elif not _has_voice(engine, voice):
        names = ", ".join(engine.voices()[:12])
        raise EngineError(f"{getattr(engine, 'label', engine.id)} has no voice called '{voice}'; its voices are {names}.")
    request = engine.request(text, voice, project.speed_of(line_id) if speed is None else speed)
    if getattr(engine, "accepts_pronunciation", False):
        request = with_lexicon(request, project.pronunciations_used(line_id))
    return request


def _has_voice(engine, voice: str) -> bool:
    voices = engine.voices()
    names = [part.partition(":")[0].strip() for part in voice.split(",") if part.strip()]
    return bool(names) and all(name in voices for name in names)


def candidate_engine(project: "Project", registry: "EngineRegistry", candidate: Candidate):
    ids = registry.all_ids()
    if candidate.engine not in ids:
        raise EngineError(f"There is no engine called '{candidate.engine}'. Installed engines: {', '.join(ids) or 'none'}.")
    if candidate.engine not in registry.ids("tts"):
        raise EngineError(f"'{candidate.engine}' is not a voice engine; the voice engines are {', '.join(registry.ids('tts'))}.")
    settings = candidate.engine_settings(project.manifest.engine_settings(candidate.engine))
    factory = registry._factory(candidate.engine)
    if candidate.voice and takes_setting(factory, "voice"):
        settings["voice"] = candidate.voice  # a server's own voice names are given to it, not checked against a list
    return registry.configured(candidate.engine, settings), settings


def plan_comparison(project: "Project", registry: "EngineRegistry", candidate: Candidate, *,
                    lines: list[str] | None = None, sample: int = DEFAULT_SAMPLE) -> Plan:
    """Everything decided before a render: the lines, both engines, every request, the price.
    Raises a StudioError (and writes nothing) when the candidate cannot be used."""
    if lines:
        # Line ids, as `commands.premium.pick_lines` resolves them from ids or numbers.
        known = {line.id: line for line in project.lines}
        picks = []
        for line_id in dict.fromkeys(lines):
            if line_id not in known:
                raise StudioError(f"There is no line '{line_id}' in this project.")
            if not known[line_id].text.strip():
                raise StudioError(f"Line {line_number(project, line_id)} is empty: there is nothing to compare.")
            picks.append(Pick(line_id, tuple(["chosen"] + line_reasons(project, line_id))))
    else:
        picks = hard_sample(project, sample)
    if not picks:
        raise StudioError("This project has no line with words yet: write some to compare engines on them.")
    a_engine = current_engine(project, registry)
    try:
        b_engine, b_settings = candidate_engine(project, registry, candidate)
        b_requests = {p.line_id: line_request(project, p.line_id, b_engine, candidate.voice, candidate.speed)
                      for p in picks}
    except StudioError as exc:
        raise type(exc)(f"The candidate {candidate.engine} cannot be compared: {exc.message} Nothing was changed.",
                        detail=getattr(exc, "detail", "")) from exc
    a_requests = {p.line_id: line_request(project, p.line_id, a_engine) for p in picks}
    a = Side("a", a_engine, a_requests, project.manifest.engine_settings(a_engine.id))
    b = Side("b", b_engine, b_requests, b_settings)
    quote = money(sum((b_engine.quote(r).money for r in b_requests.values()), Decimal(0))) if b.hosted else money(0)
    paid = bool(getattr(b_engine, "paid", False)) and b.hosted
    costs = {side.role: project_cost(project, side.engine, candidate if side is b else None) for side in (a, b)}
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
    plan = Plan(project, registry, candidate, picks, a, b, quote, paid, costs, f"{stamp}-tts-{candidate.slug()}")
    if paid:
        shared_budget(project.folder, project.manifest.budget).check(quote)
    return plan


def project_cost(project: "Project", engine, candidate: Candidate | None = None) -> Decimal:
    """What rendering every line of the project with `engine` should cost (price list; $0 locally)."""
    if not is_hosted(engine):
        return money(0)
    total = Decimal(0)
    for line in project.lines:
        if line.text.strip():
            request = line_request(project, line.id, engine, candidate.voice if candidate else "",
                                   candidate.speed if candidate else None)
            total += engine.quote(request).money
    return money(total)

