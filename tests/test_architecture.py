"""The layering rules of DESIGN.md, enforced: Qt only in studio/ui, heavy libraries only on first use."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

STUDIO = Path(__file__).resolve().parent.parent / "studio"
QT = {"PySide6", "shiboken6", "PyQt5", "PyQt6"}
HEAVY = {"torch", "kokoro", "onnxruntime", "misaki", "spacy", "faster_whisper", "ctranslate2", "diffusers", "transformers", "cv2"}


def _imports(tree: ast.AST, top_level_only: bool):
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module.split(".")[0]


def _sources():
    for path in sorted(STUDIO.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_only_studio_ui_imports_qt_anywhere_in_a_file():
    offenders = [
        f"{path.relative_to(STUDIO.parent)}:{line} imports {name}"
        for path, tree in _sources()
        if "ui" not in path.relative_to(STUDIO).parts[:1]
        for line, name in _imports(tree, top_level_only=False)
        if name in QT
    ]
    assert offenders == []


def test_heavy_libraries_are_never_imported_at_module_level():
    offenders = [
        f"{path.relative_to(STUDIO.parent)}:{line} imports {name} at module level"
        for path, tree in _sources()
        for line, name in _imports(tree, top_level_only=True)
        if name in HEAVY
    ]
    assert offenders == []


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], capture_output=True, text=True, cwd=STUDIO.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    declared = len(tomllib.loads((STUDIO.parent / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"])
    assert declared >= 14  # layers, Qt, engines/project, project/base, shell, seven ui sub-rooms, two acyclic
    assert f"Contracts: {declared} kept, 0 broken" in result.stdout


def test_every_room_opens_with_a_paragraph_saying_what_lives_there():
    bare = [
        str(init.relative_to(STUDIO.parent))
        for init in sorted(STUDIO.rglob("__init__.py"))
        if len(ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or "") < 80
    ]
    assert bare == []


def test_every_qt_module_lives_in_a_ui_sub_room():
    loose = sorted(p.name for p in (STUDIO / "ui").glob("*.py") if p.name != "__init__.py")
    assert loose == [], "choose a sub-room of studio/ui/ for " + ", ".join(loose)


def test_the_headless_core_loads_without_qt_or_model_libraries():
    code = (
        "import sys, studio.cli.command, studio.cli.doctor, studio.jobs.pipeline, studio.jobs.runner,"
        " studio.project.project, studio.engines.registry, studio.models.store,"
        " studio.engines.kokoro_onnx, studio.engines.kokoro_torch, studio.engines.g2p\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(QT | HEAVY)!r})\n"
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=STUDIO.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
