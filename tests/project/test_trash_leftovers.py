"""Emptying the trash frees what the studio kept beside each take; preview pieces do not pile up."""

from __future__ import annotations

import os
import socket
import time

from studio.project import session
from studio.project.checks import CHECKS_DIR, TakeCheck, write_check
from studio.project.leftovers import (
    LEVELS_FILE, PREVIEW_DIR, TIMINGS_DIR, find_leftovers, free_leftovers, read_levels, timings_path,
)
from studio.project.project import Project
from studio.storage import atomic_write_json
from studio.project.trash import Trash

from project_helpers import make_take


def _keep_beside(project, take, stretch: bool = False) -> None:
    """A check, engine timings and a loudness entry for this take, as the jobs write them."""
    write_check(project.folder, TakeCheck(take.id, True, 0.0, "ok", "fake-stt", "tiny"))
    atomic_write_json(timings_path(project.folder, take.cache_key), {"schema": 1, "source": "fake", "words": [take.id]})
    levels = read_levels(project.folder)
    key = f"{take.path}@1.000+0.500" if stretch else take.path
    levels[key] = {"stamp": [13, 1], "lufs": -20.0}
    atomic_write_json(project.folder / LEVELS_FILE, levels)


def _snapshot(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted((folder / ".stitch").rglob("*"))
            if p.is_file() and p.parent.name in ("checks", "timings")}


def test_emptying_the_trash_frees_checks_timings_and_loudness_of_the_emptied_takes(scripted):
    project = Project.open(scripted)
    first, second = project.lines[0].id, project.lines[1].id
    doomed = make_take(project, first, "aa" * 20)
    kept = make_take(project, first, "bb" * 20, created="2025-01-02T00:00:00+00:00")
    # The same audio (cache key, file) played by another line: its timings and loudness stay.
    shared_gone = make_take(project, first, "cc" * 20, created="2025-01-03T00:00:00+00:00")
    shared_live = make_take(project, second, "cc" * 20, write_file=False)
    shared_live.id = "take-shared"
    for take in (doomed, kept, shared_gone, shared_live):
        project.add_take(take)
        _keep_beside(project, take)
    _keep_beside(project, kept, stretch=True)
    _keep_beside(project, doomed, stretch=True)
    project.delete_take(doomed.id)
    project.delete_take(shared_gone.id)
    before = _snapshot(scripted)
    levels_before = read_levels(scripted)

    freed = project.empty_trash()

    assert not (scripted / CHECKS_DIR / f"{doomed.id}.json").exists()
    assert not (scripted / CHECKS_DIR / f"{shared_gone.id}.json").exists()
    assert not timings_path(scripted, doomed.cache_key).exists()
    assert freed > len(b"RIFF fake wav")  # the audio and the check and timings beside it
    after = _snapshot(scripted)
    gone = {f"{CHECKS_DIR.as_posix()}/{doomed.id}.json", f"{CHECKS_DIR.as_posix()}/{shared_gone.id}.json",
            f"{TIMINGS_DIR.as_posix()}/{doomed.cache_key[:20]}.json"}
    assert after == {name: data for name, data in before.items() if name not in gone}  # byte-identical
    levels = read_levels(scripted)
    assert doomed.path not in levels
    assert levels == {key: value for key, value in levels_before.items() if not key.startswith(doomed.path)}
    assert f"{kept.path}@1.000+0.500" in levels and shared_live.path in levels
    assert project.take_check(kept.id) is not None and project.take_check(shared_live.id) is not None


def test_undo_after_a_delete_still_finds_the_check_until_the_trash_is_emptied(scripted):
    project = Project.open(scripted)
    line = project.lines[0].id
    take = make_take(project, line, "dd" * 20)
    project.add_take(take)
    _keep_beside(project, take)
    project.delete_take(take.id)
    project.undo()
    assert project.take_check(take.id) is not None
    assert timings_path(scripted, take.cache_key).is_file() and take.path in read_levels(scripted)
    project.redo()
    project.empty_trash()
    project.undo()  # gone for good: nothing comes back, nothing is left behind
    assert project.takes.get(take.id) is None and project.take_check(take.id) is None
    assert not timings_path(scripted, take.cache_key).exists() and take.path not in read_levels(scripted)


def test_emptying_with_a_damaged_loudness_file_still_empties(scripted):
    project = Project.open(scripted)
    take = make_take(project, project.lines[0].id, "ee" * 20)
    project.add_take(take)
    (scripted / LEVELS_FILE).write_text("{not json", encoding="utf-8")
    project.delete_take(take.id)
    assert project.empty_trash() == len(b"RIFF fake wav")
    assert project.trash_size() == 0


def test_leftovers_are_what_no_live_or_trashed_take_needs(scripted):
    project = Project.open(scripted)
    line = project.lines[0].id
    live, trashed = make_take(project, line, "ff" * 20), make_take(project, line, "gg" * 20)
    for take in (live, trashed):
        project.add_take(take)
        _keep_beside(project, take)
    project.delete_take(trashed.id)
    orphan = make_take(project, line, "hh" * 20, write_file=False)  # never recorded: a crash mid-render
    _keep_beside(project, orphan)
    found = find_leftovers(scripted, project.takes.all())
    assert {p.name for p in found.files} >= {f"{orphan.id}.json", f"{orphan.cache_key[:20]}.json"}
    assert f"{trashed.id}.json" in {p.name for p in found.files}  # live takes alone do not keep the trash's

    everything = project.takes.all() + Trash(scripted).takes()
    found = find_leftovers(scripted, everything)
    assert sorted(p.name for p in found.files) == sorted([f"{orphan.id}.json", f"{orphan.cache_key[:20]}.json"])
    size = found.size()
    assert found.levels == [orphan.path] and size > 0
    assert free_leftovers(scripted, found) == size
    assert find_leftovers(scripted, everything).files == [] and orphan.path not in read_levels(scripted)
    assert project.take_check(live.id) is not None and project.take_check(trashed.id) is not None
    project.undo()
    assert project.takes.get(trashed.id) is not None and project.take_check(trashed.id) is not None


def _piece(folder, name: str, age_s: float):
    path = folder / PREVIEW_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF piece")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_preview_pieces_of_an_earlier_session_go_when_the_project_opens_and_closes(scripted):
    Project.open(scripted).close()
    old = _piece(scripted, "line-1.wav", 60)
    project = Project.open(scripted)
    assert not old.exists()
    now = _piece(scripted, "line-2.wav", 0)
    project.close()
    assert not now.exists()


def test_a_live_session_keeps_its_recent_preview_pieces(scripted):
    # Another studio, still running, has the folder open and is rendering a line.
    lock = {"pid": os.getppid(), "host": socket.gethostname(), "opened_at": ""}
    atomic_write_json(scripted / session.LOCK_FILE, lock)
    assert session.lock_is_live(scripted)
    recent = _piece(scripted, "line-1-3.wav", 60)
    ancient = _piece(scripted, "line-9-1.wav", 3 * 24 * 3600)
    project = Project.open(scripted)
    assert recent.exists() and not ancient.exists()
    project.close()


def test_studio_clean_frees_what_no_take_needs_and_keeps_the_rest(scripted, capsys):
    import json

    from studio.cli.command import main

    project = Project.open(scripted)
    line = project.lines[0].id
    live = make_take(project, line, "dd" * 20)
    project.add_take(live)
    _keep_beside(project, live)
    trashed = make_take(project, line, "ee" * 20, created="2025-01-02T00:00:00+00:00")
    project.add_take(trashed)
    _keep_beside(project, trashed)
    project.delete_take(trashed.id)  # in the trash: undo can still bring it back, so its files stay
    orphan = make_take(project, line, "ff" * 20, write_file=False)
    orphan.id = "take-removed-long-ago"
    _keep_beside(project, orphan)  # as if left by a take removed before the trash freed such files
    project.save()
    project.close()
    kept = {p: b for p, b in _snapshot(scripted).items() if "take-removed-long-ago" not in p and "ffff" not in p}

    assert main(["clean", str(scripted), "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(report["files"]) == [f".stitch/checks/{orphan.id}.json", f".stitch/timings/{'ff' * 10}.json"]
    assert report["freed"] == 0 and (scripted / CHECKS_DIR / f"{orphan.id}.json").exists()

    assert main(["clean", str(scripted)]) == 0
    assert capsys.readouterr().out.startswith("Freed 2 files")
    assert not (scripted / CHECKS_DIR / f"{orphan.id}.json").exists()
    assert {p: b for p, b in _snapshot(scripted).items()} == kept  # the live and trashed takes' files stay
    assert main(["clean", str(scripted)]) == 0
    assert capsys.readouterr().out.startswith("Nothing to clean")
