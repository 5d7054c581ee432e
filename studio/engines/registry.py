"""The engines installed here, found through the `stitch.engines` entry points.

An engine's module is imported when the engine is first asked for (or when its
task or label is), never at start-up; its heavy libraries load later still, on
its first render. One instance per engine id, shared by everything that asks.
"""

from __future__ import annotations

import inspect
import threading
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Callable

from studio.models import pool
from studio.models.store import ModelStore
from studio.errors import EngineError

GROUP = "stitch.engines"

Factory = Callable[..., Any]


class EngineRegistry:
    def __init__(self, store: ModelStore | None = None):
        self.store = store if store is not None else ModelStore()
        self._lock = threading.RLock()
        self._entry_points: dict[str, EntryPoint] = {ep.name: ep for ep in entry_points(group=GROUP)}
        self._factories: dict[str, Factory] = {}
        self._instances: dict[str, Any] = {}
        self._configured: dict[tuple, Any] = {}  # (id, settings) -> an engine made with them

    def register(self, engine_id: str, factory: Factory) -> None:
        """Add (or replace) an engine: `factory(store=...)` or `factory()` makes it."""
        with self._lock:
            self._factories[engine_id] = factory
            olds = [self._instances.pop(engine_id, None)]
            olds += [self._configured.pop(key) for key in list(self._configured) if key[0] == engine_id]
        for old in olds:
            if old is not None:
                old.unload()

    def all_ids(self) -> list[str]:
        """Every engine id, whatever its task; imports nothing."""
        with self._lock:
            return sorted(set(self._entry_points) | set(self._factories))

    def ids(self, task: str | None = "tts") -> list[str]:
        """The engines for `task` (all of them for None) whose module imports."""
        if task is None:
            return self.all_ids()
        found = []
        for engine_id in self.all_ids():
            try:
                factory = self._factory(engine_id)
            except EngineError:
                continue  # a broken plugin is reported when it is asked for, not listed
            if getattr(factory, "task", "tts") == task:
                found.append(engine_id)
        return found

    def label(self, engine_id: str) -> str:
        return getattr(self._factory(engine_id), "label", "") or engine_id

    def is_local(self, engine_id: str) -> bool:
        """Whether the engine works on this machine (False: a hosted service); makes no instance."""
        return bool(getattr(self._factory(engine_id), "local", True))

    def get(self, engine_id: str) -> Any:
        with self._lock:
            engine = self._instances.get(engine_id)
            if engine is None:
                engine = self._make(self._factory(engine_id), engine_id)
                self._instances[engine_id] = engine
        pool.touch(engine)  # asked for: the most recently used, last to be unloaded for room
        return engine

    def configured(self, engine_id: str, settings: dict | None = None) -> Any:
        """The engine made with a project's settings for it (`[engines.<id>]`: base_url,
        model, voice...); the shared instance when there are none. One instance per
        distinct settings, so two projects pointing at two servers do not mix."""
        if not settings:
            return self.get(engine_id)
        key = (engine_id, tuple(sorted((str(k), repr(v)) for k, v in settings.items())))
        with self._lock:
            engine = self._configured.get(key)
            if engine is None:
                engine = self._make(self._factory(engine_id), engine_id, dict(settings))
                self._configured[key] = engine
        pool.touch(engine)
        return engine

    def unload_all(self) -> None:
        with self._lock:
            engines = list(self._instances.values()) + list(self._configured.values())
        for engine in engines:
            engine.unload()

    def loaded(self) -> list:
        """The models loaded in this process (`pool.Loaded`), most recently used first."""
        return pool.default_pool().loaded()

    def unload_model(self, model_id: str) -> int:
        """Free the memory of `model_id` now (the Models window's Unload); how many engines let go."""
        return pool.default_pool().unload_model(model_id)

    def _factory(self, engine_id: str) -> Factory:
        with self._lock:
            factory = self._factories.get(engine_id)
            if factory is not None:
                return factory
            entry = self._entry_points.get(engine_id)
            if entry is None:
                installed = ", ".join(self.all_ids()) or "none"
                raise EngineError(f"There is no engine called '{engine_id}'. Installed engines: {installed}.")
            try:
                factory = entry.load()
            except Exception as exc:  # any failure inside a plugin's import
                raise EngineError(
                    f"The engine '{engine_id}' could not be loaded because {entry.value.split(':')[0]} "
                    f"failed to import ({type(exc).__name__}: {exc}); reinstall the package that provides it.",
                    detail=repr(exc),
                ) from exc
            self._factories[engine_id] = factory
            return factory

    def _make(self, factory: Factory, engine_id: str, settings: dict | None = None) -> Any:
        try:
            takes_store = "store" in inspect.signature(factory).parameters
        except (TypeError, ValueError):
            takes_store = False
        settings = settings or {}
        try:
            return factory(store=self.store, **settings) if takes_store else factory(**settings)
        except EngineError:
            raise
        except TypeError as exc:
            if not settings:
                raise EngineError(
                    f"The engine '{engine_id}' failed to start ({exc}); reinstall the package that provides it.",
                    detail=repr(exc),
                ) from exc
            raise EngineError(
                f"The engine '{engine_id}' does not take the settings {', '.join(sorted(settings))} given "
                f"under [engines.{engine_id}] in stitch.toml: check their names there.",
                detail=repr(exc),
            ) from exc
        except Exception as exc:
            raise EngineError(
                f"The engine '{engine_id}' failed to start ({type(exc).__name__}: {exc}); "
                "reinstall the package that provides it.",
                detail=repr(exc),
            ) from exc
