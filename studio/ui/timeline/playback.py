"""The Timeline dock's playback: the narration mixed in a job, played from the playhead.

A mixin of `TimelinePanel` (studio.ui.timeline.panel): it uses the panel's view, header,
clock and the window's jobs and player. The mix is made once per timeline and kept on disk.
"""

from __future__ import annotations

from pathlib import Path

from studio.errors import StudioError
from studio.ui.timeline.tracks import stamp

MIX_FILE = Path(".stitch") / "preview" / "timeline-mix.wav"


class TimelinePlayback:
    def play_pause(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self) -> None:
        if self.timeline is None or self.timeline.duration <= 0:
            self.say("The timeline is empty: render some lines to hear them here.")
            return
        if self.view.playhead >= self.timeline.duration - 0.05:
            self.view.set_playhead(0.0)
        path = Path(self.project.folder) / MIX_FILE
        if self._mix_for == self.timeline and path.is_file():
            self._start(path)
            return
        timeline, folder = self.timeline, Path(self.project.folder)

        def work(state):
            from studio.render.audio import mix, write_wav

            write_wav(path, mix(timeline, folder, state=state))
            return timeline

        def done(made) -> None:
            self._mix_for = made
            if made == self.timeline:
                self._start(path)

        self.header.play.setText("Mixing…")
        self.window.jobs.start(work, "timeline-mix", "Mixing the narration", done,
                               lambda exc: self._failed(exc), lambda: self.header.play.setText("Play"), lane="io")

    def _failed(self, exc: BaseException) -> None:
        self.header.play.setText("Play")
        self.say(exc.message if isinstance(exc, StudioError) else f"The narration could not be mixed: {exc}.")

    def _start(self, path: Path) -> None:
        self.playing = True
        self.header.play.setText("Pause")
        self.clock.start(self.view.playhead)
        self.window.player.play(path, None, int(self.view.playhead * 1000))
        self._tick.start()

    def pause(self) -> None:
        if self.playing:
            self.playing = False
            self._tick.stop()
            self.window.player.stop()
        self.header.play.setText("Play")

    def stop(self) -> None:
        self.pause()
        self.window.jobs.cancel("timeline-mix")

    def scrub(self, t: float) -> None:
        """Dragging along the ruler: the playhead and the preview follow, playback stops."""
        self.pause()
        self.view.set_playhead(min(t, self.timeline.duration if self.timeline else 0.0))
        self.header.time.setText(stamp(self.view.playhead))

    def seek(self, t: float) -> None:
        was_playing = self.playing
        self.pause()
        self.view.set_playhead(min(t, self.timeline.duration if self.timeline else 0.0))
        self.header.time.setText(stamp(self.view.playhead))
        if was_playing:
            self.play()

    def _advance(self) -> None:
        mixing = self.window.player.source == Path(self.project.folder) / MIX_FILE if self.project else False
        t = self.clock.now(self.window.player if mixing else None)
        if self.timeline is None or t >= self.timeline.duration:
            self.pause()
            t = self.timeline.duration if self.timeline else 0.0
        self.view.set_playhead(t)
        self.header.time.setText(stamp(t))
