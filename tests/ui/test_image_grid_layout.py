"""The Images grid with a creator's own pictures: a thumbnail arriving after its cell was laid
out must not leave the cell where the placeholder put it (its old pixels stayed on screen as
a ghost tile, "your pictureure")."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage

SCRIPT = "# Harbour\n\n## Scene 1: Arrival at the harbour\n\nThe ferry came in late.\n\n## Scene 2: The climb\n\nSteps.\n"


def _picture(path, size, colour) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = QImage(*size, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    assert image.save(str(path))


def test_a_thumbnail_arriving_recentres_its_cell(window, tmp_path, qtbot, artifacts_dir):
    folder = tmp_path / "harbour"
    folder.mkdir()
    (folder / "harbour.md").write_text(SCRIPT, encoding="utf-8")
    _picture(folder / "harbour.jpg", (640, 360), "#3070b0")
    _picture(folder / "pics" / "square.webp", (400, 400), "#30b070")
    _picture(folder / "steps.png", (300, 600), "#b07030")  # portrait in a 16:9 project: a narrow thumbnail
    assert window.open_folder(folder)
    window.resize(1366, 768)
    window.editor.select_line(window.project.lines[0].id)
    panel = window.images
    qtbot.waitUntil(lambda: panel.scene_id == window.project.scenes[0].id, timeout=2000)
    for relative in ("harbour.jpg", "pics/square.webp", "steps.png"):
        panel.add_picture(relative)
        qtbot.waitUntil(lambda: not panel.thumbs.busy, timeout=5000)
    grid = panel.grid
    qtbot.wait(50)
    assert grid.count() == 3
    assert all(grid.item(r).text().startswith("your picture") for r in range(3))
    cell = grid.gridSize()
    for row in range(grid.count()):
        rect = grid.visualItemRect(grid.item(row))
        column_left = (rect.left() // cell.width()) * cell.width()
        assert abs(rect.center().x() - (column_left + cell.width() / 2)) <= 2, (
            f"cell {row} sits at {rect} though its column is {column_left}..{column_left + cell.width()}")
    rects = [grid.visualItemRect(grid.item(r)) for r in range(grid.count())]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    assert panel.grab().save(str(artifacts_dir / "images-creator-pictures.png"))
