"""The window with a creator's own folder open, at the two common screen sizes (screenshots
into artifacts/, to look at), and the Images panel naming scenes without doubling "Scene 1"."""

from __future__ import annotations

import pytest

EPISODE = """# The Keeper of Nyhavn Light

## Scene 1: Arrival at the harbour

NARRATOR: The ferry came in late, and Nyhavn was already dark when Ida stepped onto the quay.

## Scene 2: The climb

There are 1,200 steps between the harbour wall and the lamp room, or so the locals like to say.

[SCENE 3 - The lamp room]
She counted every one of them (pause) and lost count at the top.
"""


@pytest.fixture
def creator_window(window, tmp_path, qtbot):
    folder = tmp_path / "episode-03"
    folder.mkdir()
    (folder / "episode-03.md").write_text(EPISODE, encoding="utf-8")
    (folder / "notes.txt").write_text("- ferry times\n- music: calm\n", encoding="utf-8")
    assert window.open_folder(folder)
    return window


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_screenshots_at_common_sizes(creator_window, qtbot, artifacts_dir, size):
    win = creator_window
    win.resize(*size)
    qtbot.wait(100)
    assert win.project.title == "The Keeper of Nyhavn Light"
    assert win.width() == size[0]  # nothing widened the window by itself
    assert win.height() == size[1]
    takes = win.editor.inspector.takes
    row = takes.fontMetrics().height()
    assert takes.viewport().height() >= 3 * row, "the Takes table shows at least three takes"
    target = artifacts_dir / f"creator-folder-{size[0]}x{size[1]}.png"
    assert win.grab().save(str(target))


def test_the_images_panel_names_scenes_once(creator_window):
    from studio.project.conventions import scene_label

    labels = [scene_label(n, s.title) for n, s in enumerate(creator_window.project.scenes, 1)]
    assert labels == ["Scene 1: Arrival at the harbour", "Scene 2: The climb", "SCENE 3 - The lamp room"]
    assert not any(label.count("Scene") + label.count("SCENE") > 1 for label in labels)
