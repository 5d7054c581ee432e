"""Edit ▸ Project Settings…: per task the draft and final engine, the final engine's
address, model and voice, its API key (and the same for a draft engine that is a
hosted service), and the project's budget; the Video page (`look.py`: how pictures of
another shape are fitted, the captions' style); and two of the
creator's own settings that go with paid renders: whether new takes are checked by
listening to them, and the amount under which a final render is not asked about.

Routing, engine settings and the budget go through the manifest API and are saved
with the project (`stitch.toml`). The creator's settings are the studio's, for every
project (`settings.json` in the settings folder). An API key goes to the OS keyring
through `secrets.set_key` and nowhere else: not the project, not the settings file.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
)

from studio.engines import secrets
from studio.errors import StudioError
from studio.ui.settings.look import LookForm
from studio.project.manifest import TASK_NAMES
from studio.ui.shell import theme

TASKS = TASK_NAMES  # a tab per routed task: voice, transcription, images, cleanup, planning
FIELDS = ("base_url", "model", "voice")  # what the form edits under [engines.<id>]
STORED = "The key is stored in the system keyring."
PLAN_NOTE = ("Tools ▸ Plan… asks the final planner, else the draft one. SmolLM2 runs on this computer; "
             "a model you serve (Ollama, llama.cpp) is OpenAI-compatible chat at its base URL.")


def open_settings(window) -> bool:
    """Show the project's settings; True when the creator saved changes."""
    if window.project is None:
        window.say("Open a project to change its settings.")
        return False
    dialog = ProjectSettingsDialog(window)
    saved = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    return saved


class _EngineForm:
    """The settings of one routed engine (the final one, or a draft one that is hosted):
    its address, model and voice under `[engines.<id>]`, and its API key (keyring only)."""

    def __init__(self, task: str, dialog: "ProjectSettingsDialog", engine_id):
        self.dialog, self.engine_id = dialog, engine_id  # engine_id(): the id the task's combo box names now
        self.fields = {name: QLineEdit() for name in FIELDS if name != "voice" or task == "tts"}
        self.fields["base_url"].setPlaceholderText("the engine's own address (e.g. https://api.openai.com/v1)")
        self.fields["model"].setPlaceholderText("the engine's default model")
        if "voice" in self.fields:
            self.fields["voice"].setPlaceholderText("the engine's default voice")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_note = _hint()

    def widgets(self) -> list:
        return [*self.fields.values(), self.key, self.key_note]

    def add_rows(self, form: QFormLayout) -> None:
        for name, label in (("base_url", "Base URL"), ("model", "Model"), ("voice", "Voice")):
            if name in self.fields:
                form.addRow(label, self.fields[name])
        form.addRow("API key", self.key)
        form.addRow("", self.key_note)

    def engine_settings(self) -> dict:
        """The engine's settings as they will be saved: the form's fields over the others."""
        engine_id = self.engine_id()
        settings = self.dialog.project.manifest.engine_settings(engine_id) if engine_id else {}
        for name, edit in self.fields.items():
            value = edit.text().strip()
            if value:
                settings[name] = value
            else:
                settings.pop(name, None)
        return settings

    def key_service(self) -> str | None:
        """The keyring entry the engine reads its key from (None: it takes no key)."""
        engine_id = self.engine_id()
        if not engine_id:
            return None
        engine = self.dialog.registry.configured(engine_id, self.engine_settings())
        return getattr(engine, "key_service", None) or None

    def load(self) -> None:
        """Show what stitch.toml holds for the engine now named."""
        engine_id = self.engine_id()
        current = self.dialog.project.manifest.engine_settings(engine_id) if engine_id else {}
        for name, edit in self.fields.items():
            edit.setText(str(current.get(name, "")))
            edit.setEnabled(bool(engine_id))
        self.key.clear()
        self.show_key_state()

    def show_key_state(self, note: str = "") -> None:
        try:
            service = self.key_service()
        except StudioError as exc:
            service, note = None, note or exc.message
        self.key.setEnabled(service is not None)
        if service is None:
            self.key.setPlaceholderText("")
            self.key_note.setText(note or ("No final engine: nothing needs a key." if not self.engine_id()
                                           else "This engine runs without an API key."))
            return
        has_key = secrets.get_key(service) is not None
        self.key.setPlaceholderText("a key is set: type a new one to replace it" if has_key
                                    else f"the key for {secrets.service_name(service)}")
        self.key_note.setText(note or (
            f"A key for {secrets.service_name(service)} is set (system keyring or environment)." if has_key
            else "Keys are kept in the system keyring, never in the project."))

    def save_key(self) -> None:
        """The typed key into the keyring (a StudioError says why not); nothing typed: nothing done."""
        if not self.key.text().strip():
            return
        try:
            service = self.key_service()
            if service is None:
                raise StudioError(f"{self.engine_id()} runs without an API key: leave the key empty.")
            secrets.set_key(service, self.key.text())
        except StudioError as exc:
            self.show_key_state(exc.message)
            raise
        self.key.clear()
        self.show_key_state(STORED)


class _TaskForm:
    """The widgets of one task's routing: draft, final, and the settings and key of the final
    engine, and of the draft engine when that one is a hosted service."""

    def __init__(self, task: str, dialog: "ProjectSettingsDialog"):
        self.task, self.dialog = task, dialog
        manifest, registry = dialog.project.manifest, dialog.registry
        draft, final = manifest.route(task)
        self.box = QGroupBox(TASKS[task])
        form = QFormLayout(self.box)
        form.setHorizontalSpacing(14)
        ids = registry.ids(task)
        self.draft = QComboBox()
        self.final = QComboBox()
        if task == "plan":  # a plan may come from either; none at all until the creator picks one
            self.draft.addItem("None", "")
        self.final.addItem("None: drafts only" if task != "plan" else "None: the draft planner", "")
        for engine_id in dict.fromkeys(ids + [draft] if draft else ids):
            self.draft.addItem(_label(registry, engine_id), engine_id)
        for engine_id in dict.fromkeys(ids + [final] if final else ids):
            self.final.addItem(_label(registry, engine_id), engine_id)
        self.draft.setCurrentIndex(max(0, self.draft.findData(draft)))
        self.final.setCurrentIndex(max(0, self.final.findData(final)))
        self.final_form = _EngineForm(task, dialog, self.final_id)
        self.draft_form = _EngineForm(task, dialog, self.draft_id)
        # The fields of the final engine keep the names the rest of the studio (and its tests) know.
        self.fields, self.key, self.key_note = self.final_form.fields, self.final_form.key, self.final_form.key_note
        self.draft_note = _hint("The draft engine is a hosted service: each draft is priced and paid from the budget.")
        self.form = form
        if task == "plan":
            form.addRow(_hint(PLAN_NOTE))
        form.addRow("Draft engine", self.draft)
        form.addRow("", self.draft_note)
        self.draft_form.add_rows(form)
        form.addRow("Final engine", self.final)
        self.final_form.add_rows(form)
        self.draft.currentIndexChanged.connect(lambda _i: self._draft_changed())
        self.final.currentIndexChanged.connect(lambda _i: self._final_changed())
        self._final_changed()

    def final_id(self) -> str:
        return self.final.currentData() or ""

    def draft_id(self) -> str:
        return self.draft.currentData() or ""

    def engine_forms(self) -> list[_EngineForm]:
        """The engine settings this task saves: the final engine's, and a hosted draft engine's."""
        return [self.final_form] + ([self.draft_form] if self.edits_draft() else [])

    def edits_draft(self) -> bool:
        """Whether the draft engine has settings of its own to edit: a hosted one, not also the final."""
        draft = self.draft_id()
        if not draft or draft == self.final_id():
            return False  # the same engine as the final: the final's fields are its settings
        try:
            return not self.dialog.registry.is_local(draft)
        except StudioError:
            return False

    def engine_settings(self) -> dict:
        return self.final_form.engine_settings()

    def key_service(self) -> str | None:
        return self.final_form.key_service()

    def show_key_state(self, note: str = "") -> None:
        self.final_form.show_key_state(note)

    def _final_changed(self) -> None:
        self.final_form.load()
        self._draft_changed()

    def _draft_changed(self) -> None:
        shown = self.edits_draft()
        for widget in [self.draft_note, *self.draft_form.widgets()]:
            self.form.setRowVisible(widget, shown)
        self.draft_form.load()

    def draft_shown(self) -> bool:
        """Whether the hosted draft engine's fields are on the page."""
        return not self.draft_note.isHidden()


class ProjectSettingsDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.project = window.project
        self.registry = window.registry
        self.setWindowTitle("Project settings")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(12)
        intro = QLabel("Drafts render on this computer for free; the final engine renders one asset "
                       "only when you ask, after showing its price.")
        intro.setObjectName("hint")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.tasks = {task: _TaskForm(task, self) for task in TASKS}
        self.pages = QTabWidget()  # one task at a time: four forms at once are taller than a laptop screen
        for task, form in self.tasks.items():
            form.box.setTitle("")
            form.box.setFlat(True)
            self.pages.addTab(form.box, TASKS[task])
        self.look = LookForm(self.project)
        self.pages.addTab(self.look, "Video")
        layout.addWidget(self.pages)
        budget_row = QFormLayout()
        self.budget = QDoubleSpinBox()
        self.budget.setPrefix("$")
        self.budget.setDecimals(2)
        self.budget.setRange(0.0, 1_000_000.0)
        self.budget.setValue(float(self.project.manifest.budget))
        self.budget.setToolTip("What final renders may spend in this project; 0 allows none that cost money")
        budget_row.addRow("Budget cap", self.budget)
        layout.addLayout(budget_row)
        layout.addWidget(self._studio_box())
        self.problem = theme.problem_label()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("primary")
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def _studio_box(self) -> QGroupBox:
        """The creator's settings for every project: take checks, and when to ask before a final render."""
        settings = self.window.settings
        box = QGroupBox("For every project")
        form = QFormLayout(box)
        form.setHorizontalSpacing(14)
        self.check_takes = QCheckBox("compare each new take with its line")
        self.check_takes.setChecked(bool(getattr(settings, "check_takes", True)))
        form.addRow("Check takes", self.check_takes)
        self.ask_under = QDoubleSpinBox()
        self.ask_under.setPrefix("$")
        self.ask_under.setDecimals(2)
        self.ask_under.setRange(0.0, 1000.0)
        self.ask_under.setSpecialValueText("always ask")  # shown at 0
        self.ask_under.setValue(float(getattr(settings, "final_ask_under", 0) or 0))
        self.ask_under.setToolTip("A final render quoted under this amount starts without asking; it is "
                                  "refused as always when it would go over the budget")
        self.always_ask = QPushButton("Always ask")
        self.always_ask.setToolTip("Forget \"don't ask again\": every paid final render asks first")
        self.always_ask.clicked.connect(lambda: self.ask_under.setValue(0.0))
        self.ask_under.valueChanged.connect(lambda value: self.always_ask.setEnabled(value > 0))
        self.always_ask.setEnabled(self.ask_under.value() > 0)
        row = QHBoxLayout()
        row.addWidget(self.ask_under, 1)
        row.addWidget(self.always_ask)
        form.addRow("Don't ask under", row)
        return box

    def save(self) -> bool:
        """Keys to the keyring first (a refusal changes nothing), then the manifest, then the project."""
        self.problem.hide()
        for form in self.tasks.values():
            for engine_form in form.engine_forms():
                try:
                    engine_form.save_key()
                except StudioError as exc:
                    return self._refuse(exc.message)
        manifest = self.project.manifest
        draft_before = manifest.route("tts")[0]
        draft_settings_before = manifest.engine_settings(draft_before) if draft_before else {}
        try:
            for task, form in self.tasks.items():
                manifest.set_route(task, draft=form.draft_id(), final=form.final_id())
                for engine_form in form.engine_forms():
                    engine_id = engine_form.engine_id()
                    if not engine_id:
                        continue
                    settings = engine_form.engine_settings()
                    if settings != manifest.engine_settings(engine_id):
                        manifest.set_engine_settings(engine_id, settings)
            manifest.budget = round(self.budget.value(), 2)
            self.look.apply(manifest)
            manifest.check()
        except StudioError as exc:
            return self._refuse(exc.message)
        window = self.window
        settings = window.settings
        settings.check_takes = self.check_takes.isChecked()
        settings.final_ask_under = round(self.ask_under.value(), 2)
        try:
            settings.save()
        except StudioError as exc:
            return self._refuse(exc.message)
        draft_after = manifest.route("tts")[0]
        if draft_after != draft_before or (draft_after and manifest.engine_settings(draft_after) != draft_settings_before):
            window.voice.bind(self.project)  # a new draft engine: its voices, its keys
            window.voice.warm_up()
        if not window.save():
            return self._refuse("The settings were changed but the project could not be saved: see the message.")
        window.final.refresh()
        if getattr(window, "timeline", None) is not None:
            window.timeline.rebuild()  # the Preview shows the fit and captions just chosen
        window.say("Project settings saved.")
        self.accept()
        return True

    def _refuse(self, message: str) -> bool:
        self.problem.setText(message)
        self.problem.show()
        return False


def _hint(text: str = "") -> QLabel:
    """A wrapped note under a field, two lines high at least: a tab page does not grow for
    a label's wrapped height, so a taller sentence would be cut off."""
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    label.setMinimumHeight(label.fontMetrics().lineSpacing() * 2 + 4)
    return label


def _label(registry, engine_id: str) -> str:
    try:
        label = registry.label(engine_id)
    except StudioError:
        return f"{engine_id} (not installed)"
    return engine_id if label == engine_id else f"{label} · {engine_id}"
