"""Each hole the fault probe found (issue 16), as a test that fails without its fix."""

from __future__ import annotations

import shutil

import json
import os
import wave

import pytest

from studio.cli.command import main
from studio.engines.base import NullState
from studio.errors import ProjectError
from studio.jobs.pipeline import Voicing
from studio.project.paths import OutsideProject, inside_project, studio_link
from studio.project.project import Project
from studio.project.takes import TAKES_FILE

from .conftest import make_decoy, tree_hashes


@pytest.fixture
def decoy(tmp_path):
    return make_decoy(tmp_path / "elsewhere")


def _link(project, relative, decoy):
    target = project / relative
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(decoy, target_is_directory=True)


def test_a_preview_folder_linked_outside_is_never_emptied_by_opening(rendered, decoy, capsys):
    _link(rendered, ".stitch/preview", decoy)
    before = tree_hashes(decoy)
    rc = main(["cost", str(rendered)])
    assert rc == 2 and "link" in capsys.readouterr().err  # said, in a sentence
    with pytest.raises(ProjectError, match="link"):
        Project.open(rendered)
    assert tree_hashes(decoy) == before


@pytest.mark.parametrize("folder", [".stitch/timings", ".stitch/checks"])
def test_clean_never_lists_nor_deletes_through_a_linked_folder(rendered, decoy, folder, capsys):
    _link(rendered, folder, decoy)
    before = tree_hashes(decoy)
    assert main(["clean", str(rendered), "--dry-run", "--json"]) == 2
    assert "elsewhere" not in capsys.readouterr().out
    assert main(["clean", str(rendered)]) == 2
    assert tree_hashes(decoy) == before
    # and below the project layer, the sweep itself never follows the link
    from studio.project.leftovers import find_leftovers, free_leftovers

    found = find_leftovers(rendered, [])
    assert not any(str(decoy) in str(p) or folder in p.as_posix() for p in found.files)
    free_leftovers(rendered, found)
    assert tree_hashes(decoy) == before


def _plant_take(folder, path):
    data = json.loads((folder / TAKES_FILE).read_text())
    first = data["takes"][0]
    data["takes"].append({**first, "id": "hostile00001", "path": path, "created": "2999-01-01T00:00:00+00:00"})
    (folder / TAKES_FILE).write_text(json.dumps(data))
    return first


@pytest.mark.parametrize("form", ["../elsewhere/victim.wav", "renders/../../elsewhere/victim.wav", "ABS"])
def test_a_take_pointing_outside_is_never_current_nor_exported(rendered, decoy, form, sine_registry, outside_watch, tmp_path):
    path = str(decoy / "victim.wav") if form == "ABS" else form
    first = _plant_take(rendered, path)
    before = tree_hashes(decoy)
    watch = outside_watch(decoy)
    project = Project.open(rendered)
    voicing = Voicing(project, sine_registry)
    line = first["line_id"]
    assert project.chosen_take(line).id != "hostile00001"
    assert all(take.id != "hostile00001" for take in project.takes.all())
    assert any("project folder" in s for s in project.takes.refused())
    assert voicing.line_state(line) == "draft"
    project.close()
    out = tmp_path / "narration.wav"
    assert main(["export", str(rendered), "--narration", "wav", "--out", str(out)]) == 0
    assert out.is_file() and not watch.touched and tree_hashes(decoy) == before
    # the record is kept (the creator can mend it), only never used
    assert "hostile00001" in (rendered / TAKES_FILE).read_text()


def test_a_picture_outside_never_reaches_the_video(rendered, decoy, outside_watch):
    from studio.project.images import IMAGES_FILE
    from studio.render.from_project import scene_image

    project = Project.open(rendered)
    scene = project.scenes[0]
    project.close()
    (rendered / IMAGES_FILE).write_text(json.dumps({"schema": 1, "takes": [
        {"id": "pic000000001", "scene_id": scene.id, "path": str(decoy / "picture.png"), "kind": "creator"}]}))
    watch = outside_watch(decoy)
    project = Project.open(rendered)
    assert project.image_takes.all() == [] and project.chosen_image(scene.id) is None
    assert not scene_image(project, scene).startswith(str(decoy))
    project.close()
    assert not watch.touched


@pytest.mark.parametrize("folder", ["renders", ".stitch"])
def test_linked_renders_or_studio_folder_get_no_writes(demo_project, decoy, folder, sine_registry, capsys):
    _link(demo_project, folder, decoy)
    before = tree_hashes(decoy)
    with pytest.raises(ProjectError, match="link"):
        Project.open(demo_project)
    assert main(["render", str(demo_project)]) == 2
    assert "link" in capsys.readouterr().err
    assert tree_hashes(decoy) == before


def test_linked_exports_gets_no_export(rendered, decoy, capsys):
    _link(rendered, "exports", decoy)
    before = tree_hashes(decoy)
    assert main(["export", str(rendered), "--narration", "wav"]) == 2
    assert "exports/ in" in capsys.readouterr().err
    assert tree_hashes(decoy) == before


def test_a_renders_folder_turned_into_a_link_after_opening_gets_no_take(demo_project, decoy, sine_registry):
    project = Project.open(demo_project)
    voicing = Voicing(project, sine_registry)
    _link(demo_project, "renders", decoy)
    before = tree_hashes(decoy)
    with pytest.raises(ProjectError, match="link"):
        voicing.render_line(project.lines[0].id, NullState())
    assert tree_hashes(decoy) == before
    project.close()


def test_delete_take_and_empty_trash_never_move_or_delete_outside(rendered, decoy, tmp_path):
    depth = len(rendered.relative_to(tmp_path).parts)
    climb = "renders/" + "../" * (depth + 1) + "elsewhere/victim.wav"
    first = _plant_take(rendered, climb)
    before = tree_hashes(decoy)
    project = Project.open(rendered)
    assert project.takes.get("hostile00001") is None  # never offered, so never deleted
    project.delete_take(first["id"])
    project.empty_trash()
    project.close()
    assert tree_hashes(decoy) == before

    # a trash.json entry naming a file outside
    from studio.project.trash import TRASH_FILE

    (rendered / TRASH_FILE).parent.mkdir(parents=True, exist_ok=True)
    (rendered / TRASH_FILE).write_text(json.dumps({"schema": 1, "takes": [
        {"take": {**first, "id": "trashed00001"}, "file": "../../../../elsewhere/victim2.wav"},
        {"take": {**first, "id": "trashed00002"}, "file": "../" * (depth + 3) + "elsewhere/victim2.wav"},
        {"take": {**first, "id": "trashed00003"}, "file": str(decoy / "victim2.wav")}]}))
    project = Project.open(rendered)
    project.empty_trash()
    project.close()
    assert tree_hashes(decoy) == before


def test_the_trash_never_moves_a_linked_take_file(rendered, decoy):
    project = Project.open(rendered)
    take = project.takes.all()[0]
    project.close()
    real = rendered / take.path
    real.unlink()
    real.symlink_to(decoy / "victim.wav")  # renders/<key>.wav now points outside
    before = tree_hashes(decoy)
    project = Project.open(rendered)
    assert project.takes.get(take.id) is None  # resolves outside: refused
    project.close()
    assert tree_hashes(decoy) == before and real.is_symlink()


@pytest.mark.parametrize("bad", ["/etc/passwd", "C:\\x\\y.wav", "C:y.wav", "\\\\server\\share\\x.wav",
                                 "//server/share/x.wav", "../x.wav", "a/../../x.wav", "~/x.wav", "", "a\x00b",
                                 "renders\\..\\..\\x.wav"])
def test_the_guard_refuses_every_form_of_outside(tmp_path, bad):
    with pytest.raises(OutsideProject) as caught:
        inside_project(tmp_path, bad)
    assert caught.value.message.endswith(".")


def test_the_guard_accepts_what_is_inside(tmp_path):
    (tmp_path / "renders").mkdir()
    assert inside_project(tmp_path, "renders/a.wav") == tmp_path / "renders" / "a.wav"
    assert inside_project(tmp_path, "renders/../script.md").resolve() == (tmp_path / "script.md").resolve()
    assert studio_link(tmp_path, ".stitch/preview") is None
    (tmp_path / ".stitch").mkdir()
    (tmp_path / ".stitch" / "preview").symlink_to(tmp_path / "renders")
    assert studio_link(tmp_path, ".stitch/preview/x.wav") == ".stitch/preview"


def test_an_export_killed_half_way_leaves_no_partial_after_the_next_open(rendered):
    exports = rendered / "exports"
    exports.mkdir(exist_ok=True)
    partial = exports / ".stitch-studio-demo-landscape.0123abcd.partial.mp4"
    partial.write_bytes(b"half a film")
    temp = rendered / "renders" / ".abc.wav.k2j4h5g6.tmp"
    temp.write_bytes(b"half a take")
    mine = exports / "my-own-notes.partial.mp4.txt"
    mine.write_text("not the studio's")
    Project.open(rendered).close()
    assert not partial.exists() and not temp.exists() and mine.exists()
