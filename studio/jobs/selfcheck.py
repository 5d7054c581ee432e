"""Listening to takes: word timings and the self-check, stored beside each take.

`check_take_job` is a plain job function (worker side, no project mutation): it
transcribes one take with the transcription engine, compares what was heard with
the take's text, and writes `.stitch/checks/<take id>.json` atomically. The caller
then tells the project (`Project.check_recorded`) so views refresh.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from studio.engines.base import TaskState
from studio.engines.stt import SAMPLE_RATE, Segment, Transcript, TranscriptionEngine
from studio.jobs.check import CheckResult, check_take
from studio.project.checks import TakeCheck, write_check
from studio.project.takes import Take

if TYPE_CHECKING:
    from studio.engines.registry import EngineRegistry

DEFAULT_STT_ENGINE = "whisper"
# A take fails when more than a quarter of its words differ: Whisper tiny mishears a
# word or two in a clean take, while a skipped or garbled phrase costs far more.
CHECK_THRESHOLD = 0.25


def transcription_engine(registry: "EngineRegistry", engine_id: str = "") -> TranscriptionEngine:
    return registry.get(engine_id or DEFAULT_STT_ENGINE)


def take_audio(folder: Path, take: Take):
    """The take's sound as Whisper hears it: its file, or its stretch of a longer recording."""
    path = Path(folder) / take.path
    if not take.offset and take.tier != "recording":
        return path
    from studio.engines.media import decode_audio

    samples = decode_audio(path, SAMPLE_RATE)
    start = int(round(take.offset * SAMPLE_RATE))
    end = start + int(round(take.duration * SAMPLE_RATE)) if take.duration else len(samples)
    return samples[start:end]


def check_take_job(
    project_folder, take: Take, engine: TranscriptionEngine, state: TaskState, threshold: float = CHECK_THRESHOLD
) -> TakeCheck:
    """Transcribe one take, compare it with its text, store and return what was found."""
    transcript = engine.transcribe(take_audio(Path(project_folder), take), state, language="en", word_timestamps=True)
    return store_check(project_folder, take, transcript, engine, threshold)


def store_check(project_folder, take: Take, transcript: Transcript, engine, threshold: float = CHECK_THRESHOLD) -> TakeCheck:
    result = check_take(take.text, transcript, threshold)
    try:
        model = engine.model().id
    except Exception:  # the model was found to transcribe; naming it must not fail the check
        model = ""
    check = TakeCheck(
        take_id=take.id, passed=result.passed, wer=result.wer, summary=result.summary(),
        engine=getattr(engine, "id", ""), model=model,
        transcript=transcript.to_dict(), result=result.to_dict(),
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
