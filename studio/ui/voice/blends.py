"""Voice ▸ Blends…: mix two or more of the engine's voices by weight, hear it, name it.

A saved blend (`Project.save_blend`, undoable) is listed first in the inspector's voice
choice; a line that uses it renders with the blend's spec ("af_heart:0.7,am_adam:0.3").
The preview renders a short phrase in a job and plays it; it is not a take.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.jobs.pipeline import encode_wav
from studio.storage import atomic_write_bytes
from studio.ui.shell import theme

PREVIEW_KEY = "blend:preview"
PREVIEW_FILE = Path(".stitch") / "preview" / "blend.wav"
PHRASE = "Here is how this voice sounds in a sentence of narration."


def blend_spec(weights: dict[str, int]) -> str:
    """{"af_heart": 70, "am_adam": 30} → "af_heart:0.7,am_adam:0.3" (shares of the whole)."""
    total = sum(w for w in weights.values() if w > 0) or 1
    return ",".join(f"{voice}:{round(w / total, 2):g}" for voice, w in weights.items() if w > 0)


def spec_weights(spec: str) -> dict[str, int]:
    weights = {}
    for part in spec.split(","):
        voice, _, weight = part.partition(":")
        if voice.strip():
            weights[voice.strip()] = max(1, round(float(weight or 1) * 100))
    return weights


def preview_job(engine, spec: str, phrase: str, speed: float, target: Path):
    """Worker side: render the phrase with the blend into `target` (not a take)."""
    def run(state):
        request = engine.request(phrase, spec, speed)
        atomic_write_bytes(target, encode_wav(engine.synthesize(request, state)))
        return target

    return run


class BlendsDialog(QDialog):
    def __init__(self, project, window):
        super().__init__(window)
        self.project = project
        self.window_ = window
        self.rows: dict[str, tuple[QSlider, QLabel, QWidget]] = {}
        self.setWindowTitle("Voice blends")
        self.setModal(False)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(18, 16, 18, 14)
        outer.setSpacing(16)

        side = QVBoxLayout()
        side.addWidget(_heading("Saved blends"))
        self.saved = QListWidget()
        self.saved.currentItemChanged.connect(self._blend_picked)
        side.addWidget(self.saved, 1)
        self.delete_button = QPushButton("Delete blend")
        self.delete_button.clicked.connect(self.delete_selected)
        side.addWidget(self.delete_button)
        outer.addLayout(side, 2)

        main = QVBoxLayout()
        main.addWidget(_heading("Voices in the blend"))
        self.voice_rows = QVBoxLayout()
        self.voice_rows.setSpacing(4)
        main.addLayout(self.voice_rows)
        add_row = QHBoxLayout()
        self.voice_choice = QComboBox()
        self.voice_choice.setMinimumContentsLength(12)
        self.add_voice_button = QPushButton("Add voice")
        self.add_voice_button.clicked.connect(lambda: self.add_voice(self.voice_choice.currentText()))
        add_row.addWidget(self.voice_choice, 1)
        add_row.addWidget(self.add_voice_button)
        main.addLayout(add_row)
        main.addStretch(1)
        self.phrase = QLineEdit(PHRASE)
        self.phrase.setToolTip("What the preview says")
        preview_row = QHBoxLayout()
        self.preview_button = QPushButton("▶  Preview")
        self.preview_button.clicked.connect(self.preview)
        preview_row.addWidget(self.phrase, 1)
        preview_row.addWidget(self.preview_button)
        main.addLayout(preview_row)
        save_row = QHBoxLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("Name, e.g. Warm narrator")
        self.name.returnPressed.connect(self.save)
        self.save_button = QPushButton("Save blend")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        save_row.addWidget(self.name, 1)
        save_row.addWidget(self.save_button)
        main.addLayout(save_row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        main.addWidget(self.message)
        outer.addLayout(main, 5)

        self._unsubscribe = project.subscribe(lambda _event, _line: self.refresh_saved())
        self.finished.connect(lambda _result: self._unsubscribe())
        window.voice.engine_ready.connect(lambda _info: self.refresh_voices())
        self.resize(720, 420)
        self.refresh_saved()
        self.refresh_voices()

    # -- what is shown -------------------------------------------------------------------
    def voices(self) -> list[str]:
        info = self.window_.voice.info
        return list(info.voices) if info is not None else []

    def refresh_voices(self) -> None:
        voices = self.voices()
        self.voice_choice.clear()
        self.voice_choice.addItems([v for v in voices if v not in self.rows])
        self.add_voice_button.setEnabled(bool(voices))
        if not voices:
            self.say("The voice engine is starting: its voices appear here when it is ready.")
        elif not self.rows:
            for voice in voices[:2]:
                self.add_voice(voice, 50)
            self.say("")

    def refresh_saved(self) -> None:
        current = self.saved.currentItem().text() if self.saved.currentItem() else None
        self.saved.blockSignals(True)
        self.saved.clear()
        for name, spec in sorted(self.project.blends().items()):
            item = QListWidgetItem(name)
            item.setToolTip(spec)
            item.setData(Qt.ItemDataRole.UserRole, spec)
            self.saved.addItem(item)
            if name == current:
                self.saved.setCurrentItem(item)
        self.saved.blockSignals(False)
        self.delete_button.setEnabled(self.saved.count() > 0)

    def weights(self) -> dict[str, int]:
        return {voice: slider.value() for voice, (slider, _label, _row) in self.rows.items()}

    def spec(self) -> str:
        return blend_spec(self.weights())

    def say(self, text: str, problem: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {theme.STATE_LOOK['failed'][1] if problem else theme.MUTED};")

    # -- the blend being made --------------------------------------------------------------
    def add_voice(self, voice: str, weight: int = 50) -> None:
        if not voice or voice in self.rows:
            return
        holder = QWidget()  # one row: removing the voice is one deleteLater
        line = QHBoxLayout(holder)
        line.setContentsMargins(0, 0, 0, 0)
        name = QLabel(voice)
        name.setMinimumWidth(90)
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(1, 100)
        slider.setValue(weight)
        slider.setAccessibleName(f"Weight of {voice}")
        share = QLabel()
        share.setMinimumWidth(44)
        remove = QToolButton()
        remove.setText("✕")
        remove.setToolTip(f"Take {voice} out of the blend")
        for widget, stretch in ((name, 0), (slider, 1), (share, 0), (remove, 0)):
            line.addWidget(widget, stretch)
        self.voice_rows.addWidget(holder)
        self.rows[voice] = (slider, share, holder)
        slider.valueChanged.connect(lambda _v: self._show_shares())
        remove.clicked.connect(lambda: self.remove_voice(voice))
        self._show_shares()
        self.refresh_voices_choice()

    def remove_voice(self, voice: str) -> None:
        _slider, _share, holder = self.rows.pop(voice)
        self.voice_rows.removeWidget(holder)
        holder.deleteLater()
        self._show_shares()
        self.refresh_voices_choice()

    def refresh_voices_choice(self) -> None:
        self.voice_choice.clear()
        self.voice_choice.addItems([v for v in self.voices() if v not in self.rows])

    def set_weights(self, weights: dict[str, int]) -> None:
        for voice in list(self.rows):
            self.remove_voice(voice)
        for voice, weight in weights.items():
            self.add_voice(voice, min(100, weight))

    def _show_shares(self) -> None:
        total = sum(self.weights().values()) or 1
        for slider, share, _holder in self.rows.values():
            share.setText(f"{slider.value() / total:.0%}")
        ready = len(self.rows) >= 2
        self.save_button.setEnabled(ready)
        self.preview_button.setEnabled(bool(self.rows))

    def _blend_picked(self, item, _previous) -> None:
        if item is not None:
            self.name.setText(item.text())
            self.set_weights(spec_weights(item.data(Qt.ItemDataRole.UserRole)))

    # -- the creator's intents ------------------------------------------------------------
    def save(self) -> bool:
        if len(self.rows) < 2:
            self.say("Pick two voices or more to blend.", problem=True)
            return False
        try:
            self.project.save_blend(self.name.text(), self.spec())
        except StudioError as exc:
            self.say(exc.message, problem=True)
            return False
        self.say(f"Saved “{self.name.text().strip()}”: pick it in a line's voice choice.")
        self.refresh_saved()
        self.window_.editor.inspector.refresh_voices()
        return True

    def delete_selected(self) -> None:
        item = self.saved.currentItem()
        if item is not None:
            try:
                self.project.delete_blend(item.text())
            except StudioError as exc:
                self.say(exc.message, problem=True)
                return
            self.refresh_saved()
            self.window_.editor.inspector.refresh_voices()

    def preview(self) -> bool:
        voice = self.window_.voice
        if voice.voicing is None or not voice.ready or not self.rows:
            self.say("The voice engine is starting: preview again in a moment.", problem=True)
            return False
        target = Path(self.project.folder) / PREVIEW_FILE
        speed = float(self.project.manifest.speed)
        try:
            engine = voice.voicing.engine()
        except StudioError as exc:
            self.say(exc.message, problem=True)
            return False

        def done(path):
            if self.isVisible():
                self.say("")
            voice.player.play(path)

        def failed(exc: BaseException):
            self.say(exc.message if isinstance(exc, StudioError) else f"The preview could not be rendered: {exc}.", problem=True)

        self.say("Rendering the preview…")
        self.window_.jobs.start(preview_job(engine, self.spec(), self.phrase.text().strip() or PHRASE, speed, target),
                                PREVIEW_KEY, "Previewing a blend", done, failed)
        return True


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading")
    return label
