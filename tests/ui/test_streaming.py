"""Streaming preview: a long line starts playing while the rest of it renders."""

from __future__ import annotations

import threading
import wave

from studio.jobs.streaming import StreamingState
from studio.engines.base import NullState

LONG = ("The first sentence is short. The second sentence follows after it. "
        "A third one closes the paragraph for good.")


class OnePiece:
    """A gate that lets the first piece through, then holds until `release()`."""

    def __init__(self):
        self.calls = 0
        self.open = threading.Event()

    def wait(self, timeout=None):
        self.calls += 1
        return True if self.calls == 1 else self.open.wait(timeout)

    def set(self):
        self.open.set()

    def clear(self):
        self.open.clear()

    def release(self):
        self.open.set()


def test_playback_starts_before_the_render_finishes(studio, engine, qtbot):
    line = studio.editor.line_ids()[0]
    studio.project.edit_line(line, LONG)
    gate = OnePiece()
    engine.gate = gate
    started = []
    studio.voice.streaming.connect(lambda line_id, path: started.append((line_id, path)))
    studio.voice.play(line)
    qtbot.waitUntil(lambda: bool(started), timeout=3000)
    preview = started[0][1]
    assert preview.parent == studio.project.folder / ".stitch" / "preview"
    assert studio.player.source == preview and studio.player.line_id == line
    assert studio.voice.state(line) == "rendering"  # the render is still held by the gate
    assert studio.project.chosen_take(line) is None or studio.project.chosen_take(line).text != LONG
    with wave.open(str(preview)) as w:
        assert 0 < w.getnframes() < len(LONG) * 0.02 * w.getframerate()
    if studio.player.available:
        qtbot.waitUntil(lambda: studio.player.playing or studio.player.position_ms() > 0, timeout=5000)
    gate.release()
    qtbot.waitUntil(lambda: studio.project.chosen_take(line) is not None
                    and studio.project.chosen_take(line).text == LONG, timeout=5000)
    take = studio.project.chosen_take(line)
    qtbot.waitUntil(lambda: studio.player.source == studio.project.folder / take.path, timeout=3000)
    studio.player.stop()
    assert not preview.exists()  # the finished take took over: the preview file is gone
    # The worker measured the take's loudness for the timeline, beside the take.
    from studio.render.take_levels import LEVELS_FILE, known_gain

    assert (studio.project.folder / LEVELS_FILE).is_file()
    assert known_gain(studio.project.folder, take.path, -16.0) is not None


def test_stop_ends_a_streamed_preview_and_its_render(studio, engine, qtbot):
    line = studio.editor.line_ids()[0]
    studio.project.edit_line(line, LONG)
    gate = OnePiece()
    engine.gate = gate
    started = []
    studio.voice.streaming.connect(lambda line_id, path: started.append(path))
    studio.voice.play(line)
    qtbot.waitUntil(lambda: bool(started), timeout=3000)
    studio.voice.stop(line)
    qtbot.waitUntil(lambda: studio.voice.state(line) != "rendering", timeout=3000)
    assert studio.player.source == started[0]  # the take never replaced the stopped preview
    assert not studio.player.playing


def test_streaming_state_writes_the_audio_so_far(tmp_path):
    import numpy as np

    heard = []
    state = StreamingState(NullState(), tmp_path, "abc", lambda path, seconds: heard.append((path, seconds)))
    state.partial(np.zeros(2400, np.float32), 24000)
    state.partial(np.zeros(4800, np.float32), 24000)
    assert [round(s, 2) for _, s in heard] == [0.1, 0.3]
    with wave.open(str(heard[-1][0])) as w:
        assert w.getnframes() == 7200
