"""The timeline under the script: voice, images, music and captions as clips on a time ruler.

The panel shows the project's `Timeline` (studio.render.from_project lays it out) and
sends the creator's intent back as edits of that value: a drag moves a clip, a drag of
its left or right edge trims it (both snapping to edges and the playhead; the cursor
says which it will do), a drag along the ruler scrubs, L locks a clip, Ctrl+Z / Ctrl+Shift+Z undo and redo while the
timeline has the focus, + and − zoom, ←/→ step the playhead a second, Home/End jump to either end,
Alt+←/→ nudge the selected clip 0.1 s (Alt+Shift: 1 s), ] and [ select the next and previous clip
on its track, Delete removes a music clip (voice and image clips follow the script),
and every edit is saved to .stitch/timeline.json at once.
Waveform peaks, thumbnails and the narration mix are made in jobs; space plays and
pauses the mix from the playhead.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QKeyCombination, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem, QGraphicsLineItem, QGraphicsRectItem, QGraphicsScene, QGraphicsView, QWidget,
)

from studio.errors import StudioError
from studio.ui.shell.theme import ACCENT, INK, LINE, MUTED, PANEL

TRACKS = ("voice", "image", "music", "caption")
TRACK_HEIGHT = {"voice": 48, "image": 48, "music": 30, "caption": 26}
TRACK_COLOUR = {"voice": "#dce8fb", "image": "#e6e0f7", "music": "#dff1e6", "caption": "#f4ecd9"}
RULER, GUTTER, LEFT = 18, 4, 80  # pixels: ruler height, space between tracks, room for track names
SNAP_PIXELS = 8
EDGE_PIXELS = 6  # how near a clip's side the pointer trims rather than moves


def track_top(track: str) -> float:
    y = RULER + GUTTER
    for name in TRACKS:
        if name == track:
            return y
        y += TRACK_HEIGHT[name] + GUTTER
    return y


class ClipItem(QGraphicsRectItem):
    """One clip: a rounded block with its waveform or thumbnail and a label."""

    def __init__(self, clip, label: str, view: "TimelineView"):
        super().__init__()
        self.clip, self.label, self.view = clip, label, view
        self.setAcceptHoverEvents(True)
        self.setToolTip(label)
        self.place()

    def place(self, shown=None) -> None:
        """Put the block where its clip is (or where `shown`, the clip being trimmed, would be)."""
        clip, s = shown or self.clip, self.view.scale_px
        self.setPos(0, 0)
        self.setRect(QRectF(LEFT + clip.start * s, track_top(clip.track),
                            max(2.0, clip.duration * s), TRACK_HEIGHT[clip.track]))

    def edge_at(self, x: float) -> str | None:
        """"start" or "end" when scene x is on the clip's left or right side (a short clip keeps a middle to move by)."""
        if self.clip.locked:
            return None
        r = self.rect()
        reach = min(EDGE_PIXELS, r.width() / 3)
        if abs(x - r.left()) <= reach:
            return "start"
        if abs(x - r.right()) <= reach:
            return "end"
        return None

    def hoverMoveEvent(self, event) -> None:
        if self.edge_at(event.scenePos().x()):
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        else:
            self.unsetCursor()
        super().hoverMoveEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self.unsetCursor()
        super().hoverLeaveEvent(event)

    def paint(self, painter: QPainter, _option, _widget=None) -> None:
        r = self.rect().adjusted(0.5, 0.5, -0.5, -0.5)
        selected = self.view.selected == self.clip.id
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(ACCENT if selected else "#b9c3d3"), 2 if selected else 1))
        painter.setBrush(QColor(TRACK_COLOUR[self.clip.track]))
        painter.drawRoundedRect(r, 5, 5)
        painter.save()
        painter.setClipRect(r.adjusted(2, 2, -2, -2))
        thumb = self.view.thumbnails.get(self.clip.source)
        if thumb is not None:
            painter.drawPixmap(int(r.left()) + 3, int(r.top()) + 3, thumb)
        peaks = self.view.peaks.get(self.clip.source)
        if peaks is not None and len(peaks):
            self._waveform(painter, r, peaks)
        painter.setPen(QColor(INK))
        text_left = r.left() + 6 + (thumb.width() + 4 if thumb is not None else 0)
        painter.drawText(QRectF(text_left, r.top() + 2, r.right() - text_left - 4, 16),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         ("🔒 " if self.clip.locked else "") + self.label)
        painter.restore()

    def _waveform(self, painter: QPainter, r: QRectF, peaks) -> None:
        from studio.render.waveform import PEAKS_PER_SECOND

        s = self.view.scale_px
        mid, half = r.center().y() + 5, (r.height() - 14) / 2
        painter.setPen(QPen(QColor("#5b7fbf"), 1))
        x0 = max(int(r.left()), int(self.view.mapToScene(0, 0).x()))
        x1 = min(int(r.right()), int(self.view.mapToScene(self.view.viewport().width(), 0).x()) + 1)
        for x in range(x0, x1):
            t = self.clip.in_point + (x - r.left()) / s
            a, b = int(t * PEAKS_PER_SECOND), int((t + 1 / s) * PEAKS_PER_SECOND) + 1
            if a >= len(peaks) or b <= 0:
                continue
            level = float(peaks[max(0, a):min(len(peaks), b)].max()) * half
            painter.drawLine(x, int(mid - level), x, int(mid + level))


class TimelineView(QGraphicsView):
    """Draws a Timeline; says which clip was clicked or dragged where. Edits are the panel's."""

    clip_clicked = Signal(str)  # clip id
    clip_dragged = Signal(str, float)  # clip id, new start (already snapped)
    clip_trimmed = Signal(str, str, float)  # clip id, "start" or "end", where that edge goes (already snapped)
    seek = Signal(float)  # a click on the ruler: move the playhead there
    scrubbed = Signal(float)  # the pointer dragged along the ruler
    playhead_moved = Signal(float)
    # "play", "undo", "redo", "lock", "zoom_in", "zoom_out", "back", "forward", "start", "end",
    # "nudge_back", "nudge_forward" (0.1 s), "shove_back", "shove_forward" (1 s), "next_clip", "previous_clip", "delete"
    key = Signal(str)
    lane_menu = Signal(str, QPoint)  # a right-click on a lane: its track, where on screen
    files_dropped = Signal(str, object, float)  # files dropped on a lane: its track, the QMimeData, the time there

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(QColor(PANEL))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # The lane names are painted at a fixed place on screen (drawForeground): a scroll must
        # repaint the whole viewport, not shift the old pixels (names drawn twice, ruler garbled).
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.scale_px = 80.0  # pixels per second
        self.timeline = None
        self.labels: dict[str, str] = {}
        self.cues: list = []
        self.selected: str | None = None
        self.peaks: dict[str, object] = {}
        self.thumbnails: dict[str, object] = {}
        self.items: dict[str, ClipItem] = {}
        self.playhead = 0.0
        self._head = QGraphicsLineItem()
        self._head.setPen(QPen(QColor("#d1453b"), 2))
        self._head.setZValue(10)
        self._drag: tuple[ClipItem, float, float] | None = None  # item, press x, start it would move to
        self._trim: tuple[ClipItem, str, float, float] | None = None  # item, edge, press x, where the edge would go
        self._scrubbing = False
        height = track_top("caption") + TRACK_HEIGHT["caption"] + GUTTER + 2
        self.setMinimumHeight(height + 22)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)  # drags arrive at the viewport; the scroll area itself ignores them
        self.takes_drop = None  # (track, QMimeData) -> bool: whether a drop there would be used (the panel's)

    # -- showing ------------------------------------------------------------------------
    def show_timeline(self, timeline, labels: dict[str, str], cues) -> None:
        self.timeline, self.labels, self.cues = timeline, labels, list(cues)
        self._draw()

    def _draw(self) -> None:
        scene = self.scene()
        if self._head.scene() is scene:
            scene.removeItem(self._head)  # kept across redraws
        scene.clear()
        self.items = {}
        end = self.timeline.duration if self.timeline is not None else 0.0
        width = LEFT + (end + 5.0) * self.scale_px
        bottom = track_top("caption") + TRACK_HEIGHT["caption"] + GUTTER
        scene.setSceneRect(0, 0, width, bottom)
        if self.timeline is not None:
            for clip in self.timeline.clips:
                item = ClipItem(clip, self.labels.get(clip.id, clip.source), self)
                scene.addItem(item)
                self.items[clip.id] = item
            for n, cue in enumerate(self.cues):
                box = scene.addRect(QRectF(LEFT + cue.start * self.scale_px, track_top("caption"),
                                           max(2.0, (cue.end - cue.start) * self.scale_px), TRACK_HEIGHT["caption"]),
                                    QPen(QColor("#d8c9a3")), QBrush(QColor(TRACK_COLOUR["caption"])))
                box.setToolTip(" ".join(cue.lines))
                text = scene.addSimpleText(" ".join(cue.lines))
                text.setBrush(QColor(INK))
                text.setPos(box.rect().left() + 4, box.rect().top() + 5)
                text.setParentItem(box)
                box.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)
        scene.addItem(self._head)
        self.set_playhead(self.playhead)

    def set_playhead(self, t: float) -> None:
        self.playhead = max(0.0, t)
        x = LEFT + self.playhead * self.scale_px
        self._head.setLine(x, 0, x, self.scene().sceneRect().height())
        self.playhead_moved.emit(self.playhead)

    def select(self, clip_id: str | None, reveal: bool = False) -> None:
        self.selected = clip_id
        for item in self.items.values():
            item.update()
        if reveal and clip_id in self.items:
            self.ensureVisible(self.items[clip_id], 40, 0)

    def set_scale(self, px_per_second: float, anchor_x: float | None = None) -> None:
        t = None if anchor_x is None else (self.mapToScene(int(anchor_x), 0).x() - LEFT) / self.scale_px
        self.scale_px = min(800.0, max(8.0, px_per_second))
        self._draw()
        if t is not None:  # keep the moment under the cursor where it was
            bar = self.horizontalScrollBar()
            bar.setValue(int(LEFT + t * self.scale_px - anchor_x))

    def zoom(self, factor: float) -> None:
        """Zoom from the buttons or keys: the playhead stays where it is on screen (the middle
        of the view stays put when the playhead is out of sight)."""
        x = self.mapFromScene(QPointF(LEFT + self.playhead * self.scale_px, 0)).x()
        if not 0 <= x <= self.viewport().width():
            x = self.viewport().width() / 2
        self.set_scale(self.scale_px * factor, x)

    # -- drawing around the clips ---------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        painter.setPen(QColor(LINE))
        for name in TRACKS:
            y = track_top(name) + TRACK_HEIGHT[name] + GUTTER / 2
            painter.drawLine(int(rect.left()), int(y), int(rect.right()), int(y))
        step = next(s for s in (0.5, 1, 2, 5, 10, 30, 60, 300) if s * self.scale_px >= 60)
        painter.setPen(QColor(MUTED))
        t = max(0.0, ((rect.left() - LEFT) / self.scale_px) // step * step)
        while LEFT + t * self.scale_px <= rect.right():
            x = LEFT + t * self.scale_px
            painter.drawLine(int(x), RULER - 5, int(x), RULER)
            painter.drawText(int(x) + 3, RULER - 6, f"{int(t // 60)}:{t % 60:04.1f}" if step < 1 else
                             f"{int(t // 60)}:{int(t % 60):02d}")
            t += step

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        left = self.mapToScene(0, 0).x()
        painter.fillRect(QRectF(left, 0, LEFT - 4, self.sceneRect().height()), QColor(PANEL))
        painter.setPen(QColor(MUTED))
        for name, title in zip(TRACKS, ("Voice", "Images", "Music", "Captions")):
            painter.drawText(QRectF(left + 6, track_top(name), LEFT - 10, TRACK_HEIGHT[name]),
                             Qt.AlignmentFlag.AlignVCenter, title)

    # -- the creator's hand ---------------------------------------------------------------
    def clip_item_at(self, pos) -> ClipItem | None:
        for item in self.items_at(pos):
            if isinstance(item, ClipItem):
                return item
        return None

    def items_at(self, pos):
        return self.items_under(self.mapToScene(pos))

    def items_under(self, point):
        return [i for i in self.scene().items(point) if i is not self._head]

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self.setFocus()
        point = self.mapToScene(event.position().toPoint())
        item = self.clip_item_at(event.position().toPoint())
        if item is None:
            if point.y() < RULER + GUTTER or not self.items_under(point):
                self._scrubbing = True
                self.seek.emit(max(0.0, (point.x() - LEFT) / self.scale_px))
            return
        self.clip_clicked.emit(item.clip.id)
        edge = item.edge_at(point.x())
        if edge:
            self._trim = (item, edge, point.x(), item.clip.start if edge == "start" else item.clip.end)
        else:
            self._drag = (item, point.x(), item.clip.start)

    def mouseMoveEvent(self, event) -> None:
        x = self.mapToScene(event.position().toPoint()).x()
        if self._scrubbing:
            self.scrubbed.emit(max(0.0, (x - LEFT) / self.scale_px))
            return
        if self._trim is not None and self.timeline is not None:
            self._trim_to(x)
            return
        if self._drag is None or self.timeline is None:
            return super().mouseMoveEvent(event)
        item, press_x, _ = self._drag
        dx = self.mapToScene(event.position().toPoint()).x() - press_x
        if abs(dx) < 3 or item.clip.locked:
            return
        wanted = item.clip.start + dx / self.scale_px
        start = self.timeline.snap_move(item.clip.id, wanted, SNAP_PIXELS / self.scale_px, (self.playhead,))
        item.setPos((start - item.clip.start) * self.scale_px, 0)
        self._drag = (item, press_x, start)

    def _trim_to(self, x: float) -> None:
        from studio.render.errors import TimelineError

        item, edge, press_x, _ = self._trim
        if abs(x - press_x) < 2:
            return
        was = item.clip.start if edge == "start" else item.clip.end
        wanted = was + (x - press_x) / self.scale_px
        t = self.timeline.snap_time(wanted, SNAP_PIXELS / self.scale_px, (self.playhead,), exclude=item.clip.id)
        try:
            shown = self.timeline.trim_edge(item.clip.id, edge, t).clip(item.clip.id)
        except TimelineError:
            return  # the panel says why on release
        item.place(shown)
        self._trim = (item, edge, press_x, shown.start if edge == "start" else shown.end)

    def mouseReleaseEvent(self, event) -> None:
        self._scrubbing = False
        trim, self._trim = self._trim, None
        if trim is not None:
            item, edge, _, t = trim
            if abs(t - (item.clip.start if edge == "start" else item.clip.end)) > 1e-9:
                self.clip_trimmed.emit(item.clip.id, edge, t)
            else:
                item.place()
            return
        drag, self._drag = self._drag, None
        if drag is None:
            return super().mouseReleaseEvent(event)
        item, _, start = drag
        if abs(start - item.clip.start) > 1e-9:
            self.clip_dragged.emit(item.clip.id, start)
        else:
            item.setPos(0, 0)

    # -- files dragged in (the media bin, a file manager) ---------------------------------------
    def dragEnterEvent(self, event) -> None:
        self._drag_over(event)

    def dragMoveEvent(self, event) -> None:
        self._drag_over(event)

    def _drag_over(self, event) -> None:
        track = self.track_at(self.mapToScene(event.position().toPoint()).y())
        if track is not None and self.takes_drop is not None and self.takes_drop(track, event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        point = self.mapToScene(event.position().toPoint())
        track = self.track_at(point.y())
        if track is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files_dropped.emit(track, event.mimeData(), max(0.0, (point.x() - LEFT) / self.scale_px))

    def track_at(self, y: float) -> str | None:
        """The track whose lane holds scene height `y`."""
        return next((n for n in TRACKS if track_top(n) - GUTTER / 2 <= y < track_top(n) + TRACK_HEIGHT[n] + GUTTER / 2), None)

    def contextMenuEvent(self, event) -> None:
        track = self.track_at(self.mapToScene(event.pos()).y())
        if track is not None:
            self.lane_menu.emit(track, event.globalPos())
            event.accept()
            return
        super().contextMenuEvent(event)

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.25 if event.angleDelta().y() > 0 else 0.8
            self.set_scale(self.scale_px * factor, event.position().x())
            event.accept()
            return
        if not event.modifiers() and event.angleDelta().x() == 0:  # a plain wheel scrolls along time
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - event.angleDelta().y())
            event.accept()
            return
        super().wheelEvent(event)

    def _key_name(self, event) -> str | None:
        if not hasattr(self, "_keys"):  # built with the first key: a standard key needs the running app
            self._keys = {"play": (QKeySequence(Qt.Key.Key_Space),), "lock": (QKeySequence(Qt.Key.Key_L),),
                          "undo": tuple(QKeySequence.keyBindings(QKeySequence.StandardKey.Undo)),
                          "redo": (QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")),
                          "zoom_in": tuple(QKeySequence(k) for k in ("+", "=", "Ctrl++", "Ctrl+=")),
                          "zoom_out": (QKeySequence("-"), QKeySequence("Ctrl+-")),
                          "back": (QKeySequence(Qt.Key.Key_Left),), "forward": (QKeySequence(Qt.Key.Key_Right),),
                          "start": (QKeySequence(Qt.Key.Key_Home),), "end": (QKeySequence(Qt.Key.Key_End),),
                          "nudge_back": (QKeySequence("Alt+Left"),), "nudge_forward": (QKeySequence("Alt+Right"),),
                          "shove_back": (QKeySequence("Alt+Shift+Left"),),
                          "shove_forward": (QKeySequence("Alt+Shift+Right"),),
                          # ] and [ rather than Tab: Tab must still take the keyboard out of the tracks.
                          "next_clip": (QKeySequence("]"),), "previous_clip": (QKeySequence("["),),
                          "delete": (QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Backspace))}
        combo = event.keyCombination()
        modifiers = combo.keyboardModifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if combo.key() == Qt.Key.Key_Plus:  # Shift+= on most keyboards: the Shift is part of the "+"
            modifiers &= ~Qt.KeyboardModifier.ShiftModifier
        pressed = QKeySequence(QKeyCombination(modifiers, combo.key()))
        return next((name for name, keys in self._keys.items() if pressed in keys), None)

    def event(self, event) -> bool:
        # The window's Undo/Redo act on the script; while the timeline has the focus, they act here.
        if event.type() == QEvent.Type.ShortcutOverride and self._key_name(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        name = self._key_name(event)
        if name:
            self.key.emit(name)
            return
        super().keyPressEvent(event)


def stamp(t: float) -> str:
    return f"{int(t // 60)}:{t % 60:04.1f}"


def clip_labels(project, timeline) -> dict[str, str]:
    """What each clip is called on screen: the line's words, the scene's title, the file's name."""
    lines = {line.id: line.text for line in project.lines}
    scenes = {scene.id: scene.title for scene in project.scenes}
    out = {}
    for c in timeline.clips:
        if c.track == "voice":
            out[c.id] = " ".join(lines.get(c.ref, "").split()) or Path(c.source).name
        elif c.track == "image":
            out[c.id] = scenes.get(c.ref) or Path(c.source).name
        else:
            out[c.id] = Path(c.source).name
    return out


def guarded(say, fn, *args):
    """Run an edit; a StudioError becomes its sentence in the status line."""
    try:
        return fn(*args)
    except StudioError as exc:
        say(exc.message)
        return None


__all__ = ["ClipItem", "TimelineView", "clip_labels", "guarded", "stamp"]
