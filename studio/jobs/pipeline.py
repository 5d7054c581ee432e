"""The voice render pipeline: script line → request → cache → engine → take.

`Voicing` binds one project to the engine registry. `render_line` is the worker
side (no project mutation: it may run on any thread); `commit` is the caller side
and records the take in the project on the caller's (UI) thread.
"""

from __future__ import annotations

import io
import time
import uuid
import wave
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import numpy as np

from studio.engines.base import Audio, RenderRequest, SpeechEngine, TaskState, check_cancelled
from studio.errors import EngineError, StudioError
from studio.project.storage import atomic_write_bytes
from studio.project.takes import Take

if TYPE_CHECKING:
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project

DEFAULT_TTS_ENGINE = "kokoro-onnx"
RENDERS = "renders"


@dataclass
class LineRender:
    """What one render of one line produced (or found in the cache)."""

    line_id: str
    request: RenderRequest
    take: Take
    cached: bool
    seconds: float  # wall time of this call (≈0 for a cache hit)


class Voicing:
    def __init__(self, project: "Project", registry: "EngineRegistry"):
        self.project = project
        self.registry = registry

    def engine(self) -> SpeechEngine:
        return self.registry.get(self.project.manifest.tts_draft or DEFAULT_TTS_ENGINE)

    def request_for(self, line_id: str) -> RenderRequest:
        text = self.project.line(line_id).text.strip()
        if not text:
            raise EngineError("This line is empty: write something to hear it.")
        engine = self.engine()
        voice = self.project.voice_of(line_id) or engine.default_voice()
        return engine.request(text, voice, self.project.speed_of(line_id))

    def current_key(self, line_id: str) -> str | None:
        try:
            return self.request_for(line_id).cache_key()
        except StudioError:
            return None

    def line_state(self, line_id: str) -> str:
        return self.project.line_state(line_id, self.current_key(line_id))

    def lines_to_render(self) -> list[str]:
        """Lines with text whose chosen take is not the current one."""
        return [
            line.id
            for line in self.project.lines
            if line.text.strip() and self.line_state(line.id) != "draft"
        ]

    def render_line(self, line_id: str, state: TaskState, request: RenderRequest | None = None) -> LineRender:
        """Worker side: reuse a take with the same request, or render a new one."""
        request = request or self.request_for(line_id)
        return render_speech(self.project.folder, self.project.takes, line_id, request, self.engine(), state)

    def commit(self, result: LineRender) -> Take:
        """Caller side: record the take and make it the line's chosen take."""
        chosen = self.project.chosen_take(result.line_id)
        if chosen is None or chosen.cache_key != result.take.cache_key:
            self.project.add_take(result.take, choose=True)
        return result.take


def render_speech(folder, takes, line_id: str, request: RenderRequest, engine: SpeechEngine, state: TaskState) -> LineRender:
    key = request.cache_key()
    existing = takes.find_by_key(key)
    if existing is not None:
        take = existing if existing.line_id == line_id else _record(line_id, request, existing.path, existing.duration, existing.sample_rate, existing.g2p, existing.seconds)
        return LineRender(line_id, request, take, cached=True, seconds=0.0)

    started = time.perf_counter()
    audio = engine.synthesize(request, state)
    check_cancelled(state)
    relative = f"{RENDERS}/{key[:20]}.wav"
    atomic_write_bytes(folder / relative, encode_wav(audio))
    seconds = time.perf_counter() - started
    take = _record(line_id, request, relative, audio.duration, audio.sample_rate, audio.info.get("g2p", request.g2p), seconds)
    return LineRender(line_id, request, take, cached=False, seconds=seconds)


def _record(line_id, request: RenderRequest, path, duration, sample_rate, g2p, seconds) -> Take:
    return Take(
        id=uuid.uuid4().hex[:12],
        line_id=line_id,
        path=path,
        cache_key=request.cache_key(),
        engine=request.engine,
        model=request.model,
        voice=request.voice,
        speed=request.speed,
        text=request.text,
        g2p=g2p,
        seconds=round(seconds, 3),
        duration=round(duration, 3),
        sample_rate=sample_rate,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        tier="draft",
        request=request.to_dict(),
    )


def encode_wav(audio: Audio) -> bytes:
    """16-bit PCM mono WAV, the format every player and ffmpeg reads."""
    pcm = (np.clip(np.asarray(audio.samples, dtype=np.float32), -1.0, 1.0) * 32767.0).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(audio.sample_rate))
        w.writeframes(pcm.tobytes())
    return buffer.getvalue()
