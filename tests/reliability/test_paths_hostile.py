"""A generated set of hostile recorded paths and symlinked studio folders, with decoys outside
(issue 16, item 3): whatever the studio is asked to do, nothing outside the project folder is
read, written, moved or deleted. Decoys are hashed before and after; Python's audit events
and every sound file read are watched for paths under them."""

from __future__ import annotations

import io
import itertools
import json
from contextlib import redirect_stderr, redirect_stdout

import pytest

from studio.cli.command import main, render_project
from studio.project.images import IMAGES_FILE
from studio.project.project import Project
from studio.project.takes import TAKES_FILE
from studio.project.trash import TRASH_FILE

from .conftest import LONG, make_decoy, tree_hashes, write_figures

FIGURES = {"cases": 0, "faults": 0, "survived": 0, "lost": 0}


@pytest.fixture(autouse=True, scope="module")
def _figures():
    yield
    write_figures("paths", FIGURES["cases"], FIGURES["faults"], FIGURES["survived"], FIGURES["lost"])


def hostile_forms(project, decoy):
    """Every way a recorded path can lead out: `..`, absolute, drive, UNC, links."""
    depth = len(project.parts) - len(decoy.parent.parts)
    up = "../" * depth
    forms = [
        f"{up}elsewhere/victim.wav", f"renders/{up}../elsewhere/victim.wav", f"renders/../{up}elsewhere/victim.wav",
        str(decoy / "victim.wav"), f"C:\\elsewhere\\victim.wav", "C:victim.wav", "\\\\server\\share\\victim.wav",
        "//server/share/victim.wav", f"renders\\..\\{up.replace('/', chr(92))}elsewhere\\victim.wav",
        "~/victim.wav", "renders/linked.wav", "linked-folder/victim.wav",
    ]
    return forms if LONG else [forms[0], forms[3], forms[4], forms[6], forms[10]]


FIELDS = ("take", "picture", "trashed take", "trash file")
FOLDER_LINKS = (".stitch/preview", ".stitch/timings", ".stitch/checks", ".stitch/trash", "renders", "exports", ".stitch")


def _plant(folder, field, path):
    takes = json.loads((folder / TAKES_FILE).read_text())
    first = takes["takes"][0]
    if field == "take":
        takes["takes"].append({**first, "id": "hostile00001", "path": path, "created": "2999-01-01T00:00:00+00:00"})
        (folder / TAKES_FILE).write_text(json.dumps(takes))
    elif field == "picture":
        project = Project.open(folder)
        scene = project.scenes[0].id
        project.close()
        (folder / IMAGES_FILE).write_text(json.dumps({"schema": 1, "takes": [
            {"id": "pic000000001", "scene_id": scene, "path": path, "kind": "creator"},
            {"id": "pic000000002", "scene_id": scene, "path": path, "kind": "render"}]}))
    else:
        entry = {**first, "id": "trashed00001"}
        if field == "trashed take":
            entry["path"] = path
        (folder / TRASH_FILE).parent.mkdir(parents=True, exist_ok=True)
        (folder / TRASH_FILE).write_text(json.dumps({"schema": 1, "takes": [
            {"take": entry, "file": path if field == "trash file" else "x-victim.wav"}]}))


def _everything(folder, registry, tmp_path):
    """What a creator could ask of the project; refusals are fine, reaching outside is not."""
    quiet = io.StringIO()
    with redirect_stdout(quiet), redirect_stderr(quiet):
        try:
            project = Project.open(folder)
            for line in project.lines:
                project.chosen_take(line.id)
                for take in project.takes_for(line.id)[1:]:
                    project.delete_take(take.id)
            for scene in project.scenes:
                project.chosen_image(scene.id)
                for image in project.images_for(scene.id):
                    project.delete_image(image.id)
            project.undo()
            project.redo()
            project.empty_trash()
            project.leftovers()
            project.free_leftovers()
            project.close()
        except Exception as exc:  # noqa: BLE001 - only a sentence may come back
            assert getattr(exc, "message", "").endswith((".", "…")), repr(exc)
        try:
            render_project(folder, registry=registry, out=quiet)
        except Exception as exc:  # noqa: BLE001 - only a sentence may come back
            assert getattr(exc, "message", "").endswith((".", "…")), repr(exc)
        commands = [["clean", str(folder), "--dry-run", "--json"], ["clean", str(folder)],
                    ["export", str(folder), "--narration", "wav"]]
        if LONG:
            commands += [["cost", str(folder)], ["export", str(folder), "--narration", "wav", "--out", str(tmp_path / "out.wav")]]
        for argv in commands:
            main(argv)
    return quiet.getvalue()


def test_hostile_recorded_paths_never_reach_outside(rendered, tmp_path, sine_registry, outside_watch):
    decoy = make_decoy(tmp_path / "elsewhere")
    (rendered / "renders" / "linked.wav").symlink_to(decoy / "victim.wav")
    (rendered / "linked-folder").symlink_to(decoy, target_is_directory=True)
    pristine = tmp_path / "pristine"
    import shutil

    shutil.copytree(rendered, pristine, symlinks=True)
    before = tree_hashes(decoy)
    failures = []
    for n, (field, path) in enumerate(itertools.product(FIELDS, hostile_forms(rendered, decoy))):
        folder = tmp_path / f"case-{n:03d}"
        shutil.copytree(pristine, folder, symlinks=True)
        _plant(folder, field, path)
        watch = outside_watch(decoy)
        _everything(folder, sine_registry, tmp_path)
        watch.active = False
        FIGURES["cases"] += 1
        FIGURES["faults"] += 1
        if watch.touched or tree_hashes(decoy) != before:
            FIGURES["lost"] += 1
            failures.append(f"{field} = {path!r}: {watch.touched[:3]}")
        else:
            FIGURES["survived"] += 1
        shutil.rmtree(folder)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("linked", FOLDER_LINKS)
def test_every_studio_folder_as_a_link_out_gets_nothing_through_it(rendered, tmp_path, sine_registry, outside_watch, linked):
    import shutil

    decoy = make_decoy(tmp_path / "elsewhere")
    target = rendered / linked
    if target.exists():
        shutil.move(str(target), str(tmp_path / "moved-away"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(decoy, target_is_directory=True)
    before = tree_hashes(decoy)
    watch = outside_watch(decoy)
    _everything(rendered, sine_registry, tmp_path)
    watch.active = False
    FIGURES["cases"] += 1
    FIGURES["faults"] += 1
    touched = [t for t in watch.touched if t[0] not in ("os.listdir", "os.scandir") or linked != ".stitch"]
    ok = not touched and tree_hashes(decoy) == before
    FIGURES["survived" if ok else "lost"] += 1
    assert tree_hashes(decoy) == before
    assert not touched, touched[:5]
