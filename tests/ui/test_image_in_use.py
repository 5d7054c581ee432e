"""The Images panel's "✓ in use" means the timeline really shows that picture: adding the
creator's own picture, a finished generation, a pin or a delete lays the timeline out again."""

from __future__ import annotations

from PIL import Image



def _assert_in_use_is_the_timeline(win, qtbot, scene_id):
    """Every tile marked in use is the picture of the scene's clip on the timeline, and no other."""
    from studio.ui.images.grid import TAKE_ID

    panel = win.images
    marked = [panel.grid.item(r) for r in range(panel.grid.count()) if "in use" in panel.grid.item(r).text()]
    assert len(marked) <= 1
    takes = win.project.image_takes
    expected = takes.get(marked[0].data(TAKE_ID)).path if marked else None

    def timeline_source():
        clip = next((c for c in win.timeline.timeline.track("image") if c.ref == scene_id), None)
        return clip.source if clip is not None else None

    if expected is not None:
        qtbot.waitUntil(lambda: timeline_source() == expected, timeout=3000)
    else:
        qtbot.wait(400)
        shown = {takes.get(panel.grid.item(r).data(TAKE_ID)).path for r in range(panel.grid.count())}
        assert timeline_source() not in shown


def test_in_use_follows_what_the_timeline_shows(timeline_studio, qtbot, artifacts_dir, monkeypatch):
    from studio.ui.images import panel as images_panel

    monkeypatch.setattr(images_panel, "ask_delete_pinned", lambda parent: True)  # the pinned lamp goes, asked and agreed
    win = timeline_studio
    folder, scene = win.project.folder, win.project.scenes[1]
    (folder / "pics").mkdir(exist_ok=True)
    Image.new("RGB", (320, 180), (40, 90, 160)).save(folder / "pics" / "lamp.png")
    Image.new("RGB", (180, 320), (160, 90, 40)).save(folder / "pics" / "stairs.png")
    before = next(c.source for c in win.timeline.timeline.track("image") if c.ref == scene.id)

    panel = win.images
    panel.show_scene(scene.id)
    panel.add_picture("pics/lamp.png")  # not "Use this image": the newest picture stands in at once
    assert "in use" in panel.grid.currentItem().text()
    _assert_in_use_is_the_timeline(win, qtbot, scene.id)
    assert before != "pics/lamp.png"

    panel.add_picture("pics/stairs.png")
    assert "in use" in panel.grid.currentItem().text()
    _assert_in_use_is_the_timeline(win, qtbot, scene.id)

    panel.grid.setCurrentRow(1)  # the lamp, pinned: it stands in for the scene again
    assert "lamp" in win.project.image_takes.get(panel.selected_take().id).path
    panel.pin_button.click()
    _assert_in_use_is_the_timeline(win, qtbot, scene.id)
    assert next(c.source for c in win.timeline.timeline.track("image") if c.ref == scene.id) == "pics/lamp.png"

    panel.select_take(next(t.id for t in win.project.images_for(scene.id) if t.path == "pics/lamp.png"))
    panel.delete_selected()  # the stairs picture is the scene's image now, on the timeline too
    _assert_in_use_is_the_timeline(win, qtbot, scene.id)
    assert next(c.source for c in win.timeline.timeline.track("image") if c.ref == scene.id) == "pics/stairs.png"
    assert (folder / "pics" / "lamp.png").is_file()  # the creator's file stays

    win.resize(1366, 768)
    qtbot.wait(100)
    assert win.grab().save(str(artifacts_dir / "images-in-use-matches-timeline.png"))
