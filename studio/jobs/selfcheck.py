"""Listening to takes: word timings and the self-check, stored beside each take.

`check_take_job` is a plain job function (worker side, no project mutation): it
transcribes one take with the transcription engine, compares what was heard with
the take's text, and writes `.stitch/checks/<take id>.json` atomically. The caller
then tells the project (`Project.check_recorded`) so views refresh.

`project_listener` is the engine a project routes speech-to-text to (`[routing.stt]`
in stitch.toml: the draft engine, or the final one when asked). A hosted engine is
paid through the project's budget and ledger like a final render (`hear`).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from studio.engines.base import TaskState, is_hosted
from studio.engines.stt import SAMPLE_RATE, Segment, Transcript, TranscriptionEngine, Word
from studio.errors import EngineError, StorageError
from studio.jobs.check import CheckResult, check_take
from studio.money.ledger import Budget, render_paid, shared_budget
from studio.project.checks import TakeCheck, write_check
from studio.project.leftovers import TIMINGS_DIR
from studio.project.paths import inside_project
from studio.storage import atomic_write_json, read_json
from studio.project.takes import Take

if TYPE_CHECKING:
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project

DEFAULT_STT_ENGINE = "whisper"
# A take fails when more than a quarter of its words differ: Whisper tiny mishears a
# word or two in a clean take, while a skipped or garbled phrase costs far more.
CHECK_THRESHOLD = 0.25


def transcription_engine(registry: "EngineRegistry", engine_id: str = "") -> TranscriptionEngine:
    """An engine by id (Whisper when none is named), outside any project."""
    return registry.get(engine_id or DEFAULT_STT_ENGINE)


@dataclass
class Listener:
    """The transcription engine a project routes to, and the budget a hosted one spends from."""

    engine: TranscriptionEngine
    tier: str  # "draft" or "final": which route it came from, as the ledger records it
    budget: Budget | None = None

    def hear(self, audio, state: TaskState, *, seconds: float, ref: str = "", **options) -> Transcript:
        """Transcribe `audio` (`seconds` long, for the quote); a hosted engine only within the budget."""
        return hear(self.engine, audio, state, seconds=seconds, budget=self.budget, tier=self.tier, ref=ref, **options)


def project_listener(project: "Project", registry: "EngineRegistry", *, final: bool = False) -> Listener:
    """The project's routed transcription engine (`[routing.stt]`), made with its `[engines.<id>]` settings."""
    manifest = project.manifest
    draft_id, final_id = manifest.route("stt")
    engine_id = (final_id if final else draft_id) or ("" if final else DEFAULT_STT_ENGINE)
    if not engine_id:
        raise EngineError(
            "This project has no final transcription engine: set final under [routing.stt] in stitch.toml "
            '(for example "openai-stt"), or pick one in the project\'s settings.'
        )
    engine = None
    if engine_id in registry.all_ids():
        engine = registry.configured(engine_id, manifest.engine_settings(engine_id))
    if getattr(engine, "task", "") != "stt":
        installed = registry.ids("stt")
        raise EngineError(
            f"stitch.toml routes transcription to '{engine_id}', which is not an installed transcription "
            f"engine: set {'final' if final else 'draft'} under [routing.stt] to one of {', '.join(installed) or 'none'}."
        )
    return Listener(engine, "final" if final else "draft", shared_budget(project.folder, manifest.budget))


@dataclass(frozen=True)
class Hearing:
    """What a paid transcription is recorded as in the ledger (the take or file it listened to)."""

    engine: str
    model: str
    audio: str
    task: str = "stt"

    def cache_key(self) -> str:
        return hashlib.sha256(f"{self.engine}|{self.model}|{self.audio}".encode("utf-8")).hexdigest()


def hear(engine, audio, state: TaskState, *, seconds: float, budget: Budget | None = None, tier: str = "draft",
         ref: str = "", language: str | None = None, word_timestamps: bool = True) -> Transcript:
    """Transcribe with `engine`; a hosted one goes through `render_paid`: the quote for
    `seconds` of audio is held against the budget before anything is sent, and what it
    cost lands in the ledger. Without a budget a hosted engine gets none (a zero cap)."""
    if not is_hosted(engine):
        return engine.transcribe(audio, state, language=language, word_timestamps=word_timestamps)
    if budget is None:
        raise EngineError(
            f"{getattr(engine, 'label', engine.id)} is a hosted service: transcribe within a project, "
            "whose budget it spends from."
        )
    request = Hearing(engine.id, getattr(engine, "model_name", ""), ref or str(audio)[:200])

    def work():
        return engine.transcribe(audio, state, language=language, word_timestamps=word_timestamps)

    return render_paid(budget.ledger, budget, engine, request, work, tier=tier, ref=ref, quote=engine.quote(seconds))


def take_audio(folder: Path, take: Take):
    """The take's sound as Whisper hears it: its file, or its stretch of a longer recording."""
    path = inside_project(Path(folder), take.path, "The take's audio file")
    if not take.offset and take.tier != "recording":
        return path
    from studio.engines.media import decode_audio

    samples = decode_audio(path, SAMPLE_RATE)
    start = int(round(take.offset * SAMPLE_RATE))
    end = start + int(round(take.duration * SAMPLE_RATE)) if take.duration else len(samples)
    return samples[start:end]


TIMINGS = TIMINGS_DIR  # the old name, used by tests and callers


def keep_engine_timings(project_folder, cache_key: str, info: dict) -> bool:
    """Worker side, after a render: the speech engine's own word timings (Kokoro's predicted
    durations), kept by the take's cache key so every take of that audio shares them.

    They are a refinement: when they cannot be written (disk full, folder not writable) the
    take is still recorded and the self-check times its words with Whisper. Returns whether
    they were kept."""
    words = info.get("words")
    if not words:
        return False
    try:
        atomic_write_json(Path(project_folder) / TIMINGS / f"{cache_key[:20]}.json",
                          {"schema": 1, "source": str(info.get("timing", "")), "words": list(words)})
    except StorageError:
        return False
    return True


def engine_timings(project_folder, take: Take) -> tuple[str, list[dict]] | None:
    """(source, words) the speech engine gave for this take, or None."""
    if not take.cache_key or take.offset or take.tier == "recording":
        return None
    try:
        data = read_json(Path(project_folder) / TIMINGS / f"{take.cache_key[:20]}.json", default=None)
        words = data.get("words") if isinstance(data, dict) else None
        if not isinstance(words, list) or not words:
            return None
        checked = [Word.from_dict(w).to_dict() for w in words]
    except (StorageError, KeyError, TypeError, ValueError, AttributeError):
        return None  # damaged: Whisper times the words instead, as for an engine that gives none
    if not all(math.isfinite(w["start"]) and math.isfinite(w["end"]) for w in checked):
        return None
    return str(data.get("source", "")), checked


def check_take_job(
    project_folder, take: Take, engine: "TranscriptionEngine | Listener", state: TaskState,
    threshold: float = CHECK_THRESHOLD,
) -> TakeCheck:
    """Transcribe one take, compare it with its text, store and return what was found.

    `engine` is a bare engine, or a project's `Listener` (needed for a hosted one). When the
    speech engine timed the words itself, those timings are stored and Whisper only
    listens for the words (word timestamps cost it an extra alignment pass)."""
    listener = engine if isinstance(engine, Listener) else Listener(engine, "draft")
    audio = take_audio(Path(project_folder), take)
    timed = engine_timings(project_folder, take)
    transcript = listener.hear(audio, state, seconds=take.duration, ref=take.id, language="en",
                               word_timestamps=timed is None)
    return store_check(project_folder, take, transcript, listener.engine, threshold, timed=timed)


def store_check(project_folder, take: Take, transcript: Transcript, engine, threshold: float = CHECK_THRESHOLD,
                timed: tuple[str, list[dict]] | None = None) -> TakeCheck:
    result = check_take(take.text, transcript, threshold)
    try:
        model = engine.model().id
    except Exception:  # the model was found to transcribe; naming it must not fail the check
        model = ""
    stored = transcript.to_dict()
    if timed is not None:
        # What was heard stays (text, language); the word timings are the speech engine's.
        source, words = timed
        end = max((float(w["end"]) for w in words), default=0.0)
        stored["segments"] = [Segment(take.text, 0.0, end, [Word.from_dict(w) for w in words]).to_dict()]
        stored["timing"] = source
    else:
        stored["timing"] = getattr(engine, "id", "")
    check = TakeCheck(
        take_id=take.id, passed=result.passed, wer=result.wer, summary=result.summary(),
        engine=getattr(engine, "id", ""), model=model,
        transcript=stored, result=result.to_dict(),
    )
    write_check(project_folder, check)
    return check


def stored_check(check: TakeCheck) -> tuple[Transcript, CheckResult]:
    """A stored check as the engine and check types (for the editor's underlines)."""
    return Transcript.from_dict(check.transcript), CheckResult.from_dict(check.result)


def part_of(transcript: Transcript, segments: list[Segment], start: float, end: float) -> Transcript:
    """These segments as a transcript of their own, timed from `start`."""
    moved = []
    for s in segments:
        words = [type(w)(w.text, w.start - start, w.end - start, w.probability) for w in s.words]
        moved.append(Segment(s.text, s.start - start, s.end - start, words))
    text = " ".join(s.text for s in segments if s.text)
    return Transcript(text=text, language=transcript.language, duration=max(0.0, end - start), segments=moved)
