"""The Project settings' Video page: how a picture of another shape is fitted and how the
burned captions look (stitch.toml's `[timeline] fit` and `[captions]`; see project/look.py).
The export and the Preview both read them from the manifest once it is saved."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QColorDialog, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QPushButton, QWidget

from studio.project.folder import creator_files
from studio.project.look import FONT_SUFFIXES, SIZE_RANGE

FITS = (("blur", "Whole, over a blurred copy of itself"), ("subject", "Cut to the video's shape around its subject"))
POSITIONS = (("bottom", "Bottom"), ("middle", "Middle"), ("top", "Top"))
DEFAULT_HIGHLIGHT = "#ffd23f"


class LookForm(QWidget):
    """One page: fit, caption font, size, position and the spoken word's highlight."""

    def __init__(self, project, parent: QWidget | None = None):
        super().__init__(parent)
        manifest = project.manifest
        form = QFormLayout(self)
        form.setHorizontalSpacing(14)
        self.fit = QComboBox()
        for value, label in FITS:
            self.fit.addItem(label, value)
        self.fit.setCurrentIndex(max(0, self.fit.findData(manifest.fit)))
        self.fit.setToolTip("For a picture whose shape is far from the video's, such as a portrait photo in a 16:9 video")
        form.addRow("Picture fit", self.fit)
        self.font = QComboBox()
        self.font.setEditable(True)
        self.font.addItem("The studio's bold sans", "")
        for relative in creator_files(project.folder, FONT_SUFFIXES):
            self.font.addItem(relative, relative)
        at = self.font.findData(manifest.caption_font)
        if at < 0:
            self.font.addItem(manifest.caption_font, manifest.caption_font)
            at = self.font.count() - 1
        self.font.setCurrentIndex(at)
        self.font.setToolTip("A font file (.ttf, .otf) in the project folder or installed on this computer")
        form.addRow("Caption font", self.font)
        self.size = QDoubleSpinBox()
        self.size.setRange(*SIZE_RANGE)
        self.size.setSingleStep(0.1)
        self.size.setDecimals(2)
        self.size.setSuffix(" ×")
        self.size.setValue(float(manifest.caption_size))
        self.size.setToolTip("1.0 is the studio's size, chosen so a full caption line fits the frame")
        form.addRow("Caption size", self.size)
        self.position = QComboBox()
        for value, label in POSITIONS:
            self.position.addItem(label, value)
        self.position.setCurrentIndex(max(0, self.position.findData(manifest.caption_position)))
        form.addRow("Caption position", self.position)
        self.highlight_on = QCheckBox("colour the word being spoken")
        self.highlight_on.setChecked(bool(manifest.caption_highlight))
        self.colour = manifest.caption_highlight or DEFAULT_HIGHLIGHT
        self.colour_button = QPushButton()
        self.colour_button.setToolTip("The spoken word's colour")
        self.colour_button.clicked.connect(self._pick_colour)
        self.highlight_on.toggled.connect(self.colour_button.setEnabled)
        self.colour_button.setEnabled(self.highlight_on.isChecked())
        self._show_colour()
        row = QHBoxLayout()
        row.addWidget(self.highlight_on, 1)
        row.addWidget(self.colour_button)
        form.addRow("Karaoke", row)

    def font_value(self) -> str:
        text = self.font.currentText().strip()
        at = self.font.findText(text)
        return (self.font.itemData(at) or "") if at >= 0 else text

    def apply(self, manifest) -> None:
        """The page's values into the manifest (checked by `manifest.check()` before saving)."""
        manifest.fit = self.fit.currentData()
        manifest.caption_font = self.font_value()
        manifest.caption_size = round(self.size.value(), 2)
        manifest.caption_position = self.position.currentData()
        manifest.caption_highlight = self.colour if self.highlight_on.isChecked() else ""

    def _pick_colour(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.colour), self, "Colour of the word being spoken")
        if chosen.isValid():
            self.colour = chosen.name()
            self._show_colour()

    def _show_colour(self) -> None:
        self.colour_button.setText(self.colour)
        self.colour_button.setStyleSheet(f"background: {self.colour}; color: black;")
