"""Loaded models under a memory budget: the least recently used one goes first.

Every engine in this process reports to one pool: `admit(engine, nbytes)` just before
it loads its weights (the pool unloads the least recently used others until the new
model fits), `touch(engine)` when it is asked for. An engine's own `unload()` needs no
report: the pool sees it (`_loaded` is None again) the next time it counts. The size
of a model is an estimate: its weight files on disk times a factor per engine.

The budget is `STITCH_MEMORY_BUDGET_MB` when set, otherwise a share of physical
memory. An engine busy in another thread (its lock held) is never unloaded under it.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

BUDGET_ENV = "STITCH_MEMORY_BUDGET_MB"
DEFAULT_SHARE = 0.5  # of physical memory
MB = 1024 * 1024


def physical_memory() -> int | None:
    """Bytes of RAM on this machine, or None where the system does not say."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def default_budget() -> int:
    """The memory budget in bytes: the environment's, or half of physical memory (4 GB if unknown)."""
    raw = os.environ.get(BUDGET_ENV, "").strip()
    if raw:
        try:
            return max(0, int(float(raw) * MB))
        except ValueError:
            pass  # a typo must not stop the studio: fall back to the default
    total = physical_memory()
    return int(total * DEFAULT_SHARE) if total else 4096 * MB


def size_on_disk(paths: Iterable[Path | str], factor: float = 1.0) -> int:
    """The bytes of the files (folders summed) under `paths`, times `factor`: a model's estimate."""
    total = 0
    for path in paths:
        path = Path(path)
        try:
            if path.is_dir():
                total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            elif path.is_file():
                total += path.stat().st_size
        except OSError:
            continue
        # a file that vanished under us counts as nothing: the estimate stays an estimate
    return int(total * factor)


def is_loaded(engine: Any) -> bool:
    """Whether `engine` holds weights now (its `is_loaded()`, else its `_loaded`)."""
    probe = getattr(engine, "is_loaded", None)
    if callable(probe):
        return bool(probe())
    return getattr(engine, "_loaded", None) is not None


@dataclass
class Loaded:
    """One model in memory, as the Models window shows it. The engine is held weakly: an
    engine nothing else uses any more is freed with its weights, not kept alive here."""

    ref: Any  # weakref.ref to the engine
    label: str
    model_id: str
    nbytes: int
    used: float  # time.monotonic() of its last use
    seen: bool = False  # its load finished (or it was seen holding weights); before that it is loading

    @property
    def engine(self) -> Any:
        return self.ref()

    @property
    def mb(self) -> float:
        return self.nbytes / MB


class ModelPool:
    """The models loaded in this process, kept under `budget` bytes. Thread-safe."""

    def __init__(self, budget: int | None = None):
        self.budget = default_budget() if budget is None else int(budget)
        self._lock = threading.RLock()
        self._entries: dict[int, Loaded] = {}  # id(engine) -> entry
        self.evicted: list[str] = []  # labels unloaded to make room, oldest first (for tests and the log)

    def admit(self, engine: Any, nbytes: int, model_id: str = "") -> list[Loaded]:
        """`engine` is about to load a model of about `nbytes`: unload the least recently used
        others until it fits, then count it. Returns the entries unloaded."""
        victims: list[Loaded] = []
        with self._lock:
            self._forget_unloaded()
            self._entries.pop(id(engine), None)
            entry = Loaded(weakref.ref(engine), _label(engine), model_id or _model_id(engine), max(0, int(nbytes)), time.monotonic())
            used = sum(e.nbytes for e in self._entries.values())
            for old in sorted(self._entries.values(), key=lambda e: e.used):
                if used + entry.nbytes <= self.budget:
                    break
                victims.append(old)
                used -= old.nbytes
            self._entries[id(engine)] = entry
        unloaded = [v for v in victims if self._unload_if_idle(v)]
        with self._lock:
            for victim in unloaded:
                for key in [k for k, e in self._entries.items() if e is victim]:
                    del self._entries[key]
                self.evicted.append(victim.label)
        return unloaded

    def touch(self, engine: Any) -> None:
        """`engine` was just asked for: it becomes the most recently used."""
        with self._lock:
            entry = self._entries.get(id(engine))
            if entry is not None and entry.engine is engine:
                entry.used = time.monotonic()

    def loaded(self) -> list[Loaded]:
        """The models in memory now, most recently used first."""
        with self._lock:
            self._forget_unloaded()
            return sorted(self._entries.values(), key=lambda e: e.used, reverse=True)

    def used_bytes(self) -> int:
        return sum(e.nbytes for e in self.loaded())

    def unload(self, engine: Any) -> bool:
        """Unload `engine` now (the Models window's Unload); False if it held nothing."""
        with self._lock:
            entry = self._entries.pop(id(engine), None)
        held = entry is not None or is_loaded(engine)
        engine.unload()
        return held

    def unload_model(self, model_id: str) -> int:
        """Unload every engine holding `model_id`; how many did."""
        with self._lock:
            self._forget_unloaded()
            engines = [e.engine for e in self._entries.values() if e.model_id == model_id]
        return sum(1 for engine in engines if engine is not None and self.unload(engine))

    def unload_all(self) -> None:
        for entry in self.loaded():
            engine = entry.engine
            if engine is not None:
                self.unload(engine)

    def finished(self, engine: Any) -> None:
        """`engine`'s load returned: from now on, holding nothing means it let its weights go."""
        with self._lock:
            entry = self._entries.get(id(engine))
            if entry is not None:
                entry.seen = True

    def forget(self, engine: Any) -> None:
        """`engine`'s load failed: it holds nothing."""
        with self._lock:
            self._entries.pop(id(engine), None)

    def _forget_unloaded(self) -> None:
        for key, entry in list(self._entries.items()):
            engine = entry.engine
            if engine is None:  # freed, weights and all
                del self._entries[key]
            elif is_loaded(engine):
                entry.seen = True
            elif entry.seen and not _busy(engine):  # it let its weights go (its own unload)
                del self._entries[key]

    @staticmethod
    def _unload_if_idle(entry: Loaded) -> bool:
        """Unload unless the engine is in the middle of something (its lock is held elsewhere)."""
        engine = entry.engine
        if engine is None:
            return True  # already freed
        if _busy(engine):
            return False
        engine.unload()
        return True


_default: ModelPool | None = None
_default_lock = threading.Lock()


def default_pool() -> ModelPool:
    """The pool every engine of this process reports to."""
    global _default
    with _default_lock:
        if _default is None:
            _default = ModelPool()
        return _default


def set_default_pool(pool: ModelPool | None) -> None:
    """Replace the process's pool (tests; a new budget from Settings). None: made again on next use."""
    global _default
    with _default_lock:
        _default = pool


@contextmanager
def loading(engine: Any, nbytes: int, model_id: str = ""):
    """What an engine wraps its weight loading in: room is made first; a failed load counts nothing."""
    pool = default_pool()
    pool.admit(engine, nbytes, model_id)
    try:
        yield pool
    except BaseException:
        pool.forget(engine)
        raise
    pool.finished(engine)


def touch(engine: Any) -> None:
    default_pool().touch(engine)


def _busy(engine: Any) -> bool:
    """Whether another thread holds the engine's lock (it is loading or rendering)."""
    lock = getattr(engine, "_lock", None)
    if lock is None or not hasattr(lock, "acquire"):
        return False
    if not lock.acquire(blocking=False):
        return True
    lock.release()
    return False


def _label(engine: Any) -> str:
    return str(getattr(engine, "label", "") or getattr(engine, "id", "") or type(engine).__name__)


def _model_id(engine: Any) -> str:
    return str(getattr(engine, "model_id", "") or getattr(engine, "id", ""))
