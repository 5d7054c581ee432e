"""Compare engines: the project's current voice route against a candidate, on the creator's own lines.

`plan_comparison` chooses the sample (hard lines, not random ones), makes both engines
and every request before anything is rendered, and prices the candidate: an engine that
is not installed, has no weights, or lacks the voice asked for fails here with a
sentence, and nothing is written. `run_comparison` (worker side) renders each line with
both engines on the same text, pronunciation dictionary and speed, measures every figure
from the audio (`compare_measure.py`), transcribes both takes with the project's
transcription engine for the self-check's word error rate, and saves the result.

Comparison takes live in `.stitch/comparisons/<id>/` (A-<line>.wav, B-<line>.wav): they
are no project takes, so they never replace a chosen take nor count as stale work. The
result is `.stitch/comparisons/<id>.json` (written atomically) and `<id>.html`, the
self-contained report (`compare_report.py`). A paid candidate goes through the budget
and ledger like a final render (`ledger.render_paid`, tier "compare").

`plan_switch` / `apply_switch` / `undo_switch` put the candidate into `[routing.tts]`
(with its voice and settings), saying first how many takes it makes stale and what
re-rendering them costs; the manifest keeps the creator's comments, and undo puts the
file back as it was.
"""

from __future__ import annotations

import inspect
import json
import random
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.engines.base import RenderRequest, TaskState, check_cancelled
from studio.engines.lexicon import with_lexicon
from studio.money.prices import format_money, money
from studio.errors import Cancelled, EngineError, StudioError
from studio.jobs.check import check_take, normalize_words
from studio.money.ledger import BudgetExceeded, project_ledger, render_paid, shared_budget
from studio.jobs.pipeline import DEFAULT_TTS_ENGINE, encode_wav
from studio.jobs.premium import is_hosted
from studio.project.manifest import FILE_NAME, Manifest
from studio.storage import atomic_write_bytes, atomic_write_json, atomic_write_text, read_json
from studio.render import compare_measure as measure

if TYPE_CHECKING:
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project

SCHEMA = 1
COMPARISONS = Path(".stitch") / "comparisons"
DEFAULT_SAMPLE = 8
TIER = "compare"  # how the ledger records a comparison's renders
REQUEST_KEYS = ("voice", "speed")  # what `--set` changes in each request; the rest configures the engine
_UNUSUAL = set(";:—–()[]{}\"“”‘’…!?/&%*#@+=~<>«»")
_NUMBER = re.compile(r"\d")
_CAPITAL = re.compile(r"\b[A-Z][a-z]+")


def comparisons_dir(folder) -> Path:
    return Path(folder) / COMPARISONS


# -- the candidate ----------------------------------------------------------------------


def parse_settings(text: str | list[str] | None) -> dict:
    """`voice=jf_nezumi,speed=1.1,model=tts-1` (or several such) as a dict; numbers become numbers."""
    pieces = [text] if isinstance(text, str) else list(text or [])
    settings: dict[str, Any] = {}
    for piece in pieces:
        for part in (p.strip() for p in piece.split(",")):
            if not part:
                continue
            name, sep, value = part.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or not name:
                raise StudioError(f"'{part}' is not a setting: write it as name=value, such as voice=jf_nezumi.")
            if any(word in name.lower() for word in ("key", "token", "secret", "password")):
                raise StudioError(f"'{name}' looks like an API key, and keys never go on a command line: "
                                  "run `studio keys set SERVICE` instead.")
            settings[name] = _value(value)
    if "speed" in settings:
        try:
            settings["speed"] = float(settings["speed"])
        except (TypeError, ValueError):
            raise StudioError(f"speed must be a number such as 1.1, not '{settings['speed']}'.") from None
    return settings


def _value(text: str):
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


@dataclass(frozen=True)
class Candidate:
    engine: str
    settings: dict = field(default_factory=dict)  # voice and speed for the requests, the rest for the engine

    @property
    def voice(self) -> str:
        return str(self.settings.get("voice", "") or "")

    @property
    def speed(self) -> float | None:
        value = self.settings.get("speed")
        return float(value) if value is not None else None

    def engine_settings(self, base: dict) -> dict:
        extra = {k: v for k, v in self.settings.items() if k not in REQUEST_KEYS}
        return {**base, **extra}

    def slug(self) -> str:
        name = self.engine + (f"-{self.voice}" if self.voice else "")
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:60] or "candidate"


def _accepts(factory, name: str) -> bool:
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return name in params


# -- the sample -------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    line_id: str
    reasons: tuple[str, ...]


def line_reasons(project: "Project", line_id: str) -> list[str]:
    """Why a line is hard to say: numbers, names, dictionary words, unusual punctuation."""
    text = project.line(line_id).text
    reasons = []
    if _NUMBER.search(text):
        reasons.append("numbers")
    words = text.split()
    # A capital that does not start a sentence is most likely a name.
    if any(_CAPITAL.fullmatch(w.strip(".,;:!?\"'()“”‘’")) and i > 0 and not words[i - 1].endswith((".", "!", "?", ":"))
           for i, w in enumerate(words)):
        reasons.append("names")
    if project.pronunciations_used(line_id):
        reasons.append("dictionary words")
    if _UNUSUAL & set(text):
        reasons.append("unusual punctuation")
    return reasons


def hard_sample(project: "Project", k: int = DEFAULT_SAMPLE) -> list[Pick]:
    """Up to `k` lines chosen to be hard: the longest and the shortest, then a line with numbers,
    one with names, one with dictionary words, one with unusual punctuation, in turn; then the
    longest of the rest. In script order."""
    lines = [line for line in project.lines if line.text.strip()]
    if not lines or k <= 0:
        return []
    size = {line.id: len(normalize_words(line.text)) for line in lines}
    reasons = {line.id: line_reasons(project, line.id) for line in lines}
    by_length = sorted(lines, key=lambda line: -size[line.id])
    chosen: dict[str, list[str]] = {}

    def take(line_id: str, why: str) -> None:
        if line_id not in chosen and len(chosen) < k:
            chosen[line_id] = [why]
        elif line_id in chosen and why not in chosen[line_id]:
            chosen[line_id].append(why)

    take(by_length[0].id, "longest")
    take(by_length[-1].id, "shortest")
    kinds = ("numbers", "names", "dictionary words", "unusual punctuation")
    queues = {kind: [line.id for line in by_length if kind in reasons[line.id]] for kind in kinds}
    while len(chosen) < k and any(queues.values()):
        for kind in kinds:
            while queues[kind] and queues[kind][0] in chosen:
                queues[kind].pop(0)  # already in the sample: it counts for this kind too (below)
            if queues[kind] and len(chosen) < k:
                take(queues[kind].pop(0), kind)
    for line in by_length:
        if len(chosen) >= k:
            break
        if line.id not in chosen:
            take(line.id, "long")
    for line_id, why in chosen.items():  # every reason a chosen line has, not only the one it was picked for
        why.extend(r for r in reasons[line_id] if r not in why)
    order = {line.id: i for i, line in enumerate(lines)}
    return [Pick(line_id, tuple(chosen[line_id])) for line_id in sorted(chosen, key=order.get)]


# -- planning ---------------------------------------------------------------------------


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
    if candidate.voice and _accepts(factory, "voice"):
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
                raise StudioError(f"Line {_line_number(project, line_id)} is empty: there is nothing to compare.")
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


# -- running ----------------------------------------------------------------------------


class _Watch:
    """The job's state, noting when the engine hands over its first piece of audio."""

    def __init__(self, state: TaskState, started: float, on_progress=None):
        self._state = state
        self.started = started
        self.first: float | None = None
        self._on_progress = on_progress

    def set_progress(self, fraction: float, message: str = "") -> None:
        if self._on_progress:
            self._on_progress(fraction, message)

    def is_cancelled(self) -> bool:
        return self._state.is_cancelled()

    def partial(self, samples, sample_rate) -> None:
        if self.first is None:
            self.first = time.perf_counter() - self.started


@dataclass
class Rendered:
    samples: np.ndarray
    rate: int
    seconds: float
    first_audio: float
    path: str  # relative to the comparisons folder


def render_side(plan: Plan, side: Side, line_id: str, folder: Path, state: TaskState, progress=None) -> Rendered:
    """Worker side: one line with one side's engine, written to the comparison's folder."""
    request = side.requests[line_id]
    engine = side.engine
    started = time.perf_counter()
    watch = _Watch(state, started, progress)

    def work():
        return engine.synthesize(request, watch)

    if side.hosted:
        project = plan.project
        audio = render_paid(project_ledger(project.folder), shared_budget(project.folder, project.manifest.budget),
                            engine, request, work, tier=TIER, ref=line_id)
    else:
        audio = work()
    seconds = time.perf_counter() - started
    check_cancelled(state)
    relative = f"{plan.id}/{side.role.upper()}-{line_id}.wav"
    atomic_write_bytes(folder / relative, encode_wav(audio))
    samples = np.clip(np.asarray(audio.samples, dtype=np.float32).reshape(-1), -1.0, 1.0)
    return Rendered(samples, int(audio.sample_rate), seconds, watch.first if watch.first is not None else seconds, relative)


def _measured(plan: Plan, rendered: Rendered, text: str, listener, scorer, state: TaskState, ref: str) -> dict:
    sound = measure.measure_sound(rendered.samples, rendered.rate, text)
    figures = sound.to_dict()
    figures.update(
        take=rendered.path,
        render_seconds=round(rendered.seconds, 3),
        first_audio=round(rendered.first_audio, 3),
        rtf=round(rendered.seconds / sound.duration, 3) if sound.duration > 0 else None,
    )
    samples_16k = measure.to_16k(rendered.samples, rendered.rate)
    started = time.perf_counter()
    transcript = listener.hear(samples_16k, state, seconds=sound.duration, ref=ref, language="en", word_timestamps=False)
    heard = check_take(text, transcript)
    figures["transcribe_seconds"] = round(time.perf_counter() - started, 3)
    figures.update(
        heard=transcript.text.strip(),
        wer=round(heard.wer, 4),
        passed=heard.passed,
        differs=[{"kind": d.kind, "script": d.script, "heard": d.heard} for d in heard.diffs],
    )
    started = time.perf_counter()
    figures["naturalness"] = scorer.score(samples_16k)
    figures["score_seconds"] = round(time.perf_counter() - started, 3)
    return figures


@dataclass
class Comparison:
    """A comparison's record: what `<id>.json` holds (`to_dict`), plus where it lives."""

    data: dict
    folder: Path  # the project's comparisons folder

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def json_path(self) -> Path:
        return self.folder / f"{self.id}.json"

    @property
    def html_path(self) -> Path:
        return self.folder / f"{self.id}.html"

    @property
    def lines(self) -> list[dict]:
        return self.data["lines"]

    @property
    def status(self) -> str:
        return self.data.get("status", "done")

    def line(self, line_id: str) -> dict:
        for entry in self.lines:
            if entry["line"] == line_id:
                return entry
        raise StudioError(f"Line {line_id} is not part of this comparison.")

    def pick(self, line_id: str, side: str | None, *, blind: bool = False) -> None:
        """Record the creator's pick for a line ("a", "b", or None to clear); `blind` when the
        sides were hidden (X and Y). Saved at once."""
        if side not in ("a", "b", None):
            raise StudioError(f"A pick is 'a' or 'b', not '{side}'.")
        entry = self.line(line_id)
        entry["pick"] = side
        entry["picked_blind"] = bool(blind) if side else False
        self.data["verdict"] = verdict(self.data)
        self.save()

    def blind_label(self, line_id: str, side: str) -> str:
        """"X" or "Y": what a side is called in blind mode for this line."""
        return "X" if self.line(line_id)["blind"]["x"] == side else "Y"

    def blind_side(self, line_id: str, label: str) -> str:
        x = self.line(line_id)["blind"]["x"]
        return x if label == "X" else ("b" if x == "a" else "a")

    def save(self) -> None:
        from studio.render.compare_report import write_report

        atomic_write_json(self.json_path, self.data)
        write_report(self)

    @classmethod
    def load(cls, path) -> "Comparison":
        path = Path(path)
        data = read_json(path, default=None)
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or "lines" not in data:
            raise StudioError(f"{path.name} is not a comparison this studio can read: compare again.")
        return cls(data, path.parent)


def list_comparisons(folder) -> list[Path]:
    where = comparisons_dir(folder)
    return sorted(where.glob("*.json")) if where.is_dir() else []


def run_comparison(plan: Plan, state: TaskState, *, listener=None, scorer=None) -> Comparison:
    """Worker side: render, measure and save; the project's takes and lines are not touched.

    Cancelled half-way, the lines finished so far are saved (status "cancelled") and the
    unfinished line's files are removed; none finished: nothing stays. A failing engine
    removes everything this comparison wrote and raises its sentence."""
    from studio.jobs.selfcheck import project_listener

    project = plan.project
    folder = comparisons_dir(project.folder)
    listener = listener or project_listener(project, plan.registry)
    scorer = scorer or measure.naturalness()
    total = len(plan.picks)
    order = random.Random(plan.id)
    data = {
        "schema": SCHEMA,
        "id": plan.id,
        "task": "tts",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "status": "running",
        "project": project.manifest.title or project.folder.name,
        "a": {"role": "current route", **plan.a.describe()},
        "b": {"role": "candidate", **plan.b.describe()},
        "transcriber": getattr(listener.engine, "id", ""),
        "naturalness_model": "DNSMOS P.835 (speechmos ONNX, sig_bak_ovr)",
        "naturalness_note": "",
        "candidate_settings": dict(plan.candidate.settings),
        "lines": [],
    }
    finished: list[dict] = []
    own = folder / plan.id
    # Weights load before the clock starts: each render's seconds are its own work.
    state.set_progress(0.0, "Loading the engines…")
    for side in (plan.a, plan.b):
        if not side.hosted:
            side.engine.load(_Watch(state, time.perf_counter()))
    try:
        for index, pick in enumerate(plan.picks):
            check_cancelled(state)
            line = project.line(pick.line_id)
            text = line.text.strip()
            entry = {"line": pick.line_id, "number": _line_number(project, pick.line_id), "text": text,
                     "reasons": list(pick.reasons), "blind": {"x": order.choice("ab")}, "pick": None,
                     "picked_blind": False}
            for k, side in enumerate((plan.a, plan.b)):
                step = (index * 2 + k) / total / 2

                def progress(f, m, step=step):
                    state.set_progress(min(0.999, step + f / total / 4), m)

                state.set_progress(step, f"Line {index + 1} of {total}: {'current route' if side is plan.a else 'candidate'}")
                try:
                    rendered = render_side(plan, side, pick.line_id, folder, state, progress)
                except (Cancelled, BudgetExceeded):
                    raise
                except StudioError as exc:
                    if side is plan.b:
                        raise CandidateFailed(
                            f"The candidate {getattr(side.engine, 'label', side.engine.id)} failed on line "
                            f"{entry['number']}: {exc.message} Nothing was saved; the project is unchanged.",
                            detail=getattr(exc, "detail", "")) from exc
                    raise
                entry[side.role] = _measured(plan, rendered, text, listener, scorer, state, f"compare:{side.role}:{pick.line_id}")
            entry["price"] = {role: str(_price_of(side, pick.line_id)) for role, side in (("a", plan.a), ("b", plan.b))}
            finished.append(entry)
            data["lines"] = finished
    except Cancelled:
        _remove_unfinished(own, finished)
        if not finished:
            _remove_folder(own)
            raise
        data["status"] = "cancelled"
        return _finish(plan, data, folder, scorer)
    except BaseException:
        _remove_folder(own)
        raise
    data["status"] = "done"
    state.set_progress(1.0, "Compared")
    return _finish(plan, data, folder, scorer)


class CandidateFailed(EngineError):
    """The candidate engine failed during a comparison; nothing was saved."""


def _finish(plan: Plan, data: dict, folder: Path, scorer) -> Comparison:
    data["naturalness_note"] = scorer.unavailable or (
        "" if any(e[s]["naturalness"] for e in data["lines"] for s in "ab") else "No take had sound to score.")
    data["totals"] = {role: totals([e[role] for e in data["lines"]], [e["text"] for e in data["lines"]], folder)
                      for role in "ab"}
    data["price"] = price_summary(plan, data)
    data["verdict"] = verdict(data)
    data.setdefault("switches", [])
    comparison = Comparison(data, folder)
    comparison.save()
    return comparison


def _price_of(side: Side, line_id: str) -> Decimal:
    return side.engine.quote(side.requests[line_id]).money if side.hosted else money(0)


def price_summary(plan: Plan, data: dict) -> dict:
    out = {}
    for role, side in (("a", plan.a), ("b", plan.b)):
        spent = sum((Decimal(e["price"][role]) for e in data["lines"]), Decimal(0))
        minutes = sum(e[role]["duration"] for e in data["lines"]) / 60
        out[role] = {
            "sample": str(money(spent)),
            "per_minute": str(money(spent / Decimal(repr(minutes)))) if minutes > 0 else "0.000000",
            "project": str(plan.project_cost[role]),
            "local": not side.hosted,
        }
    return out


def totals(figures: list[dict], texts: list[str], folder: Path) -> dict:
    """One side's figures over the whole sample: sums, means, and loudness of all its takes together."""
    if not figures:
        return {}
    duration = sum(f["duration"] for f in figures)
    speech = sum(f["speech"] for f in figures)
    render = sum(f["render_seconds"] for f in figures)
    words = [len(normalize_words(t)) for t in texts]
    scores = [f["naturalness"]["ovrl"] for f in figures if f.get("naturalness")]
    peaks = [f["true_peak"] for f in figures if f.get("true_peak") is not None]
    audio = [measure.measure_file(folder / f["take"]) for f in figures]
    rate = audio[0][1] if audio else 24000
    joined = np.concatenate([a for a, r in audio if r == rate]) if audio else np.zeros(0, np.float32)
    return {
        "lines": len(figures),
        "duration": round(duration, 3),
        "speech": round(speech, 3),
        "render_seconds": round(render, 3),
        "rtf": round(render / duration, 3) if duration > 0 else None,
        "first_audio": round(sum(f["first_audio"] for f in figures) / len(figures), 3),
        "words_per_minute": round(sum(words) / speech * 60, 1) if speech > 0.05 else 0.0,
        "lufs": measure.lufs(joined, rate),
        "true_peak": max(peaks) if peaks else None,
        "lead_silence": round(sum(f["lead_silence"] for f in figures) / len(figures), 3),
        "trail_silence": round(sum(f["trail_silence"] for f in figures) / len(figures), 3),
        "wer": round(sum(f["wer"] * n for f, n in zip(figures, words)) / max(1, sum(words)), 4),
        "passed": sum(1 for f in figures if f["passed"]),
        "naturalness": round(sum(scores) / len(scores), 3) if scores else None,
        "scored": len(scores),
    }


def better(va, vb, lower: bool) -> str:
    """"a", "b" or "tie": which of two figures wins (a missing figure loses)."""
    if va is None and vb is None:
        return "tie"
    if va is None:
        return "b"
    if vb is None:
        return "a"
    if abs(va - vb) < 1e-9:
        return "tie"
    return ("a" if va < vb else "b") if lower else ("a" if va > vb else "b")


def verdict(data: dict) -> dict:
    """Who wins on picks, intelligibility, naturalness, speed and cost ("a", "b" or "tie")."""
    if data.get("task") == "image":
        return image_verdict(data)
    lines = data.get("lines", [])
    ta, tb = data.get("totals", {}).get("a", {}), data.get("totals", {}).get("b", {})
    picks = {side: sum(1 for e in lines if e.get("pick") == side) for side in "ab"}
    cost_a = Decimal(data.get("price", {}).get("a", {}).get("project", "0"))
    cost_b = Decimal(data.get("price", {}).get("b", {}).get("project", "0"))
    rows = {
        "picks": {"a": picks["a"], "b": picks["b"], "better": better(picks["a"], picks["b"], False) if any(picks.values()) else "tie"},
        "intelligibility": {"a": ta.get("wer"), "b": tb.get("wer"), "better": better(ta.get("wer"), tb.get("wer"), True)},
        "naturalness": {"a": ta.get("naturalness"), "b": tb.get("naturalness"),
                        "better": better(ta.get("naturalness"), tb.get("naturalness"), False)},
        "speed": {"a": ta.get("rtf"), "b": tb.get("rtf"), "better": better(ta.get("rtf"), tb.get("rtf"), True)},
        "cost": {"a": str(cost_a), "b": str(cost_b), "better": better(float(cost_a), float(cost_b), True)},
    }
    score = {side: sum(1 for row in rows.values() if row["better"] == side) for side in "ab"}
    rows["overall"] = {"a": score["a"], "b": score["b"], "better": better(score["a"], score["b"], False)}
    return rows


def image_verdict(data: dict) -> dict:
    """Who wins on picks, seconds per image, peak memory and cost ("a", "b" or "tie")."""
    ta, tb = data.get("totals", {}).get("a", {}), data.get("totals", {}).get("b", {})
    picks = {side: sum(1 for e in data.get("lines", []) if e.get("pick") == side) for side in "ab"}
    cost_a = Decimal(data.get("price", {}).get("a", {}).get("project", "0"))
    cost_b = Decimal(data.get("price", {}).get("b", {}).get("project", "0"))
    rows = {
        "picks": {"a": picks["a"], "b": picks["b"],
                  "better": better(picks["a"], picks["b"], False) if any(picks.values()) else "tie"},
        "seconds": {"a": ta.get("seconds"), "b": tb.get("seconds"), "better": better(ta.get("seconds"), tb.get("seconds"), True)},
        "memory": {"a": ta.get("peak_memory_mb"), "b": tb.get("peak_memory_mb"),
                   "better": better(ta.get("peak_memory_mb"), tb.get("peak_memory_mb"), True)},
        "cost": {"a": str(cost_a), "b": str(cost_b), "better": better(float(cost_a), float(cost_b), True)},
    }
    score = {side: sum(1 for row in rows.values() if row["better"] == side) for side in "ab"}
    rows["overall"] = {"a": score["a"], "b": score["b"], "better": better(score["a"], score["b"], False)}
    return rows



def _line_number(project: "Project", line_id: str) -> int:
    for i, line in enumerate(project.lines, 1):
        if line.id == line_id:
            return i
    return 0


def _remove_unfinished(own: Path, finished: list[dict]) -> None:
    keep = {Path(e[s]["take"]).name for e in finished for s in "ab"}
    if own.is_dir():
        for path in own.iterdir():
            if path.name not in keep:
                path.unlink(missing_ok=True)


def _remove_folder(own: Path) -> None:
    shutil.rmtree(own, ignore_errors=True)
    parent = own.parent
    try:
        if parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
    except OSError:
        pass


# -- switching --------------------------------------------------------------------------


@dataclass
class SwitchPlan:
    tier: str  # "drafts" or "finals"
    engine: str
    changes: list[tuple[str, Any, Any]]  # (where in stitch.toml, before, after)
    stale: int  # lines whose take would have to be rendered again
    lines: int  # lines with words
    cost: Decimal
    paid: bool
    task: str = "tts"

    def sentence(self) -> str:
        what = "draft" if self.tier == "drafts" else "final"
        if self.task == "image":
            cost = format_money(self.cost) if self.paid else "nothing (it is free)"
            changed = "; ".join(f"{where} = {after!r} (was {before!r})" for where, before, after in self.changes)
            return (f"Using {self.engine} for image {self.tier} leaves the scenes' images as they are (an image "
                    f"does not turn stale with its engine); {self.stale} of {self.lines} scenes have no current "
                    f"image and would be rendered with it, costing {cost}. stitch.toml: {changed}.")
        cost = format_money(self.cost) if self.paid else "nothing (it is free)"
        changed = "; ".join(f"{where} = {after!r} (was {before!r})" for where, before, after in self.changes)
        return (f"Using {self.engine} for {self.tier} makes {self.stale} of {self.lines} {what} takes stale; "
                f"rendering them again costs {cost}. stitch.toml: {changed}.")


def _manifest_changes(project: "Project", registry: "EngineRegistry", comparison: Comparison, tier: str) -> list:
    if tier not in ("drafts", "finals"):
        raise StudioError(f"Switch drafts or finals, not '{tier}'.")
    manifest = project.manifest
    b = comparison.data["b"]
    engine_id = b["engine"]
    key = "draft" if tier == "drafts" else "final"
    if comparison.data.get("task") == "image":
        # The engine and its settings; steps, size and seed were the comparison's requests, not the engine's.
        changes = [(f"routing.image.{key}", manifest.route("image")[0 if key == "draft" else 1], engine_id)]
        base = manifest.engine_settings(engine_id)
        for name, value in sorted(b.get("settings", {}).items()):
            if base.get(name) != value:
                changes.append((f"engines.{engine_id}.{name}", base.get(name), value))
        return [c for c in changes if c[1] != c[2]]
    changes = [(f"routing.tts.{key}", getattr(manifest, f"tts_{key}"), engine_id)]
    settings = dict(b.get("settings", {}))
    voice = b.get("voice", "")
    takes_voice = _accepts(registry._factory(engine_id), "voice")
    if not takes_voice:
        settings.pop("voice", None)
    base = manifest.engine_settings(engine_id)
    for name, value in sorted(settings.items()):
        if base.get(name) != value:
            changes.append((f"engines.{engine_id}.{name}", base.get(name), value))
    requested = comparison.data.get("candidate_settings", {})
    if not takes_voice and requested.get("voice") and manifest.voice != voice:
        # An engine that is not configured with a voice speaks the project's [voice].
        changes.append(("voice.voice", manifest.voice, voice))
    if requested.get("speed") is not None and float(requested["speed"]) != manifest.speed:
        changes.append(("voice.speed", manifest.speed, float(requested["speed"])))
    return [c for c in changes if c[1] != c[2]]


def _apply(manifest: Manifest, changes: list) -> None:
    for where, _before, after in changes:
        parts = where.split(".")
        if parts[0] == "routing":
            manifest.set_route(parts[1], **{parts[2]: after})
        elif parts[0] == "engines":
            settings = manifest.engine_settings(parts[1])
            settings[parts[2]] = after
            manifest.set_engine_settings(parts[1], settings)
        elif where == "voice.voice":
            manifest.voice = after
        elif where == "voice.speed":
            manifest.speed = after


def plan_switch(project: "Project", registry: "EngineRegistry", comparison: Comparison, tier: str) -> SwitchPlan:
    """What switching to the candidate would change, how many takes it makes stale, what re-rendering costs."""
    from studio.jobs.pipeline import Voicing

    changes = _manifest_changes(project, registry, comparison, tier)
    if comparison.data.get("task") == "image":
        return image_switch_plan(project, registry, comparison, tier, changes)
    probe = Manifest.load(project.folder)
    probe.__dict__.update({k: v for k, v in project.manifest.__dict__.items() if not k.startswith("_")})
    real = project.manifest
    project.manifest = probe
    try:
        _apply(probe, changes)
        voicing = Voicing(project, registry)
        lines = [line.id for line in project.lines if line.text.strip()]
        stale, cost = 0, Decimal(0)
        engine = voicing.engine() if tier == "drafts" else voicing.final_engine()
        for line_id in lines:
            request = voicing.request_for(line_id, "draft" if tier == "drafts" else "final")
            chosen = project.chosen_take(line_id)
            if tier == "drafts":
                current = chosen is not None and chosen.cache_key == request.cache_key()
            else:
                current = project.takes.find_by_key(request.cache_key()) is not None
            if not current:
                stale += 1
                if is_hosted(engine):
                    cost += engine.quote(request).money
        paid = is_hosted(engine) and bool(getattr(engine, "paid", False))
    finally:
        project.manifest = real
    return SwitchPlan(tier, comparison.data["b"]["engine"], changes, stale, len(lines), money(cost), paid)


def image_switch_plan(project: "Project", registry: "EngineRegistry", comparison: Comparison, tier: str, changes):
    """`compare.plan_switch` for an image comparison: how many scenes would be rendered with the
    candidate (those with no chosen or current image) and what that costs."""
    from studio.jobs import imaging

    engine_id = comparison.data["b"]["engine"]
    settings = {**project.manifest.engine_settings(engine_id), **comparison.data["b"].get("settings", {})}
    engine = registry.configured(engine_id, settings)
    scenes = [(s, (project.scene_prompt(s.id) or "").strip()) for s in project.scenes]
    scenes = [(s, p) for s, p in scenes if p]
    waiting = [prompt for scene, prompt in scenes if project.image_state(scene.id) in ("none", "stale")]
    hosted = is_hosted(engine)
    cost = money(0)
    if hosted and waiting:
        cost = money(sum((engine.quote(imaging.scene_request(engine, prompt, project.manifest.format, 0)).money
                          for prompt in waiting), Decimal(0)))
    paid = hosted and bool(getattr(engine, "paid", False))
    return SwitchPlan(tier, engine_id, changes, len(waiting), len(scenes), cost, paid, task="image")


def apply_switch(project: "Project", registry: "EngineRegistry", comparison: Comparison, tier: str) -> SwitchPlan:
    """Write the switch into stitch.toml (comments kept) and record it in the comparison, for undo."""
    plan = plan_switch(project, registry, comparison, tier)
    path = project.folder / FILE_NAME
    before = path.read_text(encoding="utf-8") if path.exists() else None
    if plan.changes:
        _apply(project.manifest, plan.changes)
        project.manifest.save(project.folder)
    after = path.read_text(encoding="utf-8")
    comparison.data.setdefault("switches", []).append({
        "tier": tier, "engine": plan.engine, "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "changes": [[w, b, a] for w, b, a in plan.changes], "stale": plan.stale, "cost": str(plan.cost),
        "manifest_before": before, "manifest_after": after, "undone": False,
    })
    comparison.save()
    return plan


def undo_switch(project: "Project", comparison: Comparison) -> str:
    """Put stitch.toml back as it was before the comparison's last switch; a sentence saying what happened."""
    switches = [s for s in comparison.data.get("switches", []) if not s.get("undone")]
    if not switches:
        raise StudioError("This comparison has no switch to undo.")
    last = switches[-1]
    path = project.folder / FILE_NAME
    now = path.read_text(encoding="utf-8") if path.exists() else None
    if now != last["manifest_after"]:
        raise StudioError(f"{FILE_NAME} was changed after the switch, so it is left as it is: "
                          f"set [routing.tts] back by hand or in the project's settings.")
    if last["manifest_before"] is None:
        path.unlink()
    else:
        atomic_write_text(path, last["manifest_before"])
    project.manifest = Manifest.load(project.folder)
    last["undone"] = True
    comparison.save()
    return f"stitch.toml is back as it was before {last['tier']} were switched to {last['engine']}."


def comparison_json(comparison: Comparison) -> str:
    return json.dumps(comparison.data, ensure_ascii=False, indent=1)
