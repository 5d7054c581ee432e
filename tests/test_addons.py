"""The torch engines as an add-on (studio/models/addons.py): which build, the uv command, and a real
`uv pip install --target` of a tiny wheel built here, served by a PEP 503 index on 127.0.0.1."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.models import addons
from studio.errors import Cancelled, StudioError

ROOT = Path(__file__).resolve().parents[1]


# -- which build -----------------------------------------------------------------------------
def _which(*present):
    return lambda tool: f"/usr/bin/{tool}" if tool in present else None


@pytest.mark.parametrize("system, machine, tools, expected", [
    ("linux", "x86_64", ("nvidia-smi",), "cuda"),
    ("linux", "x86_64", ("nvidia-smi", "rocminfo"), "cuda"),
    ("linux", "x86_64", ("rocminfo",), "rocm"),
    ("linux", "x86_64", (), "cpu"),
    ("win32", "AMD64", ("nvidia-smi",), "cuda"),
    ("win32", "AMD64", ("rocminfo",), "cpu"),  # ROCm wheels are Linux only
    ("darwin", "arm64", ("nvidia-smi",), "mps"),
    ("darwin", "x86_64", (), "cpu"),
])
def test_the_build_follows_the_machine(system, machine, tools, expected):
    assert addons.detect(system=system, machine=machine, which=_which(*tools)).id == expected


@pytest.mark.parametrize("system, machine, expected", [
    ("linux", "x86_64", "x86_64-manylinux_2_28"), ("linux", "aarch64", "aarch64-manylinux_2_28"),
    ("win32", "AMD64", "x86_64-pc-windows-msvc"), ("darwin", "arm64", "aarch64-apple-darwin"),
])
def test_wheels_are_chosen_for_the_bundle_platform(system, machine, expected):
    assert addons.python_platform(system=system, machine=machine) == expected


def test_the_command_takes_torch_from_the_flavour_index_and_the_rest_from_pypi(tmp_path):
    plan = addons.Plan(addons.FLAVOURS["cuda"], tmp_path, python_platform="x86_64-manylinux_2_28", python_version="3.11")
    cmd = addons.command(plan, "/bin/uv", tmp_path / "stage", tmp_path / "c.txt")
    assert cmd[:3] == ["/bin/uv", "pip", "install"]
    assert cmd[cmd.index("--target") + 1] == str(tmp_path / "stage")
    assert cmd[cmd.index("--python-version") + 1] == "3.11"
    assert cmd[cmd.index("--python-platform") + 1] == "x86_64-manylinux_2_28"
    assert cmd[cmd.index("--index-url") + 1] == addons.PYPI
    assert cmd[cmd.index("--extra-index-url") + 1] == "https://download.pytorch.org/whl/cu128"
    assert cmd[cmd.index("--constraints") + 1] == str(tmp_path / "c.txt")
    assert cmd[-len(addons.PACKAGES):] == list(addons.PACKAGES)
    mps = addons.command(addons.Plan(addons.FLAVOURS["mps"], tmp_path), "uv", tmp_path / "s", tmp_path / "c")
    assert "--extra-index-url" not in mps  # PyPI's macOS wheels are the MPS build
    with pytest.raises(StudioError, match="cpu"):
        addons.plan("tpu", tmp_path)



def test_a_mirror_serves_every_package(tmp_path, monkeypatch):
    monkeypatch.setenv("STITCH_ADDONS_INDEX_URL", "http://127.0.0.1:9/simple")
    cmd = addons.command(addons.plan("cuda", tmp_path), "uv", tmp_path / "s", tmp_path / "c")
    assert cmd[cmd.index("--index-url") + 1] == "http://127.0.0.1:9/simple" and "--extra-index-url" not in cmd


def test_find_links_add_wheel_folders_for_offline_installs(tmp_path, monkeypatch):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    assert "--find-links" not in addons.command(addons.plan("cpu", tmp_path), "uv", tmp_path / "s", tmp_path / "c")
    monkeypatch.setenv("STITCH_ADDONS_FIND_LINKS", f" {wheels}  http://127.0.0.1:9/wheels/ ")
    cmd = addons.command(addons.plan("cpu", tmp_path), "uv", tmp_path / "s", tmp_path / "c")
    links = [cmd[i + 1] for i, arg in enumerate(cmd) if arg == "--find-links"]
    assert links == [str(wheels), "http://127.0.0.1:9/wheels/"]
    assert cmd[cmd.index("--extra-index-url") + 1] == "https://download.pytorch.org/whl/cpu"  # still asked
    monkeypatch.setenv("STITCH_ADDONS_INDEX_URL", "http://127.0.0.1:9/simple")
    mirrored = addons.plan("cpu", tmp_path)
    assert mirrored.find_links == (str(wheels), "http://127.0.0.1:9/wheels/") and not mirrored.flavour_index
    monkeypatch.setenv("STITCH_ADDONS_FIND_LINKS", str(tmp_path / "nowhere"))
    with pytest.raises(StudioError, match=r"^The wheel folder .*nowhere named by STITCH_ADDONS_FIND_LINKS is not there"):
        addons.plan("cpu", tmp_path)


def test_a_local_wheel_from_find_links_is_installed_with_an_empty_index(tmp_path, loopback_only, fresh_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    smoke_addons.wheel(wheels, "tiny_addon", "0.1.0")
    root = tmp_path / "addons"
    with smoke_addons.Index([]) as index:  # answers 404 for every project: the wheel can only come from disk
        plan = addons.Plan(addons.Flavour("cpu", "CPU only", None, 1, 1), root, packages=("tiny-addon==0.1.0",),
                           index_url=index.url, find_links=(str(wheels),))
        done = addons.install(plan, Recorder(), env=UV_ENV)
    assert done.packages == {"tiny-addon": "0.1.0"}
    assert importlib.import_module("tiny_addon").VALUE == 42


def test_the_pins_are_what_the_tests_ran_against():
    for spec in addons.PACKAGES:
        name, pinned = spec.split("==")
        try:
            here = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"{name} is pinned for the add-on but not installed in the development environment")
        assert here.split("+")[0] == pinned, f"{name}: the add-on pins {pinned}, the tests run {here}"


def test_the_bundle_libraries_are_constrained_not_the_addon_packages():
    text = addons.bundle_constraints(addons.PACKAGES)
    assert f"numpy=={importlib.metadata.version('numpy')}\n" in text
    assert "torch==" not in text and "diffusers==" not in text and "stitch-studio==" not in text


def test_the_frozen_app_constrains_with_the_list_its_spec_wrote(tmp_path, monkeypatch):
    (tmp_path / addons.BUNDLE_CONSTRAINTS).write_text("numpy==1.0.0\ntorch==0.1\nhuggingface-hub==0.9\n")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert addons.bundle_constraints() == "numpy==1.0.0\nhuggingface-hub==0.9\n"


def test_progress_follows_uv_lines():
    progress = addons.Progress()
    assert progress.line("Resolved 30 packages in 2.1s") == pytest.approx(0.05)
    progress.line("Downloading torch (180.0MiB)")
    progress.line("Downloading transformers (20.0MiB)")
    assert progress.line("Downloaded transformers") == pytest.approx(0.05 + 0.85 * 0.1)
    assert progress.line("Downloaded torch") == pytest.approx(0.9)
    assert progress.line("Installed 30 packages in 1.2s") == pytest.approx(0.98)


def test_without_uv_the_sentence_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(StudioError, match="reinstall Stitch Studio"):
        addons.find_uv()


# -- a real install from a local index ---------------------------------------------------------
def _load_smoke_addons():
    import importlib.util

    spec = importlib.util.spec_from_file_location("smoke_addons", ROOT / "packaging" / "smoke_addons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


smoke_addons = _load_smoke_addons()  # the fake wheels and index, shared with the bundle's add-on smoke test


def Index(folder: Path):
    return smoke_addons.Index([smoke_addons.wheel(folder, "tiny_addon", "0.1.0")])


class Recorder:
    def __init__(self, cancel_when=lambda: False):
        self.seen: list[tuple[float, str]] = []
        self.cancel_when = cancel_when

    def set_progress(self, fraction: float, message: str = "") -> None:
        self.seen.append((fraction, message))

    def is_cancelled(self) -> bool:
        return self.cancel_when()


UV_ENV = {"UV_PYTHON_DOWNLOADS": "never", "UV_HTTP_RETRIES": "0"}


@pytest.fixture
def fresh_path(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    sys.modules.pop("tiny_addon", None)
    importlib.invalidate_caches()


def _cpu_plan_without_torch_index(root, url):
    """The real plan's shape, with the local index in place of PyPI and the PyTorch index."""
    return addons.Plan(addons.Flavour("cpu", "CPU only", None, 1, 1), root, packages=("tiny-addon==0.1.0",), index_url=url)


def test_a_real_install_marks_itself_and_the_hook_makes_it_importable(tmp_path, loopback_only, fresh_path):
    root = tmp_path / "addons"
    with Index(tmp_path) as index:
        state = Recorder()
        done = addons.install(_cpu_plan_without_torch_index(root, index.url), state, env=UV_ENV)
    assert done.packages == {"tiny-addon": "0.1.0"} and done.flavour == "cpu"
    assert (root / addons.FOLDER / addons.MARKER).is_file()
    assert not (root / f"{addons.FOLDER}.partial").exists() and not (root / "cache").exists()
    assert state.seen[-1] == (1.0, "The torch engines are installed.")
    assert any(message.startswith("Installed 1 package") for _f, message in state.seen)
    fractions = [f for f, _m in state.seen]
    assert fractions == sorted(fractions)
    # install() activates at once; a new process gets it from the launcher's start-up hook.
    assert importlib.import_module("tiny_addon").VALUE == 42
    assert sys.path[0] == str(root / addons.FOLDER), "first: complete packages win over the bundle's partial ones"
    assert addons.installed(root) == done

    launched = subprocess.run(
        [sys.executable, "-c",
         "import runpy, sys\nsys.argv = ['StitchStudio', '--version']\n"
         "try:\n    runpy.run_path('packaging/launcher.py', run_name='__main__')\nexcept SystemExit:\n    pass\n"
         "import tiny_addon\nprint('value', tiny_addon.VALUE)"],
        cwd=ROOT, env=dict(os.environ, STITCH_ADDONS_DIR=str(root)), capture_output=True, text=True, timeout=60)
    assert launched.returncode == 0, launched.stderr
    assert "value 42" in launched.stdout

    assert addons.remove(root)
    assert addons.installed(root) is None and addons.activate(root) is None


def test_a_replacement_that_cannot_move_the_loaded_install_keeps_it_and_says_why(
        tmp_path, loopback_only, fresh_path, monkeypatch):
    root = tmp_path / "addons"
    with Index(tmp_path) as index:
        first = addons.install(_cpu_plan_without_torch_index(root, index.url), Recorder(), env=UV_ENV)
        real_rename = Path.rename

        def windows_rename(self, target):  # Windows refuses to move a folder whose libraries are loaded
            if self == root / addons.FOLDER:
                raise PermissionError(13, "The process cannot access the file", str(self))
            return real_rename(self, target)

        monkeypatch.setattr(Path, "rename", windows_rename)
        with pytest.raises(StudioError, match=r"^The torch engines could not be replaced while this studio uses "
                                              r"them: close the studio, open it again"):
            addons.install(_cpu_plan_without_torch_index(root, index.url), Recorder(), env=UV_ENV)
    assert addons.installed(root) == first  # the working install stays, marked
    assert not (root / f"{addons.FOLDER}.partial").exists() and not (root / f"{addons.FOLDER}.old").exists()


def test_a_studio_stopped_between_the_two_renames_keeps_the_old_install(tmp_path, loopback_only, fresh_path):
    root = tmp_path / "addons"
    with Index(tmp_path) as index:
        first = addons.install(_cpu_plan_without_torch_index(root, index.url), Recorder(), env=UV_ENV)
    (root / addons.FOLDER).rename(root / f"{addons.FOLDER}.old")  # the first rename happened, the second not
    found = addons.installed(root)
    assert found is not None and found.packages == first.packages
    assert (root / addons.FOLDER / addons.MARKER).is_file() and not (root / f"{addons.FOLDER}.old").exists()


def test_cancel_stops_uv_and_leaves_no_marker(tmp_path, loopback_only, fresh_path):
    root = tmp_path / "addons"
    with Index(tmp_path) as index:
        index.hold = True
        state = Recorder(cancel_when=index.requested.is_set)
        with pytest.raises(Cancelled):
            addons.install(_cpu_plan_without_torch_index(root, index.url), state, env=UV_ENV)
    assert addons.installed(root) is None
    assert not (root / addons.FOLDER).exists() and not (root / f"{addons.FOLDER}.partial").exists()
    assert addons.activate(root) is None


def test_a_failed_download_is_one_sentence_and_leaves_nothing(tmp_path, loopback_only):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = tmp_path / "addons"
    with pytest.raises(StudioError) as caught:
        addons.install(_cpu_plan_without_torch_index(root, f"http://127.0.0.1:{port}/simple"), Recorder(), env=UV_ENV)
    assert caught.value.message.startswith("The torch engines could not be downloaded"), caught.value.detail
    assert "Check the internet connection" in caught.value.message
    assert addons.installed(root) is None and not (root / f"{addons.FOLDER}.partial").exists()


def test_a_missing_package_is_one_sentence(tmp_path, loopback_only):
    root = tmp_path / "addons"
    with Index(tmp_path) as index:
        plan = addons.Plan(addons.Flavour("cpu", "CPU only", None, 1, 1), root, packages=("tiny-addon==9.9",),
                           index_url=index.url)
        with pytest.raises(StudioError, match="No torch build for this machine") as caught:
            addons.install(plan, Recorder(), env=UV_ENV)
    assert "\n" not in caught.value.message


# -- `studio models addons` ------------------------------------------------------------------------
def _args(action, **extra):
    import argparse

    return argparse.Namespace(addons_action=action, flavour=extra.get("flavour"), yes=extra.get("yes", False),
                              dry_run=extra.get("dry_run", False))


def test_the_command_says_the_size_and_asks_first(tmp_path, capsys):
    from studio.cli.models import addons as addons_command

    root = tmp_path / "addons"
    assert addons_command(_args("status", flavour="cuda"), root=root) == 0
    assert "Not installed" in capsys.readouterr().out
    questions = []
    assert addons_command(_args("install", flavour="cuda"), root=root, ask=lambda q: questions.append(q) or "n") == 1
    assert "NVIDIA CUDA 12.8" in questions[0] and "3.3 GB to download" in questions[0]
    assert not root.exists() or not any(root.iterdir()), "nothing is written before the creator agrees"
    assert addons_command(_args("install", flavour="rocm", dry_run=True), root=root) == 0
    assert "--extra-index-url https://download.pytorch.org/whl/rocm6.4" in capsys.readouterr().out
    assert addons_command(_args("remove"), root=root) == 0
    assert "were not installed" in capsys.readouterr().out


def test_the_cli_reaches_the_addons_command(tmp_path):
    done = subprocess.run([sys.executable, "-m", "studio.cli.command", "models", "addons", "status", "--flavour", "mps"],
                          cwd=ROOT, env=dict(os.environ, STITCH_ADDONS_DIR=str(tmp_path)),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Apple silicon (Metal)" in done.stdout


# -- the Models window's button ------------------------------------------------------------------
def _answer_next_dialog(button_text: str, seen: list) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QAbstractButton, QApplication

    def click():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, click)
            return
        seen.append(dialog.text() + " " + dialog.informativeText())
        next(b for b in dialog.findChildren(QAbstractButton) if b.text().replace("&", "") == button_text).click()

    QTimer.singleShot(0, click)


def test_the_models_window_asks_with_the_size_then_installs_cancels_and_removes(qapp, qtbot, tmp_path, monkeypatch,
                                                                                loopback_only, fresh_path):
    from studio.models.store import ModelStore
    from studio.ui.shell.jobs import QtJobs
    from studio.ui.models.window import ModelsWindow

    root = tmp_path / "addons"
    monkeypatch.setenv("STITCH_ADDONS_DIR", str(root))
    real_install = addons.install
    monkeypatch.setattr(addons, "install", lambda plan, state: real_install(plan, state, env=UV_ENV))
    jobs = QtJobs()
    panel = ModelsWindow(ModelStore(tmp_path / "models"), jobs)
    seen: list[str] = []

    def install(plan) -> None:
        _answer_next_dialog("Install", seen)
        assert panel.install_or_remove_addons(plan)
        assert panel.addons_button.text() == "Cancel torch install"

    try:
        panel.show()
        panel.refresh()
        qtbot.waitUntil(lambda: not jobs.running("models:addons"), timeout=5000)
        assert panel.addons_button.text() == "Install torch engines…"
        _answer_next_dialog("Cancel", seen)
        assert not panel.install_or_remove_addons(addons.Plan(addons.FLAVOURS["cuda"], root))
        assert "NVIDIA CUDA 12.8, about 3.3 GB to download" in seen[-1] and not root.exists()

        with Index(tmp_path) as index:
            # The local index stands in for both PyPI and the PyTorch index.
            install(addons.Plan(addons.Flavour("cuda", "NVIDIA CUDA 12.8", index.url, 1, 1), root,
                                packages=("tiny-addon==0.1.0",), index_url=index.url))
            qtbot.waitUntil(lambda: panel.addons_button.text() == "Remove torch engines…", timeout=20000)
            assert "The torch engines are installed at" in panel.message.text()
            assert addons.installed(root).flavour == "cuda"
            assert importlib.import_module("tiny_addon").VALUE == 42

            _answer_next_dialog("Remove", seen)
            assert panel.install_or_remove_addons()
            qtbot.waitUntil(lambda: panel.addons_button.text() == "Install torch engines…", timeout=5000)
            assert addons.installed(root) is None

            # While it installs, the same button cancels: nothing half-installed stays.
            index.hold = True
            install(_cpu_plan_without_torch_index(root, index.url))
            qtbot.waitUntil(index.requested.is_set, timeout=10000)
            panel.addons_button.click()
            qtbot.waitUntil(lambda: panel.addons_button.text() == "Install torch engines…", timeout=10000)
            assert addons.installed(root) is None and not (root / f"{addons.FOLDER}.partial").exists()

        install(_cpu_plan_without_torch_index(root, index.url))  # the index is gone now
        qtbot.waitUntil(lambda: "could not be downloaded" in panel.message.text(), timeout=20000)
        qtbot.waitUntil(lambda: panel.addons_button.text() == "Install torch engines…", timeout=5000)
    finally:
        jobs.shutdown()
        panel.close()
        panel.deleteLater()
