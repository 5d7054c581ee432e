"""The model pool: loaded models kept under a memory budget, least recently used unloaded first."""

from __future__ import annotations

import threading

import pytest

from studio.models import pool
from studio.engines.base import NullState
from studio.models.pool import MB, ModelPool, default_budget, set_default_pool
from studio.engines.registry import EngineRegistry


class FakeEngine:
    """Loads "weights" of `mb` megabytes through the pool, as the real engines do."""

    def __init__(self, name: str, mb: int, fail: bool = False):
        self.id = self.label = self.model_id = name
        self.mb, self.fail = mb, fail
        self._lock = threading.Lock()
        self._loaded = None
        self.loads = 0

    def use(self) -> None:
        pool.touch(self)
        with self._lock:
            if self._loaded is None:
                with pool.loading(self, self.mb * MB, self.model_id):
                    if self.fail:
                        raise RuntimeError("the weights are corrupt")
                    self._loaded = bytearray(16)
                    self.loads += 1

    def unload(self) -> None:
        with self._lock:
            self._loaded = None


@pytest.fixture
def budget_pool():
    made = ModelPool(budget=100 * MB)
    set_default_pool(made)
    yield made
    set_default_pool(None)


def _names(p: ModelPool) -> list[str]:
    return [entry.label for entry in p.loaded()]


def test_the_least_recently_used_model_is_unloaded_to_make_room(budget_pool):
    a, b, c = FakeEngine("a", 40), FakeEngine("b", 40), FakeEngine("c", 40)
    a.use()
    b.use()
    a.use()  # a is now the most recently used
    c.use()  # 120 MB would not fit: b goes, a stays

    assert _names(budget_pool) == ["c", "a"]
    assert b._loaded is None and a._loaded is not None
    assert budget_pool.evicted == ["b"]
    assert budget_pool.used_bytes() == 80 * MB <= budget_pool.budget

    b.use()  # b loads again; now a is the oldest
    assert _names(budget_pool) == ["b", "c"] and a._loaded is None and b.loads == 2


def test_a_model_bigger_than_the_budget_still_loads_alone(budget_pool):
    small, big = FakeEngine("small", 30), FakeEngine("big", 150)
    small.use()
    big.use()
    assert _names(budget_pool) == ["big"] and small._loaded is None


def test_unload_on_demand_frees_the_memory_and_the_next_use_loads_again(budget_pool):
    a, b = FakeEngine("a", 30), FakeEngine("b", 30)
    a.use()
    b.use()
    assert budget_pool.unload_model("a") == 1
    assert _names(budget_pool) == ["b"] and a._loaded is None
    assert budget_pool.unload_model("a") == 0
    a.use()
    assert a.loads == 2 and set(_names(budget_pool)) == {"a", "b"}


def test_an_engines_own_unload_is_noticed(budget_pool):
    a = FakeEngine("a", 30)
    a.use()
    a.unload()
    assert budget_pool.loaded() == [] and budget_pool.used_bytes() == 0


def test_a_failed_load_counts_nothing(budget_pool):
    broken = FakeEngine("broken", 60, fail=True)
    with pytest.raises(RuntimeError):
        broken.use()
    assert budget_pool.loaded() == []


def test_a_busy_engine_is_not_unloaded_under_its_render(budget_pool):
    a, b = FakeEngine("a", 60), FakeEngine("b", 60)
    a.use()
    with a._lock:  # a is rendering in another thread
        b.use()
        assert a._loaded is not None
    assert budget_pool.evicted == []


def test_many_threads_keep_the_pool_consistent(budget_pool):
    engines = [FakeEngine(f"e{i}", 30) for i in range(6)]
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for step in range(40):
                engines[(offset + step) % len(engines)].use()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    loaded = budget_pool.loaded()
    assert all(entry.engine._loaded is not None for entry in loaded)
    # a busy engine may be kept over the budget for a moment, never more than one per thread
    assert len(loaded) <= 3 + len(threads)


def test_the_budget_comes_from_the_environment_or_physical_memory(monkeypatch):
    monkeypatch.setenv("STITCH_MEMORY_BUDGET_MB", "512")
    assert default_budget() == 512 * MB
    monkeypatch.setenv("STITCH_MEMORY_BUDGET_MB", "lots")
    monkeypatch.delenv("STITCH_MEMORY_BUDGET_MB")
    total = pool.physical_memory()
    assert default_budget() == (int(total * pool.DEFAULT_SHARE) if total else 4096 * MB)


def test_the_registry_marks_the_engine_it_hands_out_as_used(budget_pool):
    a, b, c = FakeEngine("a", 40), FakeEngine("b", 40), FakeEngine("c", 40)
    registry = EngineRegistry()
    for engine in (a, b, c):
        registry.register(engine.id, lambda engine=engine: engine)
    registry.get("a").use()
    registry.get("b").use()
    registry.get("a")  # asked for again (a job about to render with it)
    registry.get("c").use()
    assert [e.label for e in registry.loaded()] == ["c", "a"]
    assert registry.unload_model("c") == 1 and [e.label for e in registry.loaded()] == ["a"]


@pytest.mark.real_weights
def test_the_real_int8_kokoro_reports_its_load_and_is_unloaded_for_room(onnx_engine, budget_pool):
    onnx_engine.unload()
    onnx_engine.load(NullState())
    [entry] = budget_pool.loaded()
    assert entry.engine is onnx_engine and entry.model_id == onnx_engine.model_id and entry.mb > 50
    other = FakeEngine("other", int(budget_pool.budget / MB))
    other.use()
    assert onnx_engine._loaded is None and _names(budget_pool) == ["other"]


def test_an_engine_nothing_uses_any_more_is_not_kept_alive_by_the_pool(budget_pool):
    import gc
    import weakref

    engine = FakeEngine("dropped", 30)
    engine.use()
    gone = weakref.ref(engine)
    del engine
    gc.collect()
    assert gone() is None and budget_pool.loaded() == []
