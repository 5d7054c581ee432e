"""View ▸ How the Studio Reads Your Script…: the title, scenes, spoken lines and what is not
spoken, from the same data as `studio script --show`; screenshots at the two common sizes."""

from __future__ import annotations

import pytest

from test_creator_folder_window import EPISODE


@pytest.fixture
def creator_window(window, tmp_path):
    folder = tmp_path / "episode-03"
    folder.mkdir()
    (folder / "episode-03.md").write_text(EPISODE, encoding="utf-8")
    assert window.open_folder(folder)
    return window


def _open_from_the_menu(window):
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "V&iew")
    item = next(a for a in view.actions() if a.text().startswith("How the Studio &Reads"))
    item.trigger()
    return window.reading_dialog


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_view_shows_what_is_spoken_and_what_is_not(creator_window, qtbot, artifacts_dir, size):
    win = creator_window
    win.resize(*size)
    dialog = _open_from_the_menu(win)
    qtbot.waitExposed(dialog)
    rows = dialog.rows()
    assert rows[0] == ("title", "The Keeper of Nyhavn Light")
    assert [text for kind, text in rows if kind == "scene"] == [
        "Scene 1: Arrival at the harbour", "Scene 2: The climb", "SCENE 3 - The lamp room"]
    spoken = [text for kind, text in rows if kind == "line"]
    assert spoken[0].startswith("The ferry came in late") and "NARRATOR" not in spoken[0]
    assert "(pause)" not in spoken[2] and "lost count at the top" in spoken[2]
    assert ("speaker", "NARRATOR:") in rows or any(k == "speaker" and "NARRATOR" in t for k, t in rows)
    assert any(k == "direction" and t == "(pause)" for k, t in rows)
    # The same parts, in the same order, as the command prints them.
    assert [(k, t) for k, t in rows if k != "scene"] == [(k, t) for k, t in win.project.reading() if k != "scene"]
    assert dialog.summary.text() == "3 scenes, 3 spoken lines."
    assert dialog.height() <= size[1] - 40  # fits the screen
    assert dialog.grab().save(str(artifacts_dir / f"script-reading-{size[0]}x{size[1]}.png"))
    assert win.grab().save(str(artifacts_dir / f"script-reading-window-{size[0]}x{size[1]}.png"))


def test_the_view_follows_an_edit(creator_window, qtbot):
    win = creator_window
    dialog = _open_from_the_menu(win)
    first = win.project.lines[0]
    win.project.edit_line(first.id, "Cut here (beat) and start again.")
    qtbot.waitUntil(lambda: any(t.startswith("Cut here") for k, t in dialog.rows() if k == "line"), timeout=2000)
    assert any(k == "direction" and t == "(beat)" for k, t in dialog.rows())


def test_the_view_follows_the_project_now_open(creator_window, tmp_path, qtbot):
    win = creator_window
    dialog = _open_from_the_menu(win)
    other = tmp_path / "other"
    other.mkdir()
    (other / "script.md").write_text("# Another\n\n## Only scene\n\nJust one line here.\n", encoding="utf-8")
    assert win.open_folder(other)
    assert dialog.rows()[0] == ("title", "Another")
    assert dialog.summary.text() == "1 scene, 1 spoken line."
