"""Tools ▸ Models…: every model the catalogue knows, whether it is on this machine and
where; download (the size asked about first; progress, cancel, resume), remove, and
register a folder of weights the creator already has.

Everything that touches the disk or the network runs as a job on the "io" lane: a
download never waits behind a voice render, and checking a folder's checksums never
freezes the window. A cancelled download keeps its `.incomplete` files, so the next
Download goes on from where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from studio.models import addons, pool
from studio.errors import Cancelled, StudioError

MODEL_ID = Qt.ItemDataRole.UserRole + 1
COLUMNS = ["Model", "Task", "Size", "Licence", "On this machine"]
LIST_KEY = "models:list"
ADDONS = "torch-engines"  # the add-on's job runs under model_key(ADDONS)
ADDONS_STATE_KEY = "models:addons"


def model_key(model_id: str) -> str:
    return f"model:{model_id}"


@dataclass(frozen=True)
class ModelRow:
    """What one row shows; gathered on a worker (checking presence may hash files)."""

    id: str
    name: str
    task: str
    size: str
    license: str
    where: str  # "" when absent
    downloadable: bool


def list_models(store, _state=None) -> list[ModelRow]:
    rows = []
    for raw in store.catalogue():
        stored = store.get(raw["id"])
        rows.append(ModelRow(raw["id"], raw.get("name", raw["id"]), raw.get("task", ""), store.download_size(raw["id"]),
                             raw.get("license", ""), str(stored.path) if stored is not None else "",
                             bool(raw.get("repo"))))
    return rows


def show_models(window) -> "ModelsWindow":
    panel = window.findChild(ModelsWindow)
    if panel is None:
        panel = ModelsWindow(window.registry.store, window.jobs, window)
    panel.refresh()
    panel.show()
    panel.raise_()
    panel.activateWindow()
    return panel


class ModelsWindow(QDialog):
    def __init__(self, store, jobs, parent=None):
        super().__init__(parent)
        self.store, self.jobs = store, jobs
        self.rows: dict[str, ModelRow] = {}
        self.setWindowTitle("Models")
        self.setModal(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        self.table = QTreeWidget()
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHeaderLabels(COLUMNS)
        self.table.setRootIsDecorated(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.currentItemChanged.connect(lambda *_: self._buttons())
        layout.addWidget(self.table, 1)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        layout.addWidget(self.progress)

        buttons = QHBoxLayout()
        self.download_button = QPushButton("Download…")
        self.download_button.setObjectName("primary")
        self.cancel_button = QPushButton("Cancel download")
        self.remove_button = QPushButton("Remove")
        self.register_button = QPushButton("Register a folder…")
        self.register_button.setToolTip("Use weights you already have, where they are (nothing is copied)")
        self.download_button.clicked.connect(lambda: self.download(self.selected()))
        self.cancel_button.clicked.connect(lambda: self.cancel(self.selected()))
        self.remove_button.clicked.connect(lambda: self.remove(self.selected()))
        self.register_button.clicked.connect(lambda: self.register_folder(self.selected()))
        self.unload_button = QPushButton("Unload")
        self.unload_button.setToolTip("Free the memory this model takes now; it loads again when next used")
        self.unload_button.clicked.connect(lambda: self.unload(self.selected()))
        self.addons_button = QPushButton("Install torch engines…")
        self.addons_button.clicked.connect(lambda: self.install_or_remove_addons())
        self.addons_present: addons.Installed | None = None
        for button in (self.download_button, self.cancel_button, self.remove_button, self.register_button,
                       self.unload_button, self.addons_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        jobs.progress.connect(self._progress)
        self.resize(860, 360)
        self._buttons()

    # -- the list ----------------------------------------------------------------------
    def refresh(self) -> None:
        store = self.store
        self.jobs.start(lambda state: list_models(store, state), LIST_KEY, "Looking at the models",
                        self._fill, self._failed, lane="io")
        self.jobs.start(lambda state: addons.installed(), ADDONS_STATE_KEY, "Looking at the torch engines",
                        self._show_addons, self._failed, lane="io")

    def _fill(self, rows: list[ModelRow]) -> None:
        selected = self.selected()
        self.rows = {row.id: row for row in rows}
        self.table.clear()
        for row in rows:
            item = QTreeWidgetItem([row.name, row.task, row.size, row.license, self._where(row)])
            item.setData(0, MODEL_ID, row.id)
            item.setToolTip(0, row.id)
            item.setToolTip(4, row.where or "Not on this machine")
            self.table.addTopLevelItem(item)
            if row.id == selected or (selected is None and self.table.currentItem() is None):
                self.table.setCurrentItem(item)
        self._buttons()

    def _where(self, row: ModelRow) -> str:
        if self.jobs.running(model_key(row.id)):
            ticket = self.jobs.ticket(model_key(row.id))
            return f"downloading… {ticket.fraction:.0%}" if ticket else "downloading…"
        memory = _in_memory().get(row.id)
        loaded = f" · in memory, about {memory:,.0f} MB" if memory is not None else ""
        return (f"✓ {row.where}" if row.where else "not here") + loaded

    def selected(self) -> str | None:
        item = self.table.currentItem()
        return item.data(0, MODEL_ID) if item is not None else None

    def _buttons(self) -> None:
        row = self.rows.get(self.selected() or "")
        busy = row is not None and self.jobs.running(model_key(row.id))
        self.download_button.setEnabled(row is not None and not row.where and row.downloadable and not busy)
        self.download_button.setToolTip("" if row is None or row.downloadable else
                                         "This model is not downloaded: it is built from packages, or registered.")
        self.cancel_button.setVisible(busy)
        self.remove_button.setEnabled(row is not None and bool(row.where) and not busy)
        self.register_button.setEnabled(row is not None and not busy)
        self.unload_button.setEnabled(row is not None and row.id in _in_memory())
        installing = self.jobs.running(model_key(ADDONS))
        self.addons_button.setText("Cancel torch install" if installing else
                                   "Remove torch engines…" if self.addons_present else "Install torch engines…")

    # -- the creator's intents -------------------------------------------------------
    def download(self, model_id: str | None) -> bool:
        row = self.rows.get(model_id or "")
        if row is None or row.where or self.jobs.running(model_key(row.id)):
            return False
        try:
            entry = self.store.entry(row.id)
        except StudioError as exc:
            return self._say(exc.message)
        if not self._ask(f"Download {entry.name}?",
                         f"{row.size} from {entry.repo or entry.source}. A download that stops goes on from "
                         "where it stopped next time.", "Download"):
            return False
        store = self.store
        self.progress.setValue(0)
        self.progress.show()
        self._run(lambda state: store.pull(row.id, state.set_progress, state), row.id,
                  f"Downloading {entry.name}", f"{entry.name} is ready at {{path}}.")
        return True

    def cancel(self, model_id: str | None) -> None:
        if model_id is not None:
            self.jobs.cancel(model_key(model_id))

    def remove(self, model_id: str | None) -> bool:
        row = self.rows.get(model_id or "")
        if row is None or not row.where:
            return False
        if not self._ask(f"Remove {row.name}?", f"The studio forgets the weights at {row.where}; it deletes them "
                         "only if it downloaded them itself.", "Remove"):
            return False
        store = self.store
        self._run(lambda state: store.remove(row.id), row.id, f"Removing {row.name}", f"{row.name} was removed.")
        return True

    def register_folder(self, model_id: str | None, folder: str | None = None) -> bool:
        row = self.rows.get(model_id or "")
        if row is None:
            return False
        folder = folder or QFileDialog.getExistingDirectory(self, f"The folder that holds {row.name}")
        if not folder:
            return False
        store = self.store
        self._run(lambda state: store.add(row.id, folder), row.id, f"Checking {row.name} in {folder}",
                  f"{row.name} is registered at {{path}}.")
        return True

    def unload(self, model_id: str | None) -> bool:
        """Free a loaded model's memory now (it loads again, by itself, when next used)."""
        row = self.rows.get(model_id or "")
        if row is None or not pool.default_pool().unload_model(row.id):
            return False
        self._say(f"{row.name} was unloaded from memory.")
        self._fill(list(self.rows.values()))
        return True

    # -- the torch engines: an add-on outside the bundle (studio/models/addons.py) ----------
    def _show_addons(self, present) -> None:
        self.addons_present = present
        self.addons_button.setToolTip(f"Installed: {present.summary()}" if present else
                                      "kokoro (torch) and diffusers need torch, which the studio does not carry")
        self._buttons()

    def install_or_remove_addons(self, plan=None) -> bool:
        """Ask with the download size first; install (progress, cancel) or remove as a job."""
        if self.jobs.running(model_key(ADDONS)):  # the button reads "Cancel torch install"
            self.jobs.cancel(model_key(ADDONS))
            return False
        plan = plan or addons.plan()
        if self.addons_present is not None:
            if not self._ask("Remove the torch engines?", f"{self.addons_present.summary()}. The kokoro (torch) "
                             "and diffusers engines stop working until they are installed again.", "Remove"):
                return False
            self._run(lambda state: addons.remove(plan.root), ADDONS, "Removing the torch engines",
                      "The torch engines were removed.")
            return True
        if not self._ask("Install the torch engines?",
                         f"The kokoro (torch) and diffusers engines need torch, which the studio does not carry. "
                         f"For this machine: {plan.flavour.label}, {plan.flavour.size()}, into {plan.target}.",
                         "Install"):
            return False
        self.progress.setValue(0)
        self.progress.show()
        self._run(lambda state: addons.install(plan, state), ADDONS, "Installing the torch engines",
                  "The torch engines are installed at {path}.")
        return True

    def _run(self, fn, model_id: str, label: str, success: str) -> None:
        def done(result):
            path = getattr(result, "path", "")
            self._say(success.format(path=path))
            self._ended()

        def failed(exc: BaseException):
            if isinstance(exc, Cancelled):
                return cancelled()
            self._say(exc.message if isinstance(exc, StudioError) else f"{label} failed: {type(exc).__name__}: {exc}.")
            self._ended()

        def cancelled():
            self._say("The download stopped; Download goes on from where it stopped.")
            self._ended()

        self.jobs.start(fn, model_key(model_id), label, done, failed, cancelled, lane="io")
        self._say(f"{label}…")
        self._buttons()

    def _ended(self) -> None:
        if not any(t.key.startswith("model:") for t in self.jobs.tickets()):
            self.progress.hide()
        self.refresh()

    def _progress(self, key: str, fraction: float, message: str) -> None:
        if not key.startswith("model:"):
            return
        self.progress.setValue(int(fraction * 1000))
        self.progress.show()
        if message:
            self.message.setText(message)
        for i in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(i)
            row = self.rows.get(item.data(0, MODEL_ID))
            if row is not None and model_key(row.id) == key:
                item.setText(4, self._where(row))

    def _failed(self, exc: BaseException) -> None:
        self._say(exc.message if isinstance(exc, StudioError) else f"The models could not be listed: {exc}.")

    def _say(self, text: str) -> bool:
        self.message.setText(text)
        return False

    def _ask(self, question: str, detail: str, yes: str) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Models")
        box.setText(question)
        box.setInformativeText(detail)
        accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(accept)
        box.exec()
        return box.clickedButton() is accept


def _in_memory() -> dict[str, float]:
    """Model id -> MB held, for the models loaded in this process now."""
    held: dict[str, float] = {}
    for entry in pool.default_pool().loaded():
        held[entry.model_id] = held.get(entry.model_id, 0.0) + entry.mb
    return held
