"""The engine registry: entry points, runtime factories, one instance per id, lazy imports."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import EntryPoint

import pytest

from studio.engines import registry as registry_module
from studio.engines.registry import GROUP, EngineRegistry
from studio.models.store import ModelStore
from studio.errors import EngineError

HEAVY = ("torch", "onnxruntime", "misaki", "kokoro", "spacy", "phonemizer", "espeakng_loader", "transformers")


class FakeEngine:
    id = "fake"
    task = "tts"
    local = True
    label = "Fake voice"
    made = 0

    def __init__(self, store=None):
        FakeEngine.made += 1
        self.store = store
        self.unloaded = 0

    def unload(self):
        self.unloaded += 1


def test_the_installed_engines_come_from_entry_points():
    registry = EngineRegistry()
    assert {"kokoro", "kokoro-onnx"} <= set(registry.ids())
    assert "kokoro" not in registry.ids("image") and registry.ids("no-such-task") == []
    assert registry.label("kokoro-onnx") == "Kokoro (ONNX, int8)"
    assert registry.label("kokoro") == "Kokoro (PyTorch)"


def test_one_instance_per_engine_sharing_the_registrys_store():
    store = ModelStore()
    registry = EngineRegistry(store)
    engine = registry.get("kokoro-onnx")
    assert type(engine).__name__ == "KokoroOnnxEngine"
    assert registry.get("kokoro-onnx") is engine
    assert engine.store is store


def test_an_unknown_engine_is_a_sentence_naming_the_installed_ones():
    registry = EngineRegistry()
    with pytest.raises(EngineError) as caught:
        registry.get("no-such-engine")
    installed = ", ".join(registry.all_ids())
    assert "kokoro, kokoro-onnx" in installed
    assert str(caught.value) == f"There is no engine called 'no-such-engine'. Installed engines: {installed}."


def test_a_factory_registered_at_runtime_is_used_and_unloaded():
    registry = EngineRegistry()
    registry.register("fake", FakeEngine)
    assert "fake" in registry.ids("tts") and registry.label("fake") == "Fake voice"
    before = FakeEngine.made
    engine = registry.get("fake")
    assert registry.get("fake") is engine and FakeEngine.made == before + 1
    assert engine.store is registry.store
    registry.unload_all()
    assert engine.unloaded == 1


def test_a_factory_without_a_store_parameter_and_a_replaced_engine():
    registry = EngineRegistry()
    first = FakeEngine()
    registry.register("kokoro-onnx", lambda: first)
    assert registry.get("kokoro-onnx") is first
    registry.register("kokoro-onnx", FakeEngine)  # replacing it lets the old one go
    assert first.unloaded == 1
    assert registry.get("kokoro-onnx") is not first


def test_an_engine_whose_package_fails_to_import_is_named(monkeypatch):
    broken = EntryPoint(name="broken-voice", value="studio_no_such_module:Engine", group=GROUP)
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [broken])
    registry = EngineRegistry()
    assert registry.ids() == []  # listed nowhere it could not be used...
    with pytest.raises(EngineError) as caught:
        registry.get("broken-voice")  # ...and explained when asked for
    message = str(caught.value)
    assert message.startswith("The engine 'broken-voice' could not be loaded because studio_no_such_module")
    assert message.endswith("reinstall the package that provides it.")


def test_the_registry_and_engines_import_no_model_library():
    code = (
        "import sys\n"
        "import studio.engines.registry, studio.models.store, studio.engines.g2p\n"
        "import studio.engines.kokoro_onnx, studio.engines.kokoro_torch\n"
        "from studio.engines.registry import EngineRegistry\n"
        "r = EngineRegistry()\n"
        "assert {'kokoro', 'kokoro-onnx'} <= set(r.ids()), r.ids()\n"
        "r.label('kokoro'); r.get('kokoro'); r.get('kokoro-onnx')\n"
        "from studio.engines.g2p import G2P\n"
        "G2P.available_name()\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
