"""Deleting image takes: the file goes to the trash, undo brings it back, the creator's pictures stay put."""

from __future__ import annotations

import os

import pytest

from studio.errors import ProjectError
from studio.project.images import IMAGE_TRASH, new_image_take
from studio.project.project import Project

SCRIPT = """# Harbour

[image: a lighthouse at dawn]

The lighthouse wakes before the town does.

# Market

Stalls open one by one.
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "script.md").write_text(SCRIPT, encoding="utf-8")
    opened = Project.open(tmp_path)
    yield opened
    opened.close()


def _render(project, scene_id, name, body=None, created=None):
    folder = project.folder / "renders" / "images"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(body if body is not None else os.urandom(2048))
    values = {"created": created} if created else {}
    take = new_image_take(scene_id, f"renders/images/{name}", request={"prompt": "a lighthouse"}, seed=7, **values)
    project.add_image_take(take)
    return take


def test_delete_moves_the_file_to_the_trash_and_undo_brings_it_back(project):
    scene = project.scenes[0].id
    body = os.urandom(4096)
    take = _render(project, scene, "a.png", body)
    project.delete_image(take.id)

    assert project.image_takes.get(take.id) is None and project.images_for(scene) == []
    assert not (project.folder / take.path).exists()
    trashed = list((project.folder / IMAGE_TRASH).glob("*.png"))
    assert [p.read_bytes() for p in trashed] == [body]
    assert project.trash_size() >= len(body)
    assert project.undo_label == "Delete image"

    assert project.undo()
    assert (project.folder / take.path).read_bytes() == body  # byte-identical, where it was
    assert project.image_takes.get(take.id) == take
    assert not list((project.folder / IMAGE_TRASH).glob("*.png"))
    assert project.redo()
    assert project.image_takes.get(take.id) is None and not (project.folder / take.path).exists()


def test_deleting_the_chosen_image_unchooses_it(project):
    scene = project.scenes[0].id
    older = _render(project, scene, "older.png", created="2024-01-01T00:00:00.000+00:00")
    chosen = _render(project, scene, "chosen.png", created="2024-01-02T00:00:00.000+00:00")
    project.choose_image(scene, older.id)
    project.set_scene_prompt(scene, "a lighthouse in fog")
    project.choose_image(scene, chosen.id)
    assert project.image_state(scene) == "chosen"

    project.delete_image(chosen.id)
    assert project.chosen_image(scene).id == older.id  # the next take stands in
    assert project.image_state(scene) != "chosen"
    assert project.scene_prompt(scene) == "a lighthouse in fog"  # only the choice went
    project.delete_image(older.id)
    assert project.chosen_image(scene) is None and project.image_state(scene) == "none"

    project.undo()
    project.undo()
    assert project.chosen_image(scene).id == chosen.id and project.image_state(scene) == "chosen"
    reopened = Project.open(project.folder)  # the choice and both records are on disk
    assert reopened.chosen_image(scene).id == chosen.id
    assert {t.id for t in reopened.images_for(scene)} == {older.id, chosen.id}
    reopened.close()


def test_a_pinned_image_is_deleted_when_asked(project):
    scene = project.scenes[0].id
    take = _render(project, scene, "pinned.png")
    project.pin_image(take.id)
    project.delete_image(take.id)
    assert project.images_for(scene) == []
    project.undo()
    assert project.image_takes.get(take.id).pinned


def test_a_creators_picture_is_only_forgotten(project):
    scene = project.scenes[0].id
    (project.folder / "art").mkdir()
    own = project.folder / "art" / "harbour.png"
    own.write_bytes(b"the creator's own picture")
    before = os.stat(own)
    take = project.add_creator_image(scene, "art/harbour.png")
    project.choose_image(scene, take.id)

    project.delete_image(take.id)
    assert project.images_for(scene) == [] and project.chosen_image(scene) is None
    after = os.stat(own)
    assert own.read_bytes() == b"the creator's own picture"
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    assert not list((project.folder / IMAGE_TRASH).glob("*.png"))

    project.undo()
    assert project.chosen_image(scene).id == take.id
    project.redo()
    assert project.empty_trash() == 0
    assert own.read_bytes() == b"the creator's own picture"


def test_empty_trash_frees_image_files_for_good(project):
    scene = project.scenes[0].id
    body = os.urandom(3000)
    take = _render(project, scene, "gone.png", body)
    project.delete_image(take.id)
    assert project.trash_size() >= 3000
    assert project.empty_trash() >= 3000
    assert project.trash_size() == 0
    assert not list((project.folder / IMAGE_TRASH).glob("*.png"))
    project.undo()  # too late: the take is gone, and undo says nothing went wrong
    assert project.image_takes.get(take.id) is None and not (project.folder / take.path).exists()


def test_a_file_another_take_still_shows_stays(project):
    harbour, market = (s.id for s in project.scenes)
    take = _render(project, harbour, "shared.png")
    twin = new_image_take(market, take.path, request=take.request, seed=take.seed)  # a cache hit in another scene
    project.add_image_take(twin)
    project.delete_image(take.id)
    assert (project.folder / take.path).is_file()
    assert project.chosen_image(market).id == twin.id
    project.delete_image(twin.id)
    assert not (project.folder / take.path).exists()
    project.undo()
    assert (project.folder / take.path).is_file()


def test_trash_survives_reopening(project):
    scene = project.scenes[0].id
    take = _render(project, scene, "a.png")
    project.delete_image(take.id)
    project.save()
    reopened = Project.open(project.folder)
    assert reopened.images_for(scene) == []
    assert reopened.trash_size() > 0
    assert reopened.empty_trash() > 0
    reopened.close()


def test_keep_only_chosen_images(project):
    harbour, market = (s.id for s in project.scenes)
    a = _render(project, harbour, "a.png", created="2024-01-01T00:00:00.000+00:00")
    b = _render(project, harbour, "b.png", created="2024-01-02T00:00:00.000+00:00")
    c = _render(project, harbour, "c.png", created="2024-01-03T00:00:00.000+00:00")
    d = _render(project, market, "d.png")
    project.choose_image(harbour, a.id)
    project.pin_image(b.id)
    assert project.keep_only_chosen_images() == 1  # c; a is chosen, b pinned, d stands in for Market
    assert {t.id for t in project.images_for(harbour)} == {a.id, b.id}
    assert project.chosen_image(market).id == d.id
    project.undo()
    assert (project.folder / c.path).is_file() and project.image_takes.get(c.id) is not None


def test_deleting_an_unknown_image_is_one_sentence(project):
    with pytest.raises(ProjectError, match="no longer in the project"):
        project.delete_image("nope")
