"""One studio per user: a second `studio FOLDER` hands the folder over and exits (studio/ui/shell/single_instance.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QDir

from studio.ui.shell import dialogs
from studio.ui.shell.app import Windows
from studio.ui.shell.single_instance import SingleInstance, hand_over, server_name

ROOT = Path(__file__).resolve().parents[2]


HAND_OVER = """
import sys
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
from studio.ui.shell.single_instance import hand_over
sys.exit(0 if hand_over(sys.argv[1], name=sys.argv[2]) else 3)
"""


def hand_over_from_another_process(qtbot, folder, name=None) -> bool:
    """`hand_over` blocks on the reply (holding the GIL), so the studio it talks to must be elsewhere."""
    other = subprocess.Popen([sys.executable, "-c", HAND_OVER, str(folder), name or server_name()], cwd=ROOT,
                             env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    try:
        qtbot.waitUntil(lambda: other.poll() is not None, timeout=20000)
    finally:
        if other.poll() is None:
            other.kill()
        other.wait()
    return other.returncode == 0


@pytest.fixture
def listening(window, monkeypatch):
    """The studio of this test (its window, its server) as `run()` wires them."""
    windows = Windows(window)
    instance = SingleInstance()
    assert instance.listen()
    instance.folder_requested.connect(windows.open)
    yield windows, instance
    instance.close()
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda *args: "discard")
    for extra in windows.all[1:]:
        extra.close()
        extra.deleteLater()


def test_a_second_launch_hands_its_folder_over_and_exits_quickly(listening, demo_copy, qtbot):
    windows, _instance = listening
    started = time.monotonic()
    # `studio FOLDER` in a fresh interpreter, as a creator's second launch (same user, same settings folder).
    second = subprocess.Popen([sys.executable, "-m", "studio.cli.command", str(demo_copy)], cwd=ROOT,
                              env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=30000)
    finally:
        if second.poll() is None:
            second.kill()
        out, err = second.communicate()
    elapsed = time.monotonic() - started
    assert second.returncode == 0, err
    assert elapsed < 15, f"the second launch took {elapsed:.1f} s"  # ~1 s here: Python + Qt start-up
    qtbot.waitUntil(lambda: len(windows.all) == 2, timeout=5000)
    opened = windows.all[1]
    assert opened.isVisible() and opened.project is not None
    assert Path(opened.project.folder).resolve() == demo_copy.resolve()
    assert windows.all[0].project is None, "the running window keeps what it had"

    # The same folder again: no third window, the one that has it is raised.
    assert hand_over_from_another_process(qtbot, demo_copy)
    qtbot.wait(50)
    assert len(windows.all) == 2


def test_without_a_running_studio_the_launch_opens_normally(qapp):
    started = time.monotonic()
    assert not hand_over(ROOT, name=server_name() + "-nobody")
    assert time.monotonic() - started < 2


def test_a_second_studio_does_not_take_the_name_of_a_live_one(listening):
    _windows, instance = listening
    other = SingleInstance(instance.name)
    assert not other.listen()
    assert instance.server.isListening()


@pytest.mark.skipif(sys.platform == "win32", reason="Windows named pipes vanish with their process")
def test_a_socket_left_by_a_crashed_studio_is_recovered(qapp, qtbot, tmp_path):
    name = server_name()
    path = Path(QDir.tempPath()) / name
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))  # bound, never listening, never unlinked: what a killed studio leaves
    stale.close()
    assert path.exists()
    assert not hand_over(tmp_path, name=name)

    heard = []
    instance = SingleInstance(name)
    instance.folder_requested.connect(heard.append)
    try:
        assert instance.listen()
        assert hand_over_from_another_process(qtbot, tmp_path, name=name)
        qtbot.waitUntil(lambda: heard == [str(tmp_path.resolve())], timeout=3000)
    finally:
        instance.close()
