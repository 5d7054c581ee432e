"""Lint the installer recipes in packaging/ (no build: that takes minutes, see packaging/README.md).

What can be checked here: the shared spec parses and names paths that exist; the Windows and
macOS recipes and the Linux scripts use the same bundle name and output folder as the spec; the
Inno Setup script takes what the build produces; the CI workflow builds on the three systems.
"""

from __future__ import annotations

import ast
import configparser
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "stitch-studio.spec"
ISS = PACKAGING / "windows" / "stitch-studio.iss"
WORKFLOW = ROOT / ".github" / "workflows" / "installers.yml"


def _spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))


def _spec_constant(name: str) -> str:
    for node in ast.walk(_spec_tree()):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            assert isinstance(node.value, ast.Constant), f"{name} should be a plain string in the spec"
            return node.value.value
    raise AssertionError(f"{name} is not set in the spec")


def _spec_root_paths() -> list[Path]:
    """Every `ROOT / "a" / "b"` in the spec, as a path."""
    paths = []
    for node in ast.walk(_spec_tree()):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            parts, cur = [], node
            while isinstance(cur, ast.BinOp) and isinstance(cur.op, ast.Div) and isinstance(cur.right, ast.Constant):
                parts.insert(0, cur.right.value)
                cur = cur.left
            if isinstance(cur, ast.Name) and cur.id == "ROOT" and parts:
                paths.append(ROOT.joinpath(*parts))
    return paths


def test_spec_parses_and_is_a_light_one_folder_build():
    text = SPEC.read_text(encoding="utf-8")
    _spec_tree()
    assert "COLLECT(" in text, "one-folder bundle: the spec must COLLECT"
    assert "exclude_binaries=True" in text
    excludes = re.search(r"excludes = \[(.*?)\n\]", text, re.S).group(1)
    for heavy in ("torch", "diffusers", "transformers", "kokoro", "spacy"):
        assert f'"{heavy}"' in excludes, f"{heavy} should be left out of the light build"
    assert 'copy_metadata("stitch-studio")' in text, "the registry finds engines via entry-point metadata"


def test_paths_the_spec_references_exist():
    paths = _spec_root_paths()
    assert ROOT / "resources" in paths and ROOT / "packaging" / "launcher.py" in paths
    missing = [str(p.relative_to(ROOT)) for p in paths if not p.exists()]
    assert not missing, f"the spec references missing paths: {missing}"


def test_resources_sit_where_the_code_looks_for_them():
    # In the bundle, studio/ and resources/ are siblings, as in the checkout: the code's
    # Path(__file__).parents[...] / "resources" lookups need no frozen special case.
    assert '(str(ROOT / "resources"), "resources")' in SPEC.read_text(encoding="utf-8")
    for module, hops in (("studio/engines/store.py", 2), ("studio/engines/prices.py", 2), ("studio/demo.py", 1)):
        source = (ROOT / module).read_text(encoding="utf-8")
        assert '"resources"' in source, module
        assert (ROOT / module).resolve().parents[hops] == ROOT


def test_inno_setup_takes_what_the_build_produces():
    text = ISS.read_text(encoding="utf-8")
    defines = dict(re.findall(r'^#define (\w+) "([^"]*)"', text, re.M))
    app_name = _spec_constant("APP_NAME")
    assert defines["AppExe"] == f"{app_name}.exe", "the .iss must run the executable the spec names"
    bundle = (ISS.parent / defines["BundleDir"].replace("\\", "/")).resolve()
    assert bundle == (PACKAGING / "dist" / app_name).resolve(), "BundleDir must be the spec's COLLECT output"
    for script in ("build-linux.sh", "windows/build-windows.ps1", "macos/build-macos.sh"):
        assert re.search(r"--distpath\s+\S*packaging[\\/]dist", (PACKAGING / script).read_text()) or "$DIST" in (
            PACKAGING / script).read_text(), f"{script} must build into packaging/dist"
    setup = {k.strip(): v.strip() for k, v in re.findall(r"^(\w+)=(.*)$", text.split("[Setup]")[1].split("\n[")[0], re.M)}
    assert setup["OutputBaseFilename"] == "StitchStudio-Setup-{#AppVersion}"
    assert (ISS.parent / setup["OutputDir"].replace("\\", "/")).resolve() == (PACKAGING / "dist").resolve()
    assert (ISS.parent / setup["SetupIconFile"].replace("\\", "/")).resolve().is_file()
    icons = text.split("[Icons]")[1].split("\n[")[0]
    assert "{group}" in icons and "{uninstallexe}" in icons, "Start-menu entry and its uninstaller"


def test_linux_desktop_entry_and_icon():
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str
    desktop.read(PACKAGING / "linux" / "stitch-studio.desktop", encoding="utf-8")
    entry = desktop["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Exec"].startswith(_spec_constant("APP_NAME"))
    assert (ROOT / "resources" / "icons" / f"{entry['Icon']}.png").is_file()


def test_macos_recipe_signs_and_notarizes_only_with_credentials():
    text = (PACKAGING / "macos" / "build-macos.sh").read_text()
    assert 'if [ -n "${MACOS_SIGN_IDENTITY:-}" ]' in text
    assert "notarytool submit" in text and "stapler staple" in text and "hdiutil create" in text
    assert (PACKAGING / "macos" / "entitlements.plist").is_file()


@pytest.mark.parametrize("script", ["build-linux.sh", "smoke-test.sh", "macos/build-macos.sh", "linux/install.sh"])
def test_shell_scripts_parse(script):
    path = PACKAGING / script
    assert path.stat().st_mode & 0o111, f"{script} should be executable"
    shell = "sh" if script == "linux/install.sh" else "bash"
    subprocess.run([shell, "-n", str(path)], check=True)


def test_workflow_builds_and_smoke_tests_on_three_systems():
    text = WORKFLOW.read_text(encoding="utf-8")
    yaml = pytest.importorskip("yaml")
    flow = yaml.safe_load(text)
    job = flow["jobs"]["installer"]
    systems = {row["system"]: row["os"] for row in job["strategy"]["matrix"]["include"]}
    assert set(systems) == {"linux", "windows", "macos"}
    assert systems["linux"].startswith("ubuntu") and systems["windows"].startswith("windows")
    assert systems["macos"].startswith("macos")
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    for recipe in ("packaging/build-linux.sh", "packaging\\windows\\build-windows.ps1",
                   "packaging/macos/build-macos.sh", "packaging/smoke-test.sh"):
        assert recipe in runs
        assert (ROOT / recipe.replace("\\", "/")).is_file()
