"""The system libraries of the window and playback: one table, read by the bootstrap, the doctor,
the player and the .deb; a missing one is named with the command that installs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from studio.cli import doctor
from studio import system

ROOT = Path(__file__).resolve().parents[1]


def test_the_table_names_libpulse_and_the_xcb_libraries():
    packages = {lib.soname: lib.package for lib in system.libraries()}
    assert packages["libpulse.so.0"] == "libpulse0"
    for soname, package in [("libxcb-cursor.so.0", "libxcb-cursor0"), ("libxcb-icccm.so.4", "libxcb-icccm4"),
                            ("libxcb-keysyms.so.1", "libxcb-keysyms1")]:
        assert packages[soname] == package


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the table is for Linux")
def test_without_libpulse_the_doctor_names_libpulse0_and_the_command(monkeypatch):
    real = system.present
    monkeypatch.setattr(system, "present", lambda soname: soname != "libpulse.so.0" and real(soname))
    check = doctor._audio_output()
    assert not check.ok
    assert check.sentence.startswith("Playing previews needs the system library libpulse.so.0, which this computer "
                                     "lacks: install it with `sudo apt-get install libpulse0`")
    assert "Takes still render" in check.sentence


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the table is for Linux")
def test_without_the_xcb_libraries_the_doctor_says_the_window_cannot_open(monkeypatch):
    gone = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    monkeypatch.setattr(system, "present", lambda soname: soname not in gone)
    check = doctor._display()
    assert not check.ok
    assert "The studio window needs the system libraries libxcb-icccm.so.4, libxcb-keysyms.so.1" in check.sentence
    assert "`sudo apt-get install libxcb-icccm4 libxcb-keysyms1`" in check.sentence


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the table is for Linux")
def test_this_machine_has_what_the_bootstrap_installs():
    # ./run-tests installs them as root (CI); on a developer's machine it prints the command instead.
    lacking = system.missing()
    if lacking and subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() != "0":
        pytest.skip(f"not root: {system.install_command(lacking)} is printed by ./run-tests")
    assert lacking == []


def test_a_broken_platform_plugin_is_reported_with_what_qt_said(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":999")  # no X server there: Qt's xcb plugin cannot connect
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(system, "missing", lambda purpose=None: [])
    check = doctor._display()
    assert not check.ok and check.sentence.startswith("Qt's window system plugin could not start on :999:")


def test_the_deb_depends_on_every_package_of_the_table():
    text = (ROOT / "packaging" / "linux" / "build-deb.sh").read_text(encoding="utf-8")
    assert "system-libraries.txt" in text  # the Depends: line is made from the table, not typed twice


def test_the_bootstrap_reads_the_same_table():
    assert "resources/system-libraries.txt" in (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
