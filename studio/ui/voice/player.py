"""Playback of takes with QtMultimedia, loaded on first use.

QtMultimedia is imported when the first take is played, not at start-up. Where it
cannot load (no backend, a missing system library) or there is no sound output, the
studio says so once and goes on working without sound. (Qt's FFmpeg backend can hang
in `stop()` when it plays to no device at all, so it is never asked to.)
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal

from studio import system

log = logging.getLogger(__name__)

NO_SOUND = "Playback is not available on this computer (QtMultimedia could not start): takes are still rendered and kept."
NO_DEVICE = "No sound output was found on this computer: takes are rendered and kept, but cannot be played."


def no_sound_sentence(error: str) -> str:
    """What the creator is told when QtMultimedia fails to import: the missing system library and
    the command that installs it, where the error names one the studio knows."""
    lib = system.library_in_error(error)
    if lib is None:
        return NO_SOUND
    return (f"Playback is not available on this computer: the system library {lib.soname} is missing. "
            f"Install it with `{system.install_command([lib])}` (Debian/Ubuntu); takes are still rendered and kept.")


class Player(QObject):
    """Plays one take at a time."""

    playing_changed = Signal(bool)
    position_changed = Signal(int)  # ms into the take being played (the karaoke highlight follows it)
    problem = Signal(str)  # said once

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.source: Path | None = None  # the take being played (or last played)
        self.line_id: str | None = None
        self._media = None
        self._output = None
        self._unavailable = False
        self._said_no_device = False
        self._playing = False
        self._ended = False

    @property
    def available(self) -> bool:
        return self._ensure()

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def ended(self) -> bool:
        """The source played to its end (a streamed preview waiting for more)."""
        return self._ended

    def position_ms(self) -> int:
        return int(self._media.position()) if self._media is not None else 0

    def play(self, path: Path, line_id: str | None = None, start_ms: int = 0) -> None:
        """Play a take, from `start_ms` in (A/B keeps the playhead where it was)."""
        self.source = Path(path)
        self.line_id = line_id
        self._ended = False
        if not self._ensure():
            return
        self._media.stop()
        self._media.setSource(QUrl.fromLocalFile(str(self.source)))
        if start_ms > 0:
            self._media.setPosition(int(start_ms))
        self._media.play()

    def seek(self, ms: int) -> None:
        """Move the playhead (a streamed preview can only go as far as it has been rendered)."""
        if self._media is not None:
            self._ended = False
            self._media.setPosition(max(0, int(ms)))

    def stop(self) -> None:
        if self._media is not None:
            self._media.stop()

    def close(self) -> None:
        if self._media is not None:
            self._media.stop()
            self._media.setSource(QUrl())

    # -- QtMultimedia, loaded on first use ------------------------------------
    def _ensure(self) -> bool:
        if self._media is not None:
            return True
        if self._unavailable:
            return False
        try:
            from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
        except ImportError as exc:
            return self._give_up(repr(exc), no_sound_sentence(str(exc)))
        if not QMediaDevices.audioOutputs():
            if not self._said_no_device:  # asked again next time: a device may be plugged in
                self._said_no_device = True
                self.problem.emit(NO_DEVICE)
            return False
        media = QMediaPlayer(self)
        if not media.isAvailable():
            return self._give_up("no multimedia backend")
        self._output = QAudioOutput(self)
        media.setAudioOutput(self._output)
        media.playbackStateChanged.connect(self._state_changed)
        media.errorOccurred.connect(self._error)
        media.mediaStatusChanged.connect(self._status_changed)
        media.positionChanged.connect(lambda ms: self.position_changed.emit(int(ms)))
        self._media = media
        return True

    def _give_up(self, detail: str, sentence: str = NO_SOUND) -> bool:
        log.warning("playback unavailable: %s", detail)
        self._unavailable = True
        self.problem.emit(sentence)
        return False

    def _state_changed(self, state) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        playing = state == QMediaPlayer.PlaybackState.PlayingState
        if playing != self._playing:
            self._playing = playing
            self.playing_changed.emit(playing)

    def _status_changed(self, status) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._ended = True

    def _error(self, _error, text: str) -> None:
        name = self.source.name if self.source else "the take"
        self.problem.emit(f"Could not play {name}: {text or 'the file could not be read'}.")
