"""The strips above and under the timeline's tracks.

Above (`TimelineHeader`): play, lock, zoom, the time, export. Under (`ClipControls`):
the gap between lines, and what the selected clip offers.

A voice clip: the gap before its line. An image: its slow pan/zoom (start and end zoom,
which way it travels). Music: how far it dips under speech, how fast, and its fades.
The strip only says what the creator asked for; the panel makes it an undoable edit of
the timeline and shows the result back here with the signals blocked, so nothing loops.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDoubleSpinBox, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QStackedWidget, QWidget,
)

from studio.render.timeline import DIRECTIONS, MAX_ZOOM, PanZoom

HINT = "Drag a clip to move it, drag its edges to trim it; select one to edit it here."
DIRECTION_NAMES = {"centre": "Zoom, centred", "left to right": "Pan left → right", "right to left": "Pan right → left",
                   "top to bottom": "Pan top → bottom", "bottom to top": "Pan bottom → top"}


def _spin(low: float, high: float, step: float, suffix: str, tip: str, decimals: int = 2) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setDecimals(decimals)
    box.setSuffix(suffix)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)  # one edit when the number is typed, not one per keystroke
    return box


def _row(*widgets) -> QWidget:
    page = QWidget()
    row = QHBoxLayout(page)
    row.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        row.addWidget(QLabel(w) if isinstance(w, str) else w)
    row.addStretch(1)
    return page


class _Pages(QStackedWidget):
    """Only the page on show asks for room: the "none" page's hint should not need the music page's width."""

    def __init__(self):
        super().__init__()
        self.currentChanged.connect(lambda _i: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()


class _Strip(QScrollArea):
    """The selected clip's page, scrolled sideways when the dock is narrower than it.

    The music page alone is about 740 px wide; as a plain widget it set the Timeline dock's
    minimum width, and with the Images dock beside it the window no longer fitted a
    1366-pixel screen.
    """

    def __init__(self, pages: QStackedWidget):
        super().__init__()
        self.setWidget(pages)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._scrolls = False

    def _height(self) -> int:
        # Room for the scroll bar only while it shows, so it never covers the controls.
        bar = self.horizontalScrollBar().sizeHint().height() if self._scrolls else 0
        return self.widget().minimumSizeHint().height() + bar

    def sizeHint(self) -> QSize:
        return QSize(self.widget().sizeHint().width(), self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self._height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        scrolls = self.widget().minimumSizeHint().width() > self.width()
        if scrolls != self._scrolls:
            self._scrolls = scrolls
            self.updateGeometry()


class ClipControls(QWidget):
    gap_changed = Signal(float)  # the timeline's gap between lines
    line_gap_changed = Signal(str, float)  # line id, the gap before it
    ducking_changed = Signal(float, float, float)  # amount dB, attack s, release s
    fades_changed = Signal(str, float, float)  # clip id, fade in s, fade out s
    framing_changed = Signal(str, float, float, str)  # clip id, start zoom, end zoom, direction

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.clip_id: str | None = None
        self.line_id: str | None = None
        self.gap = _spin(0.0, 10.0, 0.05, " s", "The silence between one line and the next, all through the script")
        self.line_gap = _spin(0.0, 10.0, 0.05, " s", "The silence before this line (the lines after it follow)")
        self.start_zoom = _spin(1.0, MAX_ZOOM, 0.05, "×", "How close the picture is at the clip's start (1× shows all of it)")
        self.end_zoom = _spin(1.0, MAX_ZOOM, 0.05, "×", "How close the picture is at the clip's end")
        self.direction = QComboBox()
        for name in DIRECTIONS:
            self.direction.addItem(DIRECTION_NAMES[name], name)
        self.direction.setToolTip("Which way the view travels over the picture")
        self.duck = _spin(-40.0, 0.0, 1.0, " dB", "How far the music dips while a line speaks", decimals=1)
        self.attack = _spin(0.0, 2.0, 0.05, " s", "How long the music takes to go down before a line")
        self.release = _spin(0.0, 4.0, 0.05, " s", "How long the music takes to come back after a line")
        self.fade_in = _spin(0.0, 30.0, 0.25, " s", "The music fades in over this long")
        self.fade_out = _spin(0.0, 30.0, 0.25, " s", "The music fades out over this long")
        self.hint = QLabel(HINT)
        self.hint.setObjectName("hint")

        self.pages = _Pages()
        self.page = {
            "none": _row(self.hint),
            "voice": _row("Gap before this line", self.line_gap),
            "image": _row("Framing", self.start_zoom, "to", self.end_zoom, self.direction),
            "music": _row("Duck", self.duck, "attack", self.attack, "release", self.release,
                          "  Fade in", self.fade_in, "out", self.fade_out),
        }
        for page in self.page.values():
            self.pages.addWidget(page)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Gap"))
        row.addWidget(self.gap)
        row.addSpacing(12)
        self.strip = _Strip(self.pages)
        self.pages.currentChanged.connect(lambda _i: self.strip.fit())
        row.addWidget(self.strip, 1)

        self.gap.valueChanged.connect(self.gap_changed)
        self.line_gap.valueChanged.connect(lambda v: self.line_id and self.line_gap_changed.emit(self.line_id, v))
        for box in (self.start_zoom, self.end_zoom):
            box.valueChanged.connect(lambda _v: self._framing())
        self.direction.currentIndexChanged.connect(lambda _i: self._framing())
        for box in (self.duck, self.attack, self.release):
            box.valueChanged.connect(lambda _v: self.ducking_changed.emit(
                self.duck.value(), self.attack.value(), self.release.value()))
        for box in (self.fade_in, self.fade_out):
            box.valueChanged.connect(lambda _v: self.clip_id and self.fades_changed.emit(
                self.clip_id, self.fade_in.value(), self.fade_out.value()))

    def _framing(self) -> None:
        if self.clip_id:
            self.framing_changed.emit(self.clip_id, self.start_zoom.value(), self.end_zoom.value(),
                                      self.direction.currentData())

    def show_clip(self, timeline, clip_id: str | None) -> None:
        """Show the timeline's values and the selected clip's page (signals blocked: this is no edit)."""
        clip = None
        if timeline is not None and clip_id is not None:
            clip = next((c for c in timeline.clips if c.id == clip_id), None)
        self.clip_id = clip.id if clip is not None else None
        self.line_id = clip.ref if clip is not None and clip.track == "voice" else None
        boxes = (self.gap, self.line_gap, self.start_zoom, self.end_zoom, self.direction, self.duck, self.attack,
                 self.release, self.fade_in, self.fade_out)
        for box in boxes:
            box.blockSignals(True)
        try:
            self.setEnabled(timeline is not None)
            if timeline is not None:
                self.gap.setValue(timeline.gap)
                d = timeline.ducking
                self.duck.setValue(d.amount_db)
                self.attack.setValue(d.attack)
                self.release.setValue(d.release)
            page = clip.track if clip is not None and clip.track in self.page else "none"
            if page == "voice":
                self.line_gap.setValue(timeline.gap_before(clip.ref))
            elif page == "image":
                pan_zoom = clip.pan_zoom or PanZoom.framing(1.0, 1.0)
                start, end = pan_zoom.zooms
                self.start_zoom.setValue(start)
                self.end_zoom.setValue(end)
                self.direction.setCurrentIndex(max(0, self.direction.findData(pan_zoom.direction)))
            elif page == "music":
                self.fade_in.setValue(clip.fade_in)
                self.fade_out.setValue(clip.fade_out)
            self.pages.setCurrentWidget(self.page[page])
        finally:
            for box in boxes:
                box.blockSignals(False)


class Clock:
    """Where playback is: the player's position when it plays, else time since play was pressed
    (offscreen or without a sound device the player stays silent, and the playhead still runs)."""

    def __init__(self):
        self._timer = QElapsedTimer()
        self._from = 0.0

    def start(self, at: float) -> None:
        self._from = at
        self._timer.start()

    def now(self, player=None) -> float:
        if player is not None and player.playing:
            return player.position_ms() / 1000.0
        return self._from + (self._timer.elapsed() / 1000.0 if self._timer.isValid() else 0.0)


class TimelineHeader(QWidget):
    """The strip above the tracks: title, play, lock, zoom and the time."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.play = QPushButton("Play")
        self.play.setToolTip("Play or pause the narration from the playhead (Space)")
        self.lock = QPushButton("Lock")
        self.lock.setCheckable(True)
        self.lock.setToolTip("Lock the selected clip: a re-layout leaves it where it is (L)")
        self.export = QPushButton("Export…")
        self.zoom_in, self.zoom_out = QPushButton("+"), QPushButton("−")
        for b, key in ((self.zoom_in, "+"), (self.zoom_out, "−")):
            b.setFixedWidth(36)
            b.setStyleSheet("padding: 6px 0px;")
            b.setToolTip(f"Zoom {'in' if key == '+' else 'out'} ({key} on the timeline, or Ctrl+wheel)")
        self.export.setToolTip("Export the timeline as a video (Ctrl+E)")
        self.time = QLabel("0:00.0")
        self.time.setObjectName("hint")
        self.hint = QLabel("")
        self.hint.setObjectName("hint")
        for w in (self.play, self.lock, self.zoom_out, self.zoom_in, self.time):
            row.addWidget(w)
        row.addWidget(self.hint, 1)
        row.addWidget(self.export)


__all__ = ["ClipControls", "Clock", "DIRECTION_NAMES", "TimelineHeader"]
