"""Running a voice comparison (worker side): both takes of every line, measured and saved.

`run_comparison` renders each line of the plan with both engines, measures every figure
from the audio (`compare_measure.py`: timing, loudness, true peak, silences, words per
minute, DNSMOS naturalness), transcribes both takes with the project's transcription
engine for the self-check's word error rate, and saves the record (`record.py`). A paid
candidate goes through the budget and ledger like a final render (`ledger.render_paid`,
tier "compare"). Stopped half-way, the lines finished are kept; a failing engine leaves
nothing.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np

from studio.engines.base import TaskState, check_cancelled
from studio.errors import Cancelled
from studio.jobs.check import check_take, normalize_words
from studio.jobs.pipeline import encode_wav
from studio.money.ledger import project_ledger, render_paid, shared_budget
from studio.money.prices import money
from studio.render import compare_measure as measure
from studio.render.compare.plan import Plan, Side
from studio.render.compare.record import (
    SCHEMA, TIER, Comparison, candidate_failure, comparisons_dir, remove_folder, remove_unfinished,
)
from studio.render.compare.sample import line_number
from studio.render.compare.verdict import verdict
from studio.storage import atomic_write_bytes


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


def _measured(plan: Plan, rendered: Rendered, text: str, listener, scoring: measure.IdleScoring, state: TaskState,
              ref: str, key: str) -> dict:
    """Every figure of one take; its naturalness is queued on `scoring` and filled in by `_finish`."""
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
    scoring.submit(key, samples_16k)
    figures["naturalness"] = None
    return figures


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
    scoring = measure.IdleScoring(scorer)
    try:
        return _run(plan, state, listener, scoring, data, folder)
    finally:
        scoring.close()


def _run(plan: Plan, state: TaskState, listener, scoring: measure.IdleScoring, data: dict, folder: Path) -> Comparison:
    """Each line with both engines, measured; the record finished and saved (or everything removed)."""
    project = plan.project
    total = len(plan.picks)
    order = random.Random(plan.id)
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
            entry = {"line": pick.line_id, "number": line_number(project, pick.line_id), "text": text,
                     "reasons": list(pick.reasons), "blind": {"x": order.choice("ab")}, "pick": None,
                     "picked_blind": False}
            for k, side in enumerate((plan.a, plan.b)):
                step = (index * 2 + k) / total / 2

                def progress(f, m, step=step):
                    state.set_progress(min(0.999, step + f / total / 4), m)

                state.set_progress(step, f"Line {index + 1} of {total}: {'current route' if side is plan.a else 'candidate'}")
                with candidate_failure(plan, side, f"line {entry['number']}"):
                    rendered = render_side(plan, side, pick.line_id, folder, state, progress)
                entry[side.role] = _measured(plan, rendered, text, listener, scoring, state,
                                             f"compare:{side.role}:{pick.line_id}", f"{pick.line_id}:{side.role}")
            entry["price"] = {role: str(_price_of(side, pick.line_id)) for role, side in (("a", plan.a), ("b", plan.b))}
            finished.append(entry)
            data["lines"] = finished
    except Cancelled:
        remove_unfinished(own, finished)
        if not finished:
            remove_folder(own)
            raise
        data["status"] = "cancelled"
        return _finish(plan, data, folder, scoring, state)
    except BaseException:
        remove_folder(own)
        raise
    data["status"] = "done"
    try:
        comparison = _finish(plan, data, folder, scoring, state)
    except BaseException:
        remove_folder(own)
        raise
    state.set_progress(1.0, "Compared")
    return comparison


def _finish(plan: Plan, data: dict, folder: Path, scoring: measure.IdleScoring, state: TaskState) -> Comparison:
    state.set_progress(0.999, "Scoring naturalness…")
    scores = scoring.collect([f"{e['line']}:{s}" for e in data["lines"] for s in "ab"])
    for entry in data["lines"]:
        for side in "ab":
            entry[side]["naturalness"] = scores.get(f"{entry['line']}:{side}")
    data["naturalness_work"] = scoring.work()
    data["naturalness_note"] = scoring.unavailable or (
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

