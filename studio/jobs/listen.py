"""Headless listening: transcribe a file, import recordings as script lines, check takes.

These are what `studio transcribe` and `studio check` do, kept here (not in the CLI)
so the UI can run the same steps as jobs. Each step that hears audio is a plain
function of a TaskState; each step that changes the project runs on the caller's
thread.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone
from pathlib import Path

from studio.engines.base import TaskState
from studio.engines.stt import Transcript, TranscriptionEngine
from studio.errors import EngineError
from studio.jobs.premium import is_hosted
from studio.jobs.selfcheck import CHECK_THRESHOLD, Listener, check_take_job, part_of, store_check
from studio.project.conventions import line_name
from studio.project.folder import creator_files
from studio.project.takes import Take
from studio.project.trash import RECORDING

MEDIA_SUFFIXES = (".wav", ".mp3", ".m4a", ".mp4", ".mov")


def transcribe_file(path, engine: "TranscriptionEngine | Listener", state: TaskState) -> Transcript:
    """A file's words with timings; a project's `Listener` pays a hosted engine from its budget."""
    path = Path(path)
    if not path.is_file():
        raise EngineError(f"There is no file at {path}: give the path of an audio or video file.")
    if not isinstance(engine, Listener):
        return engine.transcribe(path, state, word_timestamps=True)
    seconds = 0.0
    if is_hosted(engine.engine):  # the quote is by the second: know the length before anything is sent
        from studio.engines.media import decode_audio
        from studio.engines.stt import SAMPLE_RATE

        seconds = len(decode_audio(path, SAMPLE_RATE)) / SAMPLE_RATE
    return engine.hear(path, state, seconds=seconds, ref=path.name)


def recordings_in(folder: Path) -> list[str]:
    """The audio and video files of a project folder (posix, relative), the studio's own left out."""
    return creator_files(folder, MEDIA_SUFFIXES)


def imported(project, relative: str) -> bool:
    return any(t.tier == RECORDING and t.path == relative for t in project.takes.all())


def add_recording(project, relative: str, transcript: Transcript, engine, threshold: float = CHECK_THRESHOLD) -> list[str]:
    """Caller side: a new scene named after the file, one line per phrase heard, each
    linked to its stretch of the recording as a take (the file itself is only read)."""
    engine = engine.engine if isinstance(engine, Listener) else engine
    segments = [s for s in transcript.segments if s.text.strip()]
    if not segments:
        return []
    scene_id = project.add_scene(Path(relative).stem)
    line_id = None
    made = []
    for segment in segments:
        line_id = project.insert_line(line_id, segment.text.strip(), scene_id=scene_id if line_id is None else None)
        start = segment.words[0].start if segment.words else segment.start
        end = segment.words[-1].end if segment.words else segment.end
        take = _recording_take(project, line_id, relative, start, end, transcript)
        project.add_take(take, choose=True)
        store_check(project.folder, take, part_of(transcript, [segment], start, end), engine, threshold)
        made.append(line_id)
    return made


def _recording_take(project, line_id: str, relative: str, start: float, end: float, transcript: Transcript) -> Take:
    where = f"{relative}@{start:.3f}-{end:.3f}"
    return Take(
        id=uuid.uuid4().hex[:12], line_id=line_id, path=relative,
        cache_key="recording-" + hashlib.sha256(where.encode("utf-8")).hexdigest(),
        engine="recording", model="", voice="", speed=1.0, text=project.spoken(line_id),
        g2p="", seconds=0.0, duration=round(max(0.0, end - start), 3), sample_rate=0,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        tier=RECORDING, request={"recording": relative, "language": transcript.language}, offset=round(start, 3),
    )


def check_lines(project, engine: "TranscriptionEngine | Listener", state: TaskState, threshold: float = CHECK_THRESHOLD) -> list[dict]:
    """Self-check the chosen take of every line that has one; one record per line."""
    records = []
    lines = [line for line in project.lines if line.text.strip()]
    for n, line in enumerate(lines):
        take = project.chosen_take(line.id)
        named = {"line": line.id, "number": n + 1, "name": line_name(line.text)}
        if take is None:
            records.append({**named, "status": "no take"})
            continue
        state.set_progress(n / max(1, len(lines)), f"Checking line {n + 1} of {len(lines)}")
        if not (project.folder / take.path).is_file():
            records.append({**named, "take": take.id, "status": "missing",
                            "error": f"{take.path} is missing: render the line again."})
            continue
        check = check_take_job(project.folder, take, engine, state, threshold)
        project.check_recorded(take.id)
        diffs = check.result.get("diffs", [])
        records.append({
            **named, "take": take.id, "status": "passed" if check.passed else "failed",
            "wer": round(check.wer, 4), "summary": check.summary,
            "differs": [{"kind": d["kind"], "script": d["script"], "heard": d["heard"]} for d in diffs],
        })
    return records
