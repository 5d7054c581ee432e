"""The picture at the playhead: the scene's image with its pan/zoom at that moment, and the caption.

It is framed by the export's own code: `studio.render.frames.make_plate` crops each
still to the video's shape exactly as the export does, and the framing rect of
`PanZoom.rect_at` is taken of that crop, so preview and video agree. Captions are
drawn by the function the export burns them with. Stills are decoded, cropped and
scaled by jobs on the "io" lane and kept; painting only draws part of a prepared
picture, so it never waits for a file, while playing or scrubbing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSizePolicy, QWidget

from studio.errors import StudioError
from studio.project.look import Look
from studio.ui.shell.theme import MUTED

LONG_SIDE = 960  # pixels of the preview's frame along its long side: sharp in a dock, cheap to keep
AROUND = "#d4d2cc"  # around the frame: light, so a dark picture still shows its edges
NO_PICTURE = "No picture here yet: Generate in the Images panel, or Add picture."


@dataclass(frozen=True)
class Picture:
    """A still prepared for the preview: its cover crop (plus `margin` pixels of edge) as RGB."""

    image: QImage
    margin: int
    zoom: float  # the framings it is sharp for


def frame_size(fmt: str) -> tuple[int, int]:
    """The preview frame for a project format ("9:16", "16:9", "1:1"): the export preset's shape."""
    from studio.render.export import PRESETS
    from studio.ui.timeline.export_dialog import FORMAT_PRESET

    preset = PRESETS[FORMAT_PRESET.get(fmt, "shorts")]
    k = LONG_SIDE / max(preset.width, preset.height)
    return round(preset.width * k / 2) * 2, round(preset.height * k / 2) * 2


def prepare_picture(path: Path, width: int, height: int, zoom: float | None, fit: str = "blur") -> Picture:
    """Worker side: read a still and fit it to the frame's shape with the export's plate code
    (`fit`: over a blurred copy of itself, or cut around its subject, as stitch.toml says)."""
    import numpy as np

    from studio.render.frames import make_plate, read_image

    plate = make_plate(read_image(path), width, height, zoom, fit)
    rgb = np.ascontiguousarray(_rgb(plate.y, plate.u, plate.v))
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()  # QImage is safe off the UI thread
    return Picture(image, plate.margin, zoom or 1.0)


def _rgb(y, u, v):
    """BT.709 limited-range planes (chroma at half size) back to RGB, the inverse of render.colour."""
    import cv2
    import numpy as np

    from studio.render.colour import KB, KG, KR

    size = (y.shape[1], y.shape[0])
    luma = (y.astype(np.float32) - 16.0) * (255.0 / 219.0)
    cb = (cv2.resize(u, size, interpolation=cv2.INTER_LINEAR).astype(np.float32) - 128.0) * (255.0 / 224.0)
    cr = (cv2.resize(v, size, interpolation=cv2.INTER_LINEAR).astype(np.float32) - 128.0) * (255.0 / 224.0)
    r = luma + 2 * (1 - KR) * cr
    b = luma + 2 * (1 - KB) * cb
    g = (luma - KR * r - KB * b) / KG
    return np.clip(np.dstack((r, g, b)) + 0.5, 0, 255).astype(np.uint8)


def draw_captions(texts: list[tuple], width: int, height: int, style=None, folder=None) -> dict:
    """Worker side: each cue's lines (and spoken word) as the export burns them, in the
    project's caption style, {(lines, spoken): (QImage, x, y) or None}."""
    from studio.render.burned_captions import draw_caption, resolve_style

    style = resolve_style(folder, style)
    out = {}
    for key in texts:
        lines, spoken = key
        drawn = draw_caption(list(lines), width, height, style, spoken)
        if drawn is None:
            out[key] = None
            continue
        rgba, x, y = drawn
        h, w = rgba.shape[:2]
        image = QImage(rgba.tobytes(), w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
        out[key] = (image, x, y)
    return out


class Preview(QWidget):
    """Shows the frame of the timeline at `time`, letterboxed in the project's format."""

    def __init__(self, jobs, parent: QWidget | None = None):
        super().__init__(parent)
        self.jobs = jobs
        self.folder: Path | None = None
        self.timeline = None
        self.cues: list = []
        self.size_px = frame_size("16:9")
        self.look = Look()  # stitch.toml's fit and caption style, as the export uses them
        self.pictures: dict[str, Picture] = {}
        self.captions: dict[tuple, tuple | None] = {}  # (lines, spoken word) → drawn caption
        self.failed: dict[str, str] = {}  # source → why it cannot be shown
        self._pending: dict[str, object] = {}  # source → the job preparing it
        self.time = 0.0
        self.clip = None  # the image clip showing at `time`
        self.framing = None  # its rect (fractions of its cover crop) at `time`
        self.caption = ""  # the caption's text at `time`
        self._cue_lines: tuple[str, ...] = ()
        self.spoken: int | None = None  # the caption's word being spoken, when the style highlights it
        self.caption_problem = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)
        self.setToolTip("The picture at the playhead, as the export will show it")

    def sizeHint(self) -> QSize:
        return QSize(360, 300)

    # -- what to show ---------------------------------------------------------------------
    def show_timeline(self, folder, timeline, cues, fmt: str, look: Look | None = None) -> None:
        folder = Path(folder) if folder is not None else None
        size, look = frame_size(fmt), look or Look()
        if folder != self.folder or size != self.size_px or look != self.look:
            self.pictures, self.captions, self.failed = {}, {}, {}
            self._pending.clear()
        self.folder, self.size_px, self.look = folder, size, look
        if look.captions.highlight and cues:
            from studio.render.captions import karaoke_cues

            cues = karaoke_cues(list(cues))  # as the export burns them: the spoken word in colour
        self.timeline, self.cues = timeline, sorted(cues or [], key=lambda c: c.start)
        self._fetch()
        self.show_at(self.time)

    def show_at(self, t: float) -> None:
        """Move to time t (playing or scrubbing): which image, which framing, which caption."""
        self.time = max(0.0, float(t))
        clip = self.timeline.clip_at("image", self.time) if self.timeline is not None else None
        framing = None
        if clip is not None:
            framing = clip.pan_zoom.rect_at((self.time - clip.start) / clip.duration) if clip.pan_zoom else (0.0, 0.0, 1.0, 1.0)
        cue = next((c for c in reversed(self.cues) if c.start <= self.time < c.end), None)
        lines = tuple(cue.lines) if cue is not None else ()
        spoken = getattr(cue, "spoken", None) if cue is not None else None
        changed = (clip, framing, lines, spoken) != (self.clip, self.framing, self._cue_lines, self.spoken)
        self.clip, self.framing, self._cue_lines, self.spoken = clip, framing, lines, spoken
        self.caption = "\n".join(lines)
        if clip is not None and self._wants(clip):
            self._fetch()
        if changed:
            self.update()

    @property
    def ready(self) -> bool:
        """What `time` shows is prepared: the picture (if any) and the caption (if any)."""
        picture = self.clip is None or self.clip.source in self.pictures or self.clip.source in self.failed
        return picture and (not self._cue_lines or (self._cue_lines, self.spoken) in self.captions)

    def source_rect(self) -> QRectF | None:
        """The part of the prepared picture the frame shows now (its pixels)."""
        picture = self.pictures.get(self.clip.source) if self.clip is not None else None
        if picture is None or self.framing is None:
            return None
        m = picture.margin
        pw, ph = picture.image.width() - 2 * m, picture.image.height() - 2 * m
        x, y, w, h = self.framing
        return QRectF(m + x * pw, m + y * ph, w * pw, h * ph)

    def frame_rect(self) -> QRectF:
        """Where the video's frame sits in the widget: as large as fits, centred."""
        fw, fh = self.size_px
        room = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        k = min(room.width() / fw, room.height() / fh)
        w, h = fw * k, fh * k
        return QRectF(room.center().x() - w / 2, room.center().y() - h / 2, w, h)

    # -- painting: only what is prepared ----------------------------------------------------
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(AROUND))
        frame = self.frame_rect()
        painter.fillRect(frame, QColor("black"))
        if self.timeline is None:
            painter.setPen(QColor(MUTED))
            painter.drawText(frame, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             "The picture at the playhead shows here.")
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        source = self.source_rect()
        if source is not None:
            painter.drawImage(frame, self.pictures[self.clip.source].image, source)
        elif self.clip is not None and self.clip.source in self.failed:
            painter.setPen(QColor("#e8e6e1"))
            painter.drawText(frame.adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.failed[self.clip.source])
        elif self.clip is None:
            painter.setPen(QColor(MUTED))
            painter.drawText(frame.adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             NO_PICTURE)
        art = self.captions.get((self._cue_lines, self.spoken)) if self._cue_lines else None
        if art is not None:
            image, x, y = art
            k = frame.width() / self.size_px[0]
            painter.drawImage(QRectF(frame.left() + x * k, frame.top() + y * k, image.width() * k,
                                     image.height() * k), image)

    # -- preparing pictures and captions in jobs --------------------------------------------
    def _wants(self, clip) -> bool:
        """The clip's still is neither prepared sharp enough for its framing nor on its way."""
        if clip.source in self._pending or clip.source in self.failed:
            return False
        picture = self.pictures.get(clip.source)
        return picture is None or picture.zoom < _zoom(clip) - 1e-6

    def _fetch(self) -> None:
        if self.timeline is None or self.folder is None:
            return
        # The still at the playhead first, then the others by how soon they show.
        clips = sorted(self.timeline.track("image"), key=lambda c: (c.end <= self.time, abs(c.start - self.time)))
        zooms: dict[str, float] = {}
        for clip in clips:
            zooms[clip.source] = max(zooms.get(clip.source, 1.0), _zoom(clip))
        for clip in clips:
            if self._wants(clip):
                self._prepare(clip.source, zooms[clip.source])
        self._fetch_captions()

    def _prepare(self, source: str, zoom: float) -> None:
        folder, (w, h), look, token = self.folder, self.size_px, self.look, object()
        self._pending[source] = token

        def work(_state):
            return prepare_picture(folder / source, w, h, zoom if zoom > 1.0 + 1e-6 else None, look.fit)

        def settled() -> bool:
            """This job's answer still counts (no newer job for the source, same project, format and look)."""
            if self._pending.get(source) is not token:
                return False
            del self._pending[source]
            return (folder, (w, h), look) == (self.folder, self.size_px, self.look)

        def done(picture: Picture) -> None:
            if settled():
                self.pictures[source] = picture
                self.update()

        def failed(exc: BaseException) -> None:
            if settled():
                self.failed[source] = exc.message if isinstance(exc, StudioError) else f"{Path(source).name} could not be shown."
                self.update()

        self.jobs.start(work, f"preview:{source}", "Preparing the preview", done, failed, settled, lane="io")

    def _fetch_captions(self) -> None:
        wanted = sorted({(tuple(c.lines), getattr(c, "spoken", None)) for c in self.cues} - set(self.captions),
                        key=lambda key: (key[0], -1 if key[1] is None else key[1]))
        if not wanted:
            return
        folder, (w, h), look = self.folder, self.size_px, self.look

        def done(drawn: dict) -> None:
            if (folder, (w, h), look) == (self.folder, self.size_px, self.look):
                self.captions.update(drawn)
                self.update()

        def failed(exc: BaseException) -> None:  # the caption font cannot be read: said in the frame's place
            if (folder, (w, h), look) == (self.folder, self.size_px, self.look):
                self.captions.update({key: None for key in wanted})
                self.caption_problem = exc.message if isinstance(exc, StudioError) else "The captions could not be drawn."
                self.setToolTip(self.caption_problem)
                self.update()

        self.jobs.start(lambda _state: draw_captions(wanted, w, h, look.captions, folder), "preview-captions",
                        "Drawing captions", done, failed, lane="io")


def _zoom(clip) -> float:
    return clip.pan_zoom.max_zoom if clip.pan_zoom else 1.0


def install_preview(window: QMainWindow, preview: Preview) -> QDockWidget:
    """The Preview dock under the Images dock, on the window's right (View ▸ Preview)."""
    dock = QDockWidget("Preview", window)
    dock.setObjectName("preview_dock")
    dock.setWidget(preview)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    images = getattr(getattr(window, "images", None), "dock", None)
    if images is not None:
        window.splitDockWidget(images, dock, Qt.Orientation.Vertical)
        window.resizeDocks([images, dock], [420, 330], Qt.Orientation.Vertical)
    else:
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    view = next((a.menu() for a in window.menuBar().actions() if a.text() == "V&iew"), None)
    if view is not None:
        toggle = dock.toggleViewAction()
        toggle.setText("&Preview")
        view.addAction(toggle)
    return dock


__all__ = ["Picture", "Preview", "frame_size", "install_preview", "prepare_picture"]
