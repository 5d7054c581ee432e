"""Hearing lines: previews, play, render all, the engine warm-up — all through jobs.

`VoiceControl` is the one place the UI asks for speech. It never renders on the UI
thread: `Voicing.render_line` runs in a job, and the take is committed to the project
when the result comes back on the UI thread. One job key per line, so a newer preview
of a line supersedes (cancels) the older one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from studio.errors import StudioError
from studio.jobs.pipeline import Voicing
from studio.ui.shell.jobs import QtJobs
from studio.ui.voice.player import Player

log = logging.getLogger(__name__)

WARM_UP = "engine:warm-up"
KEY_MEMORY = 20_000


def line_key(line_id: str) -> str:
    return f"line:{line_id}"


@dataclass(frozen=True)
class EngineInfo:
    """What the status bar and the voice menu show about the engine in use."""

    label: str
    g2p: str
    voices: list[str] = field(default_factory=list)
    default_voice: str = ""

    @property
    def summary(self) -> str:
        return f"{self.label} · {self.g2p}" if self.g2p else self.label


class VoiceControl(QObject):
    line_changed = Signal(str)  # a line's badge may show something else now
    all_lines_changed = Signal()
    engine_ready = Signal(object)  # EngineInfo
    engine_failed = Signal(str)
    message = Signal(str)  # one sentence for the status bar
    take_rendered = Signal(object)  # the Take a finished render recorded (the self-check listens)
    streaming = Signal(str, object)  # line id, preview WAV: a line plays while the rest renders
    # (line id, preview path, seconds so far), emitted on a worker: queued to the UI thread.
    _streamed = Signal(str, object, float)

    def __init__(self, jobs: QtJobs, player: Player, registry, parent: QObject | None = None):
        super().__init__(parent)
        self.jobs = jobs
        self.player = player
        self.registry = registry
        self.project = None
        self.voicing: Voicing | None = None
        self.info: EngineInfo | None = None
        self._render_all_waiting = False
        self._play_after: set[str] = set()  # lines to play as soon as their render lands
        self._keys: dict[tuple, str | None] = {}
        self._streams: dict[str, tuple] = {}  # line id -> (preview path, seconds) while streaming
        jobs.progress.connect(self._progress)
        self._streamed.connect(self._stream_arrived)

    # -- binding ----------------------------------------------------------------
    def bind(self, project) -> None:
        """Work on this project from now on (None: no project open)."""
        self.cancel_renders()
        self.project = project
        self.voicing = Voicing(project, self.registry) if project is not None else None
        self.info = None
        self._keys.clear()
        self._render_all_waiting = False
        self._play_after.clear()
        self._streams.clear()

    @property
    def ready(self) -> bool:
        return self.info is not None

    def warm_up(self) -> None:
        """Load the engine and its weights off the UI thread (may unpack bundled weights)."""
        if self.voicing is None:
            return
        voicing, project = self.voicing, self.project

        def load(state):
            state.set_progress(0.0, "Starting the voice engine…")
            engine = voicing.engine()
            engine.model()
            engine.load(state)
            return EngineInfo(engine.label, engine.g2p_name(), list(engine.voices()), engine.default_voice())

        def done(info: EngineInfo):
            if project is not self.project:
                return
            self.info = info
            self._keys.clear()
            self.engine_ready.emit(info)
            self.all_lines_changed.emit()
            if self._render_all_waiting:
                self.render_all()

        def failed(exc: BaseException):
            if project is not self.project:
                return
            self._render_all_waiting = False
            text = _sentence(exc, "The voice engine could not start")
            self.engine_failed.emit(text)
            self.message.emit(text)

        self.jobs.start(load, WARM_UP, "Starting the voice engine", done, failed)

    # -- what a line shows ---------------------------------------------------------
    def state(self, line_id: str) -> str:
        """"none", "draft", "stale", "failed" or "rendering"."""
        if self.project is None:
            return "none"
        if self.jobs.running(line_key(line_id)):
            return "rendering"
        if self.voicing is not None and self.ready:
            return self.project.line_state(line_id, self._current_key(line_id))
        # Until the engine is warm the current request is unknown: no key, no engine call.
        return self.project.line_state(line_id, None)

    def _current_key(self, line_id: str) -> str | None:
        # A key depends only on the words, voice and speed while one engine is warm; asking
        # the pipeline once per distinct request keeps big scripts quick to redraw.
        line = self.project.line(line_id)
        # The spec and the pronunciations used belong to the request too: changing a blend or
        # a dictionary entry must show the line stale.
        asked = (line.text, self.project.voice_spec_of(line_id), self.project.speed_of(line_id),
                 self.project.pronunciations_used(line_id))
        if asked not in self._keys:
            if len(self._keys) > KEY_MEMORY:
                self._keys.clear()
            self._keys[asked] = self.voicing.current_key(line_id)
        return self._keys[asked]

    def progress(self, line_id: str) -> float | None:
        ticket = self.jobs.ticket(line_key(line_id))
        return ticket.fraction if ticket is not None else None

    def rendering(self) -> bool:
        return any(t.key.startswith("line:") for t in self.jobs.tickets())

    # -- creator's intents -----------------------------------------------------------
    def preview(self, line_id: str, *, then_play: bool = False) -> bool:
        """Render this line alone in the background; False if there is nothing to render."""
        project, voicing = self.project, self.voicing
        if project is None or voicing is None:
            return False
        if not project.line(line_id).text.strip():
            self.message.emit("This line is empty: write something to hear it.")
            return False
        request = None
        if self.ready:  # otherwise the job builds it, after the warm-up, on the worker
            try:
                request = voicing.request_for(line_id)
            except StudioError as exc:
                self.message.emit(exc.message)
                return False
        if then_play:
            self._play_after.add(line_id)
        else:
            self._play_after.discard(line_id)

        def render(state):
            if then_play:  # streaming preview: the first sentence plays while the rest renders
                from studio.jobs.streaming import StreamingState, clear_previews

                clear_previews(project.folder, line_id)
                state = StreamingState(state, project.folder, line_id,
                                       lambda path, seconds: self._streamed.emit(line_id, path, seconds))
            result = voicing.render_line(line_id, state, request)
            _measure_loudness(project.folder, result.take)
            return result

        def done(result):
            if project is not self.project:
                return
            try:
                take = voicing.commit(result)
            finally:
                self.line_changed.emit(line_id)
            number = self._number(line_id)
            if number and not self.rendering():
                how = "found in the takes" if result.cached else f"rendered in {result.seconds:.1f} s"
                self.message.emit(f"Line {number}: {take.duration:.1f} s of speech, {how}.")
            self.take_rendered.emit(take)  # after the render's sentence: what listeners say comes next
            if line_id in self._play_after and not self.jobs.running(line_key(line_id)):
                self._play_after.discard(line_id)
                self.player.play(project.folder / take.path, line_id, self._stream_position(line_id))
            if self._streams.pop(line_id, None) is not None:
                from studio.jobs.streaming import clear_previews

                clear_previews(project.folder, line_id)  # the take plays now: the preview is done with

        def failed(exc: BaseException):
            if project is not self.project:
                return
            self._play_after.discard(line_id)
            self._streams.pop(line_id, None)
            text = _sentence(exc, "This line could not be rendered")
            project.set_failed(line_id, text)
            self.line_changed.emit(line_id)
            self.message.emit(text)

        def cancelled():
            if project is self.project:
                self._streams.pop(line_id, None)
                self.line_changed.emit(line_id)

        # A pool of servers takes several lines at once (studio/engines/hosted/servers.py); a model, one.
        try:
            pooled = getattr(voicing.engine(), "parallel", 1) > 1
        except StudioError:  # said by the render itself
            pooled = False
        self.jobs.start(render, line_key(line_id), "Rendering a line", done, failed, cancelled,
                        lane="servers" if pooled else "model")
        self.line_changed.emit(line_id)
        return True

    def play(self, line_id: str) -> None:
        """Play the line's take at once when it is current; otherwise render, then play."""
        if self.project is None:
            return
        take = self.project.chosen_take(line_id)
        if take is not None and self.ready and self.state(line_id) in ("draft", "final"):
            self.player.play(self.project.folder / take.path, line_id)
        else:
            self.preview(line_id, then_play=True)

    def play_take(self, take) -> None:
        if self.project is not None:
            self.player.play(self.project.folder / take.path, take.line_id)

    def toggle_ab(self, line_id: str) -> str | None:
        """Play the line's other take of the A/B pair (chosen ↔ previous) from the same
        moment; the chosen one first. Returns "A" or "B", or None with only one take."""
        if self.project is None:
            return None
        chosen, previous = self.project.ab_pair(line_id)
        if chosen is None or previous is None:
            self.message.emit("This line has one take: render it again with another voice or speed to compare.")
            return None
        here = self.player.source
        on_chosen = here is not None and self.player.line_id == line_id and here == self.project.folder / chosen.path
        take, side = (previous, "B") if on_chosen else (chosen, "A")
        position = self.player.position_ms() if self.player.line_id == line_id else 0
        # Said here, so the A/B button and the A key say which take plays, as Ctrl+B does; before
        # playing, so the player's "no sound output" sentence, if it has one, is the one left showing.
        self.message.emit("A: the chosen take." if side == "A" else "B: the previous take.")
        self.player.play(self.project.folder / take.path, line_id, position)
        return side

    def stop(self, line_id: str | None = None) -> None:
        """Stop playback, and the line's render (every render when no line is given)."""
        self.player.stop()
        if line_id is None:
            self.cancel_renders()
        else:
            self._play_after.discard(line_id)
            self._streams.pop(line_id, None)
            self.jobs.cancel(line_key(line_id))

    def cancel_renders(self) -> None:
        """Cancel every line render; the engine warm-up goes on (it cannot stop halfway)."""
        self._play_after.clear()
        self._streams.clear()
        self._render_all_waiting = False
        for ticket in self.jobs.tickets():
            if ticket.key.startswith("line:"):
                self.jobs.cancel(ticket.key)

    def render_all(self) -> int:
        """Render every line whose take is missing or out of date; returns how many."""
        if self.voicing is None:
            return 0
        if not self.ready:
            self._render_all_waiting = True
            self.message.emit("All lines will render as soon as the voice engine has started.")
            return 0
        self._render_all_waiting = False
        lines = [i for i in self.voicing.lines_to_render() if not self.jobs.running(line_key(i))]
        count = sum(self.preview(line_id) for line_id in lines)
        if not count:
            self.message.emit("Every line already has a current take.")
        return count

    # -- streaming preview ---------------------------------------------------------------
    def _stream_arrived(self, line_id: str, path, seconds: float) -> None:
        """More of a line's audio is ready: start playing it, or go on where the last part ended."""
        if self.project is None or line_id not in self._play_after or not self.jobs.running(line_key(line_id)):
            return
        previous = self._streams.get(line_id)
        self._streams[line_id] = (path, seconds)
        if previous is None:
            self.player.play(path, line_id)
            self.streaming.emit(line_id, path)
        elif self.player.line_id == line_id and self.player.source == previous[0] and self.player.ended:
            # The part already heard ran out before this one came: carry on from its end.
            self.player.play(path, line_id, int(previous[1] * 1000))

    def _stream_position(self, line_id: str) -> int:
        """Where the finished take should start: where its streamed preview is now."""
        stream = self._streams.get(line_id)
        if stream is None or self.player.line_id != line_id or self.player.source != stream[0]:
            return 0
        if self.player.ended:
            return int(stream[1] * 1000)
        return self.player.position_ms() if self.player.playing else 0

    def _number(self, line_id: str) -> int:
        ids = [line.id for line in self.project.lines]
        return ids.index(line_id) + 1 if line_id in ids else 0

    def _progress(self, key: str, _fraction: float, _message: str) -> None:
        if key.startswith("line:"):
            self.line_changed.emit(key[len("line:"):])


def _measure_loudness(folder, take) -> None:
    """Worker side: the take's loudness, kept beside it for the timeline's gain (never fatal)."""
    from studio.render.take_levels import take_loudness

    try:
        take_loudness(folder, take)
    except StudioError as exc:
        log.warning("the loudness of %s was not kept: %s", take.path, exc.message)


def _sentence(exc: BaseException, what: str) -> str:
    if isinstance(exc, StudioError):
        return exc.message
    log.error("%s", what, exc_info=exc)
    return f"{what}: {type(exc).__name__}: {exc}. The details are in the log."
