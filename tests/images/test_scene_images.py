"""Scene images in the project: prompts from directions or the panel, takes, undoable choice."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from studio.errors import ProjectError
from studio.project.images import ImageTake, creator_pictures, direction_prompt, new_image_take
from studio.project.project import Project

SCRIPT = """# Harbour

[image: a lighthouse at dawn]

The lighthouse wakes before the town does.

[Music swells]

# Market

Stalls open one by one.
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "script.md").write_text(SCRIPT, encoding="utf-8")
    return tmp_path


def _take(project, scene_id, name, prompt="a lighthouse at dawn", seed=1) -> ImageTake:
    (project.folder / "renders" / "images").mkdir(parents=True, exist_ok=True)
    (project.folder / "renders" / "images" / name).write_bytes(b"png")
    return new_image_take(scene_id, f"renders/images/{name}", request={"prompt": prompt}, seed=seed)


def test_direction_prompt():
    assert direction_prompt("[image: a lighthouse  at dawn]") == "a lighthouse at dawn"
    assert direction_prompt("[Image:   fog]") == "fog"
    assert direction_prompt("[Music swells]") is None


def test_prompt_from_direction_panel_and_suggestion(folder):
    project = Project.open(folder)
    harbour, market = project.scenes
    assert project.prompt_and_source(harbour.id) == ("a lighthouse at dawn", "script")
    prompt, source = project.prompt_and_source(market.id)
    assert source == "suggested" and prompt.startswith("Market")

    project.set_scene_prompt(harbour.id, "a lighthouse in fog")
    assert project.prompt_and_source(harbour.id) == ("a lighthouse in fog", "panel")
    assert (folder / "script.md").read_text(encoding="utf-8") == SCRIPT  # the script is untouched
    project.undo()
    assert project.scene_prompt(harbour.id) == "a lighthouse at dawn"
    project.redo()
    project.close()

    reopened = Project.open(folder)
    assert reopened.prompt_and_source(harbour.id) == ("a lighthouse in fog", "panel")
    # The creator edits the direction in another editor: the script's newer words win.
    (folder / "script.md").write_text(SCRIPT.replace("at dawn", "at night"), encoding="utf-8")
    assert reopened.reload_if_changed() == "reloaded"
    assert reopened.prompt_and_source(harbour.id) == ("a lighthouse at night", "script")
    reopened.close()


def test_image_takes_survive_reopen_and_are_chosen_undoably(folder):
    project = Project.open(folder)
    scene = project.scenes[0].id
    first, second = _take(project, scene, "a.png", seed=1), _take(project, scene, "b.png", seed=2)
    project.add_image_take(first)
    project.add_image_take(second)
    assert project.chosen_image(scene).id == second.id  # newest stands in while none is chosen
    assert project.image_state(scene) == "current"

    project.choose_image(scene, first.id)
    assert project.chosen_image(scene).id == first.id and project.image_state(scene) == "chosen"
    assert project.undo_label == "Use image"
    project.undo()
    assert project.chosen_image(scene).id == second.id
    project.redo()
    project.pin_image(second.id)
    project.close()

    reopened = Project.open(folder)
    takes = reopened.images_for(scene)
    assert [t.id for t in takes] == [second.id, first.id]
    assert takes[0].pinned and takes[0].seed == 2
    assert reopened.chosen_image(scene).id == first.id
    with pytest.raises(ProjectError):
        reopened.choose_image(reopened.scenes[1].id, first.id)  # not that scene's image
    reopened.close()


def test_creator_image_by_reference_is_untouched(folder):
    from PIL import Image

    (folder / "photos").mkdir()
    picture = folder / "photos" / "harbour.jpg"
    Image.fromarray(np.full((40, 60, 3), 120, np.uint8)).save(picture)
    before = hashlib.sha256(picture.read_bytes()).hexdigest()
    project = Project.open(folder)
    assert creator_pictures(folder) == ["photos/harbour.jpg"]
    scene = project.scenes[0].id
    take = project.add_creator_image(scene, "photos/harbour.jpg")
    assert take.path == "photos/harbour.jpg" and take.by_reference
    assert project.add_creator_image(scene, "photos/harbour.jpg").id == take.id  # once is enough
    project.choose_image(scene, take.id)
    project.close()
    assert hashlib.sha256(picture.read_bytes()).hexdigest() == before
    assert not (folder / "renders" / "images").exists()  # nothing copied
    again = Project.open(folder)
    with pytest.raises(ProjectError):
        again.add_creator_image(scene, "../elsewhere.png")
    again.close()
