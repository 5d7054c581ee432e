"""Lint the installer recipes in packaging/ (no build: that takes minutes, see packaging/README.md).

What can be checked here: the shared spec parses and names paths that exist; the Windows and
macOS recipes and the Linux scripts use the same bundle name and output folder as the spec; the
Inno Setup script takes what the build produces; the CI workflow builds on the three systems.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
import shutil
import subprocess
import sys
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
    for module, hops in (("studio/models/store.py", 2), ("studio/money/prices.py", 2), ("studio/demo.py", 1)):
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


@pytest.mark.parametrize("script", ["build-linux.sh", "smoke-test.sh", "macos/build-macos.sh", "linux/install.sh",
                                    "linux/build-deb.sh", "smoke_torch_addon.sh"])
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
                   "packaging/macos/build-macos.sh", "packaging/smoke-test.sh", "packaging/smoke_addons.py"):
        assert recipe in runs
        assert (ROOT / recipe.replace("\\", "/")).is_file()


# -- `studio doctor` in the bundle -------------------------------------------------------------
def _spec_tuple(name: str) -> tuple[str, ...]:
    for node in ast.walk(_spec_tree()):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise AssertionError(f"{name} is not set in the spec")


def test_every_library_the_doctor_names_has_its_metadata_in_the_bundle():
    from studio.cli.doctor import LIBRARIES

    collected = set(_spec_tuple("METADATA"))
    excludes = re.search(r"excludes = \[(.*?)\n\]", SPEC.read_text(encoding="utf-8"), re.S).group(1)
    for name in LIBRARIES:
        left_out = f'"{name}"' in excludes  # torch, diffusers, kokoro: the add-on brings them
        assert name in collected or left_out, f"the doctor reports {name} but the spec does not copy its metadata"
    assert "opencv-python-headless" in collected


def test_the_doctor_falls_back_to_the_module_version(monkeypatch):
    import importlib.metadata

    import cv2

    from studio.cli import doctor

    real = importlib.metadata.version

    def version(name):
        if name == "opencv-python-headless":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    assert doctor.library_version("opencv-python-headless") == cv2.__version__
    assert "opencv-python-headless " + cv2.__version__ in doctor._versions().sentence
    assert doctor.library_version("no-such-library") is None


def test_the_bundle_carries_uv_for_the_torch_addon():
    text = SPEC.read_text(encoding="utf-8")
    assert 'binaries += [(str(UV_BIN), "bin")]' in text
    launcher = (PACKAGING / "launcher.py").read_text(encoding="utf-8")
    assert launcher.index("activate()") < launcher.index("from studio.cli.command import main"), "add-ons first, then the app"
    assert "--require-hashes -r requirements.lock" in (PACKAGING / "build-linux.sh").read_text(), \
        "build-linux.sh must install the locked uv and PyInstaller"
    for script in ("macos/build-macos.sh", "windows/build-windows.ps1"):
        assert "lock.py --pins pyinstaller uv" in (PACKAGING / script).read_text(), \
            f"{script} must install the locked uv before PyInstaller"


def _bundle_stdlib():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bundle_stdlib", PACKAGING / "bundle_stdlib.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bundle_carries_every_stdlib_module_the_torch_addon_imports():
    # The add-on runs on the frozen interpreter: a stdlib module PyInstaller left out breaks
    # `import torch` there (it did: `timeit`). Import what the engines import, in a fresh process.
    bundle_stdlib = _bundle_stdlib()
    code = ("import sys, warnings\nwarnings.simplefilter('ignore')\n"
            "import torch, transformers, accelerate\nfrom kokoro.model import KModel\nfrom kokoro import KPipeline\n"
            "from diffusers import StableDiffusionPipeline, AutoencoderKL, UNet2DConditionModel\n"
            "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in sys.stdlib_module_names)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    imported = done.stdout.split()
    assert "timeit" in imported and len(imported) > 100
    carried = {name for name, _package in bundle_stdlib.top_level()}
    left_out = [m for m in imported if bundle_stdlib.skipped(m) or m.split(".")[0] not in carried]
    assert left_out == []
    assert bundle_stdlib.skipped("tkinter.ttk") and bundle_stdlib.skipped("unittest.test.test_case")
    assert not bundle_stdlib.skipped("unittest.mock")
    text = SPEC.read_text(encoding="utf-8")
    assert "bundle_stdlib.top_level()" in text and "bundle_stdlib.skipped(m)" in text


# -- the .deb --------------------------------------------------------------------------------------
@pytest.fixture
def deb(tmp_path):
    """build-deb.sh run on a small stand-in bundle (the real one takes minutes to build)."""
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed (Debian/Ubuntu only)")
    bundle = tmp_path / "StitchStudio"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "StitchStudio").write_text("#!/bin/sh\necho 'Stitch Studio 0.0.1'\n")
    (bundle / "StitchStudio").chmod(0o755)
    (bundle / "_internal" / "library.so").write_bytes(b"\0" * 50_000)
    done = subprocess.run([str(PACKAGING / "linux" / "build-deb.sh"), str(bundle), "0.0.1", str(tmp_path / "out"),
                           str(tmp_path / "work")], capture_output=True, text=True, check=True)
    return Path(done.stdout.strip().splitlines()[-1])


def test_the_deb_has_the_fields_and_paths_a_debian_system_needs(deb):
    assert deb.name.startswith("stitch-studio_0.0.1_") and deb.suffix == ".deb" and deb.is_file()
    info = subprocess.run(["dpkg-deb", "--field", str(deb)], capture_output=True, text=True, check=True).stdout
    fields = dict(re.findall(r"^([\w-]+): (.*)$", info, re.M))
    assert fields["Package"] == "stitch-studio" and fields["Version"] == "0.0.1"
    assert fields["Architecture"] in ("amd64", "arm64")
    for name in ("Maintainer", "Description", "Section", "Priority", "Depends"):
        assert fields.get(name), f"control file lacks {name}"
    assert int(fields["Installed-Size"]) >= 50  # KB: the stand-in library alone is 49 KB
    contents = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True).stdout
    rows = {line.split()[5].removeprefix("."): line for line in contents.splitlines()}
    assert rows["/opt/stitch-studio/StitchStudio"].startswith("-rwxr-xr-x root/root")
    assert "/opt/stitch-studio/_internal/library.so" in rows
    assert "-> /opt/stitch-studio/StitchStudio" in rows["/usr/bin/stitch-studio"]
    assert "/usr/share/icons/hicolor/512x512/apps/stitch-studio.png" in rows

    tree = deb.parent.parent / "work" / "deb" / deb.stem  # the build tree dpkg-deb packed
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str
    desktop.read(tree / "usr/share/applications/stitch-studio.desktop", encoding="utf-8")
    exec_name = desktop["Desktop Entry"]["Exec"].split()[0]
    assert (tree / "usr" / "bin" / exec_name).is_symlink(), "the menu entry runs the /usr/bin link"
    assert desktop["Desktop Entry"]["Icon"] == "stitch-studio"
