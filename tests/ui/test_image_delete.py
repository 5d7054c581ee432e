"""The Images grid: Delete moves a picture to the trash (Undo brings it back); badges on the thumbnails."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from studio.project.images import IMAGE_TRASH, new_image_take
from studio.ui.images import panel as image_panel
from studio.ui.images.thumbs import IN_USE_COLOUR, PIN_COLOUR


def _picture(project, scene_id, name, colour, created):
    """A solid picture in the project's shape, recorded as a render of the scene."""
    (project.folder / "renders" / "images").mkdir(parents=True, exist_ok=True)
    image = QImage(160, 90, QImage.Format.Format_RGB32)
    image.fill(QColor(*colour))
    relative = f"renders/images/{name}.png"
    assert image.save(str(project.folder / relative))
    take = new_image_take(scene_id, relative, request={"prompt": "a lighthouse"}, seed=len(name), created=created)
    project.add_image_take(take)
    return take


def _panel_with_pictures(studio, qtbot, count=3):
    project, scene = studio.project, studio.project.scenes[0].id
    takes = [_picture(project, scene, f"p{i}", (30, 60, 150 + 20 * i), f"2024-01-0{i + 1}T00:00:00.000+00:00")
             for i in range(count)]
    studio.editor.select_line(project.lines[0].id)
    panel = studio.images
    qtbot.waitUntil(lambda: panel.scene_id == scene, timeout=2000)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.grid.count() == count and not panel.thumbs.busy, timeout=5000)
    return panel, scene, takes


def _image_clip_source(studio, scene):
    timeline = studio.timeline.timeline
    clip = next((c for c in timeline.clips if c.track == "image" and c.ref == scene), None) if timeline else None
    return clip.source if clip is not None else None


def test_delete_key_moves_the_picture_to_the_trash_and_undo_brings_it_back(timeline_studio, qtbot):
    studio = timeline_studio
    panel, scene, (oldest, middle, newest) = _panel_with_pictures(studio, qtbot)
    folder = studio.project.folder
    body = (folder / middle.path).read_bytes()
    panel.select_take(middle.id)
    panel.use_selected()
    qtbot.waitUntil(lambda: _image_clip_source(studio, scene) == middle.path, timeout=5000)

    panel.grid.setFocus()
    qtbot.keyClick(panel.grid, Qt.Key.Key_Delete)
    assert studio.project.image_takes.get(middle.id) is None
    assert not (folder / middle.path).exists() and list((folder / IMAGE_TRASH).glob("*.png"))
    assert panel.message.text() == "Moved to the trash; Undo brings it back."
    assert studio.status.message.text() == panel.message.text()
    shown = {panel.grid.item(row).data(image_panel.TAKE_ID) for row in range(panel.grid.count())}
    assert shown == {oldest.id, newest.id}
    assert panel.selected_take() is not None  # the next picture is selected: Delete again goes on
    assert studio.project.chosen_image(scene).id == newest.id  # unchosen: the newest stands in
    qtbot.waitUntil(lambda: _image_clip_source(studio, scene) == newest.path, timeout=5000)

    studio.undo()
    assert (folder / middle.path).read_bytes() == body
    assert studio.project.chosen_image(scene).id == middle.id and studio.project.image_state(scene) == "chosen"
    qtbot.waitUntil(lambda: panel.grid.count() == 3, timeout=2000)
    qtbot.waitUntil(lambda: _image_clip_source(studio, scene) == middle.path, timeout=5000)


def test_a_pinned_picture_asks_first_and_the_button_and_menu_delete(studio, qtbot, monkeypatch):
    panel, scene, (oldest, middle, newest) = _panel_with_pictures(studio, qtbot)
    panel.select_take(oldest.id)
    panel.toggle_pin()
    asked = []
    monkeypatch.setattr(image_panel, "ask_delete_pinned", lambda parent: asked.append(parent) or False)
    panel.delete_button.click()
    assert asked and studio.project.image_takes.get(oldest.id) is not None  # kept: the creator said no

    monkeypatch.setattr(image_panel, "ask_delete_pinned", lambda parent: True)
    panel.select_take(oldest.id)
    panel.delete_button.click()
    assert studio.project.image_takes.get(oldest.id) is None

    panel.select_take(newest.id)  # the grid's own menu entry sends the same signal
    panel.grid.delete.emit()
    assert [t.id for t in studio.project.images_for(scene)] == [middle.id]
    assert not panel.delete_button.isEnabled() or panel.selected_take().id == middle.id


def test_a_creators_picture_is_only_forgotten(studio, qtbot):
    project, scene = studio.project, studio.project.scenes[0].id
    image = QImage(64, 36, QImage.Format.Format_RGB32)
    image.fill(QColor(200, 100, 0))
    assert image.save(str(project.folder / "mine.png"))
    before = (project.folder / "mine.png").read_bytes()
    studio.editor.select_line(project.lines[0].id)
    panel = studio.images
    qtbot.waitUntil(lambda: panel.scene_id == scene, timeout=2000)
    panel.add_picture("mine.png")
    panel.delete_selected()
    assert project.images_for(scene) == [] and (project.folder / "mine.png").read_bytes() == before
    assert panel.message.text().startswith("Removed from the scene; your picture stays in the folder.")


def _badge_pixels(panel, take_id, colour: QColor) -> tuple[int, int]:
    """How many pixels near `colour` the thumbnail's top-left and top-right quarters show."""
    row = next(r for r in range(panel.grid.count()) if panel.grid.item(r).data(image_panel.TAKE_ID) == take_id)
    rect = panel.grid.visualItemRect(panel.grid.item(row))
    shot = panel.grid.viewport().grab().toImage()
    left = right = 0
    for y in range(rect.top(), rect.top() + rect.height() // 2):
        for x in range(rect.left(), rect.right()):
            pixel = shot.pixelColor(x, y)
            if abs(pixel.red() - colour.red()) + abs(pixel.green() - colour.green()) + abs(pixel.blue() - colour.blue()) < 40:
                if x < rect.center().x():
                    left += 1
                else:
                    right += 1
    return left, right


def test_badges_are_drawn_on_the_thumbnails(studio, qtbot, artifacts_dir):
    panel, scene, (oldest, middle, newest) = _panel_with_pictures(studio, qtbot)
    assert _badge_pixels(panel, middle.id, IN_USE_COLOUR) == (0, 0)
    assert _badge_pixels(panel, middle.id, PIN_COLOUR) == (0, 0)

    panel.select_take(middle.id)
    panel.use_selected()
    panel.select_take(middle.id)
    panel.toggle_pin()
    qtbot.waitUntil(lambda: not panel.thumbs.busy, timeout=5000)
    check_left, check_right = _badge_pixels(panel, middle.id, IN_USE_COLOUR)
    pin_left, pin_right = _badge_pixels(panel, middle.id, PIN_COLOUR)
    assert check_right > 20 and check_left == 0  # the check, top right, on the picture
    assert pin_left > 8 and pin_right == 0  # the pin's red head, top left
    assert _badge_pixels(panel, newest.id, IN_USE_COLOUR) == (0, 0)  # only the one in use
    assert "pinned" in panel.grid.currentItem().text() and "in use" in panel.grid.currentItem().text()
    panel.grid.viewport().grab().save(str(artifacts_dir / "image_badges.png"))

    panel.toggle_pin()
    assert _badge_pixels(panel, middle.id, PIN_COLOUR) == (0, 0)
