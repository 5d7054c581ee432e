"""Weights from the Hugging Face hub into the model store: resume, checksum, cancel, no second copy.

Each catalogue file is fetched on its own (`HEAD /{repo}/resolve/{rev}/{file}` for its
size and hash, then a `GET` with `Range` from where an earlier try stopped) into
`<file>.incomplete` in the model's folder, which stays there when the download is
cut or cancelled, so the next pull goes on from it. A finished file is checked
against the catalogue's sha256 (or the hub's, for files kept in LFS) before it takes
its name. A model already in the user's Hugging Face cache is registered where it
is. `HF_ENDPOINT`, `HF_HOME` and `HF_HUB_CACHE` are read at each call.
huggingface_hub is imported on first use.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import Callable

from studio.progress import NullState, TaskState
from studio.errors import Cancelled, EngineError
from studio.storage import sha256_file as _sha256

Progress = Callable[[float, str], None]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


def hf_cache_dir() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface")
    return Path(home).expanduser() / "hub"


def find_in_hf_cache(entry) -> Path | None:
    """The snapshot folder of the user's Hugging Face cache that holds every file of `entry`."""
    if not entry.repo:
        return None
    from huggingface_hub import try_to_load_from_cache

    snapshot = None
    for f in entry.files:
        if f.is_folder:
            continue  # a folder is checked with the rest by the store's own completeness check
        found = try_to_load_from_cache(entry.repo, f.path, cache_dir=hf_cache_dir(), revision=entry.revision)
        if not isinstance(found, str):
            return None
        folder = Path(found[: -len(f.path)])
        if snapshot is not None and folder != snapshot:
            return None
        snapshot = folder
    return snapshot


def download(entry, folder: Path, progress: Progress | None = None, state: TaskState | None = None) -> dict[str, str]:
    """Fetch every file of `entry` into `folder`; return the sha256 of each file checked.

    Raises Cancelled when `state` asks (what arrived is kept for the next pull) and an
    EngineError with a sentence for anything else."""
    from huggingface_hub import constants

    state = state or NullState()
    report = progress or (lambda fraction, message: None)
    if constants.is_offline_mode():
        raise EngineError(
            "Downloads from Hugging Face are switched off on this machine (HF_HUB_OFFLINE is set): "
            f"unset it and pull {entry.id} again, or add weights you have with `studio models add`."
        )
    if not entry.repo:
        raise EngineError(f"{entry.id} cannot be downloaded by the studio: get it from {entry.source} and add it with `studio models add`.")
    files = _files_to_fetch(entry)
    plan = [(name, _head(entry, name)) for name in files]
    total = sum(meta.size or 0 for _, meta in plan) or 1
    done = 0
    verified: dict[str, str] = {}
    for name, meta in plan:
        sha = _fetch(entry, name, meta, folder, lambda n, before=done: report(min(1.0, (before + n) / total),
                     f"Downloading {entry.id}: {name}"), state)
        if sha:
            verified[name] = sha
        done += meta.size or 0
    report(1.0, f"{entry.id} is downloaded")
    return verified


def _files_to_fetch(entry) -> list[str]:
    if entry.download_include:
        listed = _call(entry, "the list of its files", lambda: _list_files(entry))
        names = sorted(n for n in listed if any(fnmatch.fnmatch(n, p) for p in entry.download_include))
        if not names:
            raise EngineError(f"{entry.repo} on {endpoint()} holds none of the files {entry.id} needs: it cannot be downloaded from it.")
        return names
    names = [f.path for f in entry.files if not f.is_folder]
    folders = [f for f in entry.files if f.is_folder]
    if folders:
        listed = _call(entry, "the list of its files", lambda: _list_files(entry))
        for f in folders:
            pattern = f.path + (f.glob or "*")
            matched = sorted(n for n in listed if fnmatch.fnmatch(n, pattern))
            if not matched:
                raise EngineError(f"{entry.repo} on {endpoint()} holds no {pattern} files: {entry.id} cannot be downloaded from it.")
            names += matched
    return names


def _list_files(entry) -> list[str]:
    from huggingface_hub import HfApi

    info = HfApi(endpoint=endpoint()).model_info(entry.repo, revision=entry.revision)
    return [s.rfilename for s in info.siblings or []]


def _head(entry, name: str):
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    url = hf_hub_url(entry.repo, name, revision=entry.revision, endpoint=endpoint())
    return _call(entry, name, lambda: get_hf_file_metadata(url, endpoint=endpoint()))


def _fetch(entry, name: str, meta, folder: Path, report: Callable[[int], None], state: TaskState) -> str:
    from huggingface_hub.file_download import http_get

    target = folder / name
    partial = target.with_name(target.name + ".incomplete")
    partial.parent.mkdir(parents=True, exist_ok=True)
    expected = _expected_sha(entry, name, meta)
    if target.is_file() and (meta.size is None or target.stat().st_size == meta.size):
        if not expected or _sha256(target) == expected:
            report(meta.size or 0)
            return expected
    resume = partial.stat().st_size if partial.exists() else 0
    if meta.size is not None and resume > meta.size:
        partial.unlink()
        resume = 0

    def bar(**kwargs):
        return _Bar(kwargs.get("initial", 0) or 0, report, state)

    with open(partial, "ab") as f:
        _call(entry, name, lambda: http_get(meta.location, f, resume_size=resume, expected_size=meta.size,
                                            displayed_filename=name, tqdm_class=bar))
    if expected and (actual := _sha256(partial)) != expected:
        partial.unlink(missing_ok=True)
        raise EngineError(
            f"{name} of {entry.id} arrived damaged (its checksum is {actual[:12]}…, not {expected[:12]}…) "
            "and was deleted: pull it again."
        )
    os.replace(partial, target)
    return expected


def _expected_sha(entry, name: str, meta) -> str:
    for f in entry.files:
        if f.path == name and f.sha256:
            return f.sha256.lower()
    etag = (meta.etag or "").lower()
    return etag if _SHA256.match(etag) else ""  # a file in LFS: the hub's etag is its sha256


class _Bar:
    """What huggingface_hub takes for a progress bar: reports bytes, and stops the download on cancel."""

    def __init__(self, initial: int, report: Callable[[int], None], state: TaskState):
        self.n = initial
        self._report, self._state = report, state
        report(self.n)

    def update(self, n: int = 1) -> None:
        self.n += n
        self._report(self.n)
        if self._state.is_cancelled():
            raise Cancelled()

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def _call(entry, what: str, fn):
    try:
        return fn()
    except (Cancelled, EngineError):
        raise
    except Exception as exc:  # httpx, huggingface_hub and OS errors alike
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status in (401, 403, 404):
            raise EngineError(
                f"{endpoint()} would not give {what} of {entry.repo} (HTTP {status}): check the model's "
                "page there; it may have moved or need you to accept its licence first.",
                detail=repr(exc),
            ) from None
        raise EngineError(
            f"Downloading {entry.id} stopped ({type(exc).__name__}): check the connection and pull again; "
            "what arrived is kept and the download goes on from there.",
            detail=repr(exc),
        ) from None
