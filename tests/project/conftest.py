"""Fixtures for the project-layer tests: real folders under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "My Video"
    target.mkdir()
    return target


@pytest.fixture
def scripted(folder) -> Path:
    """A creator's folder: a three-scene script and an image of theirs."""
    (folder / "script.md").write_text(
        "# Opening\n\nFirst line of the video.\n\nSecond line, with a twist.\n\n"
        "# Middle\n\nThe middle part explains things.\n\n# End\n\nThanks for watching.\n",
        encoding="utf-8",
    )
    (folder / "images").mkdir()
    (folder / "images" / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    return folder
