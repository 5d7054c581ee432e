"""Tools ▸ Models…: the catalogue, a download against the fake hub (tests/models), remove, register."""

from __future__ import annotations

import pytest

from models.test_pull import WEIGHTS, _hub_env, hub, store  # noqa: F401  (fixtures)
from studio.ui.models.window import ModelsWindow, model_key, show_models
from ui_helpers import answer_next_dialog


@pytest.fixture
def models(qapp, qtbot, store):  # noqa: F811
    from studio.ui.shell.jobs import QtJobs

    jobs = QtJobs()
    panel = ModelsWindow(store, jobs)
    panel.show()
    qtbot.waitExposed(panel)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.table.topLevelItemCount() == 1, timeout=3000)
    yield panel
    jobs.shutdown()
    panel.close()
    panel.deleteLater()


def row_text(panel, column: int) -> str:
    return panel.table.topLevelItem(0).text(column)


def test_the_list_shows_task_size_licence_and_presence(models):
    assert [row_text(models, c) for c in range(4)] == ["Tiny test voice", "tts", "110 kB", "MIT"]
    assert row_text(models, 4) == "not here"
    assert models.download_button.isEnabled() and not models.remove_button.isEnabled()


def test_download_asks_with_the_size_then_shows_progress_and_lands_the_model(models, hub, store, qtbot):  # noqa: F811
    seen, fractions = [], []
    models.jobs.progress.connect(lambda key, f, _m: fractions.append(f) if key == model_key("tiny-voice") else None)
    answer_next_dialog("Cancel", seen)
    assert not models.download("tiny-voice")
    assert "110 kB" in seen[0].informativeText() and hub.hits == []

    answer_next_dialog("Download", seen)
    assert models.download("tiny-voice")
    qtbot.waitUntil(lambda: store.get("tiny-voice") is not None, timeout=10000)
    qtbot.waitUntil(lambda: row_text(models, 4).startswith("✓"), timeout=5000)
    assert (store.get("tiny-voice").path / "model.bin").read_bytes() == WEIGHTS
    assert any(0 < f < 1 for f in fractions) and fractions[-1] == 1.0
    assert "is ready at" in models.message.text() and not models.progress.isVisible()
    assert models.remove_button.isEnabled() and not models.download_button.isEnabled()

    answer_next_dialog("Remove")
    assert models.remove("tiny-voice")
    qtbot.waitUntil(lambda: row_text(models, 4) == "not here", timeout=5000)
    assert store.get("tiny-voice") is None


def test_cancel_then_download_again_lands_the_model(models, hub, store, qtbot, monkeypatch):  # noqa: F811
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 1024)
    hub.cut.add("model.bin")  # a cut connection too: resumed from the .incomplete file
    answer_next_dialog("Download")
    models.download("tiny-voice")
    models.cancel("tiny-voice")
    qtbot.waitUntil(lambda: not models.jobs.busy, timeout=10000)
    if store.get("tiny-voice") is None:  # the cancel landed before the last byte (usually)
        assert "goes on from where it stopped" in models.message.text()
        answer_next_dialog("Download")
        models.download("tiny-voice")
        qtbot.waitUntil(lambda: store.get("tiny-voice") is not None, timeout=10000)
    qtbot.waitUntil(lambda: not models.jobs.busy, timeout=5000)
    assert (store.get("tiny-voice").path / "model.bin").read_bytes() == WEIGHTS


def test_register_a_folder_checks_it_off_the_ui_thread(models, store, tmp_path, qtbot):  # noqa: F811
    folder = tmp_path / "mine"
    (folder / "voices").mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "model.bin").write_bytes(b"not the weights")
    (folder / "voices" / "af.bin").write_bytes(b"\x01")
    assert models.register_folder("tiny-voice", str(folder))
    qtbot.waitUntil(lambda: not models.jobs.busy, timeout=5000)
    assert "checksum differs" in models.message.text() and store.get("tiny-voice") is None
    (folder / "model.bin").write_bytes(WEIGHTS)
    assert models.register_folder("tiny-voice", str(folder))
    qtbot.waitUntil(lambda: row_text(models, 4) == f"✓ {folder.resolve()}", timeout=5000)


def test_tools_models_opens_one_window_on_the_registry_store(window):
    panel = show_models(window)
    assert panel.store is window.registry.store and show_models(window) is panel
    window.actions.models.trigger()
    assert window.findChildren(ModelsWindow) == [panel]


def test_a_loaded_model_shows_its_memory_and_unload_frees_it(models):
    import threading

    from studio.models import pool

    class Loaded:
        label = "Tiny test voice"

        def __init__(self):
            self._lock = threading.Lock()
            self._loaded = None

        def load(self):
            with pool.loading(self, 3 * pool.MB, "tiny-voice"):
                self._loaded = object()

        def unload(self):
            self._loaded = None

    pool.set_default_pool(pool.ModelPool(budget=100 * pool.MB))
    try:
        engine = Loaded()
        engine.load()
        models._fill(list(models.rows.values()))
        assert row_text(models, 4) == "not here · in memory, about 3 MB"
        assert models.unload_button.isEnabled()
        models.unload_button.click()
        assert engine._loaded is None and pool.default_pool().loaded() == []
        assert row_text(models, 4) == "not here" and not models.unload_button.isEnabled()
        assert models.message.text() == "Tiny test voice was unloaded from memory."
    finally:
        pool.set_default_pool(None)
