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
from pathlib import Path
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import numpy as np

from studio.engines.base import Audio, RenderRequest, SpeechEngine, TaskState, check_cancelled, is_hosted
from studio.engines.lexicon import with_lexicon
from studio.errors import Cancelled, EngineError, StudioError
from studio.money.ledger import Budget, Ledger, project_ledger, render_paid, shared_budget
from studio.money.prices import money
from studio.jobs.selfcheck import keep_engine_timings
from studio.project.lock import render_lock
from studio.project.paths import may_delete, refuse_studio_links
from studio.storage import atomic_write_bytes
from studio.project.takes import Take

if TYPE_CHECKING:
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project

DEFAULT_TTS_ENGINE = "kokoro-onnx"
RENDERS = "renders"
# A line longer than this is refused for rendering: about three minutes of speech, more than
# any narration paragraph, and a sign of a pasted file rather than a line.
MAX_LINE_CHARS = 2000
# A "word" longer than this is no word an engine can say (the longest English word has 45).
MAX_WORD_CHARS = 100


@dataclass
class LineRender:
    """What one render of one line produced (or found in the cache)."""

    line_id: str
    request: RenderRequest
    take: Take
    cached: bool
    seconds: float  # wall time of this call (≈0 for a cache hit)
    info: dict = field(default_factory=dict)  # what a hosted engine said (charged, attempts)


class Voicing:
    def __init__(self, project: "Project", registry: "EngineRegistry"):
        self.project = project
        self.registry = registry
        self.ledger = project_ledger(project.folder)

    def engine(self) -> SpeechEngine:
        """The draft engine the project routes tts to, made with its `[engines.<id>]` settings."""
        engine_id = self.project.manifest.tts_draft or DEFAULT_TTS_ENGINE
        return self.registry.configured(engine_id, self.project.manifest.engine_settings(engine_id))

    def final_engine(self) -> SpeechEngine:
        engine_id = self.project.manifest.tts_final
        if not engine_id:
            raise EngineError(
                'This project has no final voice engine: set final under [routing.tts] in stitch.toml '
                '(for example "openai-tts" or "elevenlabs"), or pick one in the project\'s settings.'
            )
        return self.registry.configured(engine_id, self.project.manifest.engine_settings(engine_id))

    @property
    def budget(self) -> Budget:
        """The project's cap (from stitch.toml, read each time) over its ledger: the one budget every
        paid job of this folder holds its estimate against (`ledger.shared_budget`)."""
        return shared_budget(self.project.folder, self.project.manifest.budget)

    def request_for(self, line_id: str, tier: str = "draft") -> RenderRequest:
        if tier != "final":
            return speech_request(self.project, line_id, self.engine())
        engine = self.final_engine()
        request = speech_request(self.project, line_id, engine)
        # A draft voice ("af_heart") means nothing to another service: its own default speaks.
        if request.voice not in engine.voices():
            request = replace(request, voice=engine.default_voice())
        return request

    def final_key(self, line_id: str) -> str | None:
        try:
            return self.request_for(line_id, tier="final").cache_key()
        except StudioError:
            return None

    def current_key(self, line_id: str) -> str | None:
        try:
            return self.request_for(line_id).cache_key()
        except StudioError:
            return None

    def line_state(self, line_id: str) -> str:
        final = self.final_key(line_id) if self.project.manifest.tts_final else None
        return self.project.line_state(line_id, self.current_key(line_id), final)

    def lines_to_render(self) -> list[str]:
        """Lines with text whose chosen take is not the current one."""
        return [
            line.id
            for line in self.project.lines
            if line.text.strip() and self.line_state(line.id) not in ("draft", "recording")
        ]

    def render_line(self, line_id: str, state: TaskState, request: RenderRequest | None = None) -> LineRender:
        """Worker side: reuse a take with the same request, or render a new one."""
        request = request or self.request_for(line_id)
        return self._render(line_id, request, self.engine(), state, "draft")

    def render_final(self, line_id: str, state: TaskState, request: RenderRequest | None = None) -> LineRender:
        """Worker side: render the line with the project's final engine, inside the budget
        (refused before any network traffic when it does not fit). The take has tier
        "final"; `commit` puts it beside the draft takes without choosing it."""
        engine = self.final_engine()
        request = request or self.request_for(line_id, tier="final")
        return self._render(line_id, request, engine, state, "final")

    def _render(self, line_id: str, request: RenderRequest, engine, state: TaskState, tier: str) -> LineRender:
        return render_recorded(
            self.ledger, self.budget, self.project.folder, self.project.takes, line_id, request, engine, state, tier
        )

    def commit(self, result: LineRender, choose: bool | None = None) -> Take:
        """Caller side: record the take; a draft becomes the line's chosen take, a final one
        only when `choose` says so (the creator compares it with the drafts first)."""
        if result.take.tier == "final" or choose is False:
            if self.project.takes.get(result.take.id) is None:
                self.project.add_take(result.take, choose=bool(choose))
            elif choose:
                self.project.choose_take(result.line_id, result.take.id)
            return result.take
        chosen = self.project.chosen_take(result.line_id)
        if chosen is None or chosen.cache_key != result.take.cache_key:
            self.project.add_take(result.take, choose=True)
        return result.take


def render_lines(voicing: Voicing, line_ids: list[str], state: TaskState, on_result=None,
                 workers: int | None = None) -> dict[str, "LineRender | StudioError"]:
    """Render the drafts of `line_ids`, as many at once as the draft engine takes (its `parallel`:
    1 for a local model, the sum of every server's share for a pool of servers), each committed on
    this thread as it arrives. Returns {line id: LineRender, or the StudioError that line met};
    `on_result(line_id, outcome)` is called on this thread after each. A cancel stops the lines not
    yet started and waits for those under way; what they rendered is kept."""
    import queue as queue_module
    import threading

    engine = voicing.engine()
    requests = {line_id: voicing.request_for(line_id) for line_id in line_ids}
    workers = max(1, min(len(line_ids) or 1, workers or int(getattr(engine, "parallel", 1) or 1)))
    todo: queue_module.Queue = queue_module.Queue()
    for line_id in line_ids:
        todo.put(line_id)
    arrived: queue_module.Queue = queue_module.Queue()

    def worker() -> None:
        while not state.is_cancelled():
            try:
                line_id = todo.get_nowait()
            except queue_module.Empty:
                return
            try:
                outcome = voicing.render_line(line_id, _LineState(state), requests[line_id])
            except Cancelled:  # the line is simply not rendered
                return
            except StudioError as exc:
                outcome = exc
            except Exception as exc:  # noqa: BLE001 - said as a sentence, the run goes on
                outcome = EngineError(f"The voice engine failed on this line ({exc}).", detail=repr(exc))
            arrived.put((line_id, outcome))

    threads = [threading.Thread(target=worker, name=f"stitch-render-{n}", daemon=True) for n in range(workers)]
    for t in threads:
        t.start()
    outcomes: dict = {}
    while any(t.is_alive() for t in threads) or not arrived.empty():
        try:
            line_id, outcome = arrived.get(timeout=0.05)
        except queue_module.Empty:
            continue
        if isinstance(outcome, LineRender):
            voicing.commit(outcome)
        outcomes[line_id] = outcome
        if on_result is not None:
            on_result(line_id, outcome)
    for t in threads:
        t.join()
    check_cancelled(state)
    return outcomes


class _LineState:
    """One line's state among many at once: its cancel is the run's, its progress its own (the run
    counts finished lines instead)."""

    def __init__(self, state: TaskState):
        self._state = state

    def set_progress(self, fraction: float, message: str = "") -> None:
        pass

    def is_cancelled(self) -> bool:
        return self._state.is_cancelled()


def speech_request(project: "Project", line_id: str, engine: SpeechEngine) -> RenderRequest:
    """A line's request for `engine` (draft or final alike): a named blend resolved to its
    spec, so renaming it changes nothing; the pronunciation entries the line uses, for
    engines that apply them, so a take goes stale when one of those entries changes."""
    text = project.spoken(line_id)
    if not text:
        raise EngineError("This line is empty: write something to hear it.")
    check_speakable(text)
    voice = project.voice_spec_of(line_id) or engine.default_voice()
    request = engine.request(text, voice, project.speed_of(line_id))
    if getattr(engine, "accepts_pronunciation", False):
        request = with_lexicon(request, project.pronunciations_used(line_id))
    return request


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
) -> LineRender:
    """Worker side: render (or reuse) one line's take with `engine` and record it in the ledger.

    This is the one way a voice render reaches the ledger. A local engine's render and
    any cache hit are free and are recorded with their usage (so the Cost panel can say
    what the drafts would have cost at a premium price). A hosted engine's render goes
    through `render_paid`: the budget is checked, and the estimate held, before any
    network traffic; what the provider charged is recorded even for a call that failed
    or was cancelled."""
    key = request.cache_key()
    # Held while this request renders: another process (or thread) wanting the same audio
    # waits, then finds the file on disk instead of rendering, and paying for, it again.
    with render_lock(folder, key, getattr(state, "is_cancelled", None)):
        if not is_hosted(engine) or takes.find_by_key(key) is not None or finished_file(folder, key) is not None:
            result = render_speech(folder, takes, line_id, request, engine, state, tier=tier)
            ledger.record_render(request, tier=tier, seconds=result.seconds, cached=result.cached, ref=line_id)
            return result
        return _render_hosted(ledger, budget, folder, takes, line_id, request, engine, state, tier)


def _render_hosted(ledger, budget, folder, takes, line_id, request, engine, state, tier) -> LineRender:
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
def check_speakable(text: str) -> None:
    """Refuse, with a sentence, a line no engine should be asked to say."""
    if len(text) > MAX_LINE_CHARS:
        raise EngineError(
            f"This line is {len(text):,} characters long; a line is rendered only up to "
            f"{MAX_LINE_CHARS:,} characters. Split it into shorter paragraphs (a blank line between them)."
        )
    longest = max((len(word) for word in text.split()), default=0)
    if longest > MAX_WORD_CHARS:
        raise EngineError(
            f"This line holds a word of {longest:,} characters; words are rendered only up to "
            f"{MAX_WORD_CHARS} characters. Put spaces in it, or write it the way it should be said."
        )


def render_speech(folder, takes, line_id: str, request: RenderRequest, engine: SpeechEngine, state: TaskState, tier: str = "draft") -> LineRender:
    key = request.cache_key()
    existing = takes.find_by_key(key)
    if existing is not None:
        take = existing if existing.line_id == line_id else _record(line_id, request, existing.path, existing.duration, existing.sample_rate, existing.g2p, existing.seconds, tier)
        return LineRender(line_id, request, take, cached=True, seconds=0.0)
    found = finished_file(folder, key)
    if found is not None:
        # Rendered by another process (or by one killed before it recorded the take): the
        # file is named by the request, so it is this very audio; it is recorded, not redone.
        relative, duration, rate = found
        return LineRender(line_id, request, _record(line_id, request, relative, duration, rate, request.g2p, 0.0, tier),
                          cached=True, seconds=0.0)

    started = time.perf_counter()
    audio = engine.synthesize(request, state)
    check_cancelled(state)
    check_take_audio(audio, getattr(engine, "label", request.engine))
    relative = f"{RENDERS}/{key[:20]}.wav"
    refuse_studio_links(folder, RENDERS)  # never write the take to where a link points
    atomic_write_bytes(folder / relative, encode_wav(audio))
    keep_engine_timings(folder, key, audio.info)
    seconds = time.perf_counter() - started
    take = _record(line_id, request, relative, audio.duration, audio.sample_rate, audio.info.get("g2p", request.g2p), seconds, tier)
    return LineRender(line_id, request, take, cached=False, seconds=seconds)


def finished_file(folder, cache_key: str) -> tuple[str, float, int] | None:
    """(relative path, duration, sample rate) of a complete take file of this request in
    renders/ that no record may know yet; None when there is none (or it is not the studio's:
    a link, or not a WAV file)."""
    relative = f"{RENDERS}/{cache_key[:20]}.wav"
    path = Path(folder) / relative
    if not may_delete(folder, path):  # the same proof of ownership a delete needs
        return None
    try:
        with wave.open(str(path), "rb") as w:
            frames, rate = w.getnframes(), w.getframerate()
    except (OSError, EOFError, wave.Error):
        return None
    if rate <= 0 or frames <= 0:
        return None
    return relative, round(frames / rate, 3), rate
def check_take_audio(audio: Audio, label: str) -> None:
    """Refuse audio no take should be made of (every engine's, before it is saved)."""
    samples = np.asarray(audio.samples)
    rate = audio.sample_rate
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or not 4000 <= rate <= 384000:
        problem = f"a sample rate of {rate}"
    elif samples.size == 0:
        problem = "no audio"
    elif not np.isfinite(samples).all():
        problem = "samples that are not numbers"
    else:
        return
    raise EngineError(f"{label} gave back {problem}, so no take was saved. Render the line again; "
                      "if it happens again, pick another voice engine.")


def _record(line_id, request: RenderRequest, path, duration, sample_rate, g2p, seconds, tier="draft") -> Take:
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
        tier=tier,
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
