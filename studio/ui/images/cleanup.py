"""Cleanup by hand: draw the box around the subject, or move the project format's frame.

`CleanupDialog` shows the chosen take scaled to fit. For "Remove background" the
creator drags a box around the subject (it starts on the automatic guess); for "Fit
to format" the format's crop frame follows the mouse, clamped to the picture, and the
arrow keys nudge it (Shift: ten times as far). Enter applies, Esc cancels. The picture
is read by a job (`read_picture`, on a worker); the dialog only maps between the
screen and the picture's own pixels, which is what it hands back.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from studio.engines.cleanup import crop_box
from studio.errors import StorageError

SHOWN_SIDE = 1600  # the dialog shows at most this many pixels a side; the cleanup uses the full picture
_MARGIN = 12
_HINTS = {
    "remove_background": "Drag a box around the subject: what lies outside it becomes transparent. "
                         "Enter removes the background, Esc cancels.",
    "fit_to_format": "Drag the frame (or use the arrow keys, Shift for bigger steps) to choose what the "
                     "{fmt} picture keeps. Enter crops, Esc cancels.",
}


def read_picture(path: str, find_subject: bool = False) -> tuple[QImage, tuple[int, int], tuple | None]:
    """Worker side: (the picture at most SHOWN_SIDE a side, its full (width, height), the
    automatic subject box in full-size pixels when asked). QImage is safe off the UI thread."""
    reader = QImageReader(path)
    reader.setAutoTransform(False)  # the cleanup reads the stored pixels, unrotated: show those
    full = reader.size()
    if full.isValid() and max(full.width(), full.height()) > SHOWN_SIDE:
        reader.setScaledSize(full.scaled(SHOWN_SIDE, SHOWN_SIDE, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise StorageError(f"{path.rsplit('/', 1)[-1]} could not be read as a picture: save it again as PNG or JPEG.")
    size = (full.width(), full.height()) if full.isValid() else (image.width(), image.height())
    box = _subject_box(image, size) if find_subject else None
    return image, size, box


def _subject_box(image: QImage, size: tuple[int, int]) -> tuple[int, int, int, int]:
    import numpy as np

    from studio.engines.cleanup import subject_box

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(rgb.constBits(), np.uint8, rgb.bytesPerLine() * rgb.height()).reshape(rgb.height(), -1)
    pixels = np.ascontiguousarray(rows[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3))
    x, y, w, h = subject_box(pixels)
    sx, sy = size[0] / rgb.width(), size[1] / rgb.height()
    return round(x * sx), round(y * sy), max(2, round(w * sx)), max(2, round(h * sy))


class CleanupView(QWidget):
    """The picture scaled to fit, with the box (remove background) or the crop frame (fit)."""

    changed = Signal()

    def __init__(self, operation: str, fmt: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.operation, self.fmt = operation, fmt
        self.image: QImage | None = None
        self.size_px = (0, 0)  # the full picture's (width, height): every value handed back is in these pixels
        self.box: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1 (remove background)
        self.centre = (0.0, 0.0)  # the crop frame's centre (fit to format)
        self._anchor: QPointF | None = None
        self._previous = None  # the box before a drag began, kept when the drag was only a click
        self._grab: tuple[float, float] | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.setMinimumSize(360, 260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor if operation == "remove_background" else Qt.CursorShape.SizeAllCursor)

    # -- what the creator chose, in the picture's pixels ----------------------------------
    def set_picture(self, image: QImage, size: tuple[int, int], box=None, focus=(0.5, 0.5)) -> None:
        self.image, self.size_px = image, (int(size[0]), int(size[1]))
        width, height = self.size_px
        if box is not None:
            x, y, w, h = box
            self.box = (float(x), float(y), float(x + w), float(y + h))
        x, y, w, h = crop_box(width, height, self.fmt, focus)
        self.centre = (x + w / 2, y + h / 2)
        self.update()
        self.changed.emit()

    @property
    def ready(self) -> bool:
        return self.image is not None

    def subject_rect(self) -> tuple[int, int, int, int] | None:
        if self.box is None:
            return None
        x0, y0, x1, y1 = (round(v) for v in self.box)
        return x0, y0, x1 - x0, y1 - y0

    def focus(self) -> tuple[float, float]:
        width, height = self.size_px
        return (self.centre[0] / width, self.centre[1] / height) if width and height else (0.5, 0.5)

    def frame(self) -> tuple[int, int, int, int]:
        """The crop the cleanup will make with `focus()`, in the picture's pixels."""
        return crop_box(self.size_px[0], self.size_px[1], self.fmt, self.focus())

    # -- screen ↔ picture -----------------------------------------------------------------
    def picture_rect(self) -> QRectF:
        """Where the picture is drawn: scaled to fit inside the margins, centred."""
        width, height = self.size_px
        room = QRectF(self.contentsRect()).adjusted(_MARGIN, _MARGIN, -_MARGIN, -_MARGIN)
        if not width or not height or room.width() <= 0 or room.height() <= 0:
            return QRectF()
        scale = min(room.width() / width, room.height() / height)
        w, h = width * scale, height * scale
        return QRectF(room.center().x() - w / 2, room.center().y() - h / 2, w, h)

    def to_picture(self, point: QPointF) -> tuple[float, float]:
        """A point on screen as picture pixels, clamped to the picture."""
        shown = self.picture_rect()
        width, height = self.size_px
        x = (point.x() - shown.x()) * width / shown.width()
        y = (point.y() - shown.y()) * height / shown.height()
        return min(max(x, 0.0), float(width)), min(max(y, 0.0), float(height))

    def to_screen(self, x: float, y: float) -> QPointF:
        shown = self.picture_rect()
        width, height = self.size_px
        return QPointF(shown.x() + x * shown.width() / width, shown.y() + y * shown.height() / height)

    def _screen_rect(self, x0: float, y0: float, x1: float, y1: float) -> QRectF:
        return QRectF(self.to_screen(x0, y0), self.to_screen(x1, y1)).normalized()

    # -- the hand -------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if not self.ready or event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        x, y = self.to_picture(event.position())
        if self.operation == "remove_background":
            self._anchor = QPointF(x, y)
            self._previous = self.box
            self.box = (x, y, x, y)
        else:
            fx, fy, fw, fh = self.frame()
            inside = fx <= x <= fx + fw and fy <= y <= fy + fh
            self._grab = (self.centre[0] - x, self.centre[1] - y) if inside else (0.0, 0.0)
            self._move_frame(x + self._grab[0], y + self._grab[1])
        self.update()

    def mouseMoveEvent(self, event) -> None:
        if not self.ready:
            return super().mouseMoveEvent(event)
        x, y = self.to_picture(event.position())
        if self._anchor is not None:
            self.box = (min(self._anchor.x(), x), min(self._anchor.y(), y), max(self._anchor.x(), x), max(self._anchor.y(), y))
            self.update()
        elif self._grab is not None:
            self._move_frame(x + self._grab[0], y + self._grab[1])

    def mouseReleaseEvent(self, event) -> None:
        if self._anchor is not None:
            self.mouseMoveEvent(event)
            self._anchor = None
            x0, y0, x1, y1 = self.box
            if x1 - x0 < 2 or y1 - y0 < 2:  # a click, not a box: keep the one there was
                self.box = self._previous
            self.update()
            self.changed.emit()
        elif self._grab is not None:
            self.mouseMoveEvent(event)
            self._grab = None
            self.changed.emit()

    def keyPressEvent(self, event) -> None:
        steps = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        if self.operation != "fit_to_format" or not self.ready or event.key() not in steps:
            return super().keyPressEvent(event)  # Enter and Esc reach the dialog
        dx, dy = steps[event.key()]
        far = 10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1
        nudge = max(1.0, 0.01 * max(self.size_px)) * far
        self._move_frame(self.centre[0] + dx * nudge, self.centre[1] + dy * nudge)
        self.changed.emit()

    def _move_frame(self, cx: float, cy: float) -> None:
        """The frame's centre at (cx, cy), clamped so the frame stays on the picture."""
        width, height = self.size_px
        _, _, fw, fh = crop_box(width, height, self.fmt)
        self.centre = (min(max(cx, fw / 2), width - fw / 2), min(max(cy, fh / 2), height - fh / 2))
        self.update()

    # -- drawing --------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.contentsRect(), QColor("#1d1f23"))
        if not self.ready:
            painter.setPen(QColor("#9aa0a6"))
            painter.drawText(self.contentsRect(), Qt.AlignmentFlag.AlignCenter, "Reading the picture…")
            return
        shown = self.picture_rect()
        painter.drawImage(shown, self.image)
        if self.operation == "remove_background":
            keep = self._screen_rect(*self.box) if self.box is not None else None
        else:
            x, y, w, h = self.frame()
            keep = self._screen_rect(x, y, x + w, y + h)
        if keep is None:
            return
        outside = QPainterPath()
        outside.addRect(shown)
        inside = QPainterPath()
        inside.addRect(keep)
        painter.fillPath(outside.subtracted(inside), QColor(0, 0, 0, 140))
        painter.setPen(QPen(QColor("#ffd54f"), 2, Qt.PenStyle.DashLine if self._anchor is not None else Qt.PenStyle.SolidLine))
        painter.drawRect(keep)
        if self.operation == "fit_to_format":
            centre = keep.center()
            painter.setPen(QPen(QColor("#ffd54f"), 1.5))
            painter.drawLine(centre - QPointF(8, 0), centre + QPointF(8, 0))
            painter.drawLine(centre - QPointF(0, 8), centre + QPointF(0, 8))
            painter.setPen(QColor(255, 255, 255, 200))
            painter.drawText(keep.adjusted(6, 4, -6, -4), Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft, self.fmt)


class CleanupDialog(QDialog):
    """The view, one sentence of help, Apply and Cancel. `values()` is what the cleanup gets."""

    def __init__(self, operation: str, fmt: str, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.operation = operation
        self.setWindowTitle(title)
        self.view = CleanupView(operation, fmt)
        self.hint = QLabel(_HINTS[operation].format(fmt=fmt))
        self.hint.setWordWrap(True)
        self.hint.setObjectName("hint")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.apply_button.setText("Remove background" if operation == "remove_background" else f"Crop to {fmt}")
        self.apply_button.setDefault(True)
        self.apply_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.view.changed.connect(self._changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.resize(760, 560)

    def show_picture(self, image: QImage, size: tuple[int, int], box=None) -> None:
        self.view.set_picture(image, size, box)
        self.view.setFocus()

    def show_problem(self, message: str) -> None:
        self.hint.setText(message)

    def _changed(self) -> None:
        usable = self.view.ready and (self.operation != "remove_background" or self.view.subject_rect() is not None)
        self.apply_button.setEnabled(usable)

    def accept(self) -> None:
        if self.apply_button.isEnabled():
            super().accept()

    def values(self) -> dict:
        """The cleanup's arguments: {"rect": (x, y, w, h)} or {"focus": (fx, fy)}, in the picture's pixels."""
        if self.operation == "remove_background":
            return {"rect": self.view.subject_rect()}
        return {"focus": self.view.focus()}
