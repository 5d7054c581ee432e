"""Opening folders of every shape, without changing anything of the creator's."""

from __future__ import annotations

import json
import tempfile

import pytest
from project_helpers import file_hashes, leftover_temp_files

from studio.errors import ProjectError, StorageError
from studio.project.manifest import Manifest
from studio.project.project import Project, ScriptChoiceNeeded


def test_an_empty_folder_gets_a_starter_script_and_a_manifest(folder):
    project = Project.open(folder)
    script = (folder / "script.md").read_text()
    assert script.startswith("# My Video\n\n") and len(script.splitlines()) == 3
    assert [s.title for s in project.scenes] == ["My Video"]
    assert len(project.lines) == 1 and project.lines[0].text
    assert Manifest.load(folder).script == "script.md"
    assert (folder / ".stitch").is_dir() and (folder / "renders").is_dir()
    assert not project.dirty
    project.close()
    assert not (folder / ".stitch" / "session.lock").exists()


def test_a_folder_with_a_script_and_images_is_opened_as_it_is(scripted):
    before = file_hashes(scripted)
    project = Project.open(scripted)
    assert [s.title for s in project.scenes] == ["Opening", "Middle", "End"]
    assert [line.text for line in project.lines] == [
        "First line of the video.", "Second line, with a twist.", "The middle part explains things.",
        "Thanks for watching.",
    ]
    project.save()
    project.close()
    after = file_hashes(scripted)
    added = {name for name in after if name not in before}
    assert added == {"stitch.toml"}
    assert {name: after[name] for name in before} == before


def test_a_folder_with_one_text_file_uses_it_and_skips_readme_and_license(folder):
    (folder / "notes.txt").write_text("Hello and welcome.\n\nToday: bread.\n")
    (folder / "README.md").write_text("# About this folder\n")
    (folder / "LICENSE.txt").write_text("All rights reserved.\n")
    (folder / "CHANGELOG.md").write_text("- first\n")
    project = Project.open(folder)
    assert project.script_path == folder / "notes.txt"
    assert [line.text for line in project.lines] == ["Hello and welcome.", "Today: bread."]
    assert not (folder / "script.md").exists()
    project.close()
    assert Project.open(folder).script_path.name == "notes.txt"  # remembered in stitch.toml


def test_two_candidate_scripts_ask_the_creator_and_write_nothing(folder):
    (folder / "part-a.md").write_text("# A\n\nAlpha.\n")
    (folder / "part-b.md").write_text("# B\n\nBeta.\n")
    (folder / ".hidden.md").write_text("secret\n")
    with pytest.raises(ScriptChoiceNeeded) as caught:
        Project.open(folder)
    assert caught.value.candidates == ["part-a.md", "part-b.md"]
    assert isinstance(caught.value, ProjectError) and "choose" in str(caught.value)
    assert sorted(p.name for p in folder.iterdir()) == [".hidden.md", "part-a.md", "part-b.md"]
    assert Project.script_candidates(folder) == ["part-a.md", "part-b.md"]

    project = Project.open(folder, script="part-b.md")
    assert [line.text for line in project.lines] == ["Beta."]
    project.close()
    assert Project.open(folder).script_path.name == "part-b.md"


def test_script_md_wins_over_other_candidates(folder):
    (folder / "outline.md").write_text("ideas\n")
    (folder / "script.md").write_text("The real script.\n")
    assert Project.script_candidates(folder) == ["script.md", "outline.md"]
    assert Project.open(folder).lines[0].text == "The real script."


def test_a_crlf_script_with_a_bom_is_kept_byte_for_byte(folder):
    raw = "\ufeff# Title\r\n\r\nHello there.\r\n\r\nSecond line.  \r\n".encode("utf-8")
    (folder / "script.md").write_bytes(raw)
    project = Project.open(folder)
    assert [line.text for line in project.lines] == ["Hello there.", "Second line."]
    project.save()
    assert (folder / "script.md").read_bytes() == raw

    first, second = project.lines
    project.edit_line(first.id, "Hello again.")
    project.insert_line(second.id, "Third line.")
    project.save()
    assert (folder / "script.md").read_bytes() == (
        "\ufeff# Title\r\n\r\nHello again.\r\n\r\nSecond line.  \r\n\r\nThird line.\r\n".encode("utf-8")
    )


def test_a_windows_1252_script_stays_windows_1252(folder):
    raw = "Caf\xe9 au lait, na\xefve \u201cquotes\u201d.\r\n".encode("cp1252")
    (folder / "script.txt").write_bytes(raw)
    project = Project.open(folder)
    line = project.lines[0]
    assert line.text == "Café au lait, naïve “quotes”."
    project.edit_line(line.id, "Crème brûlée — twice.")
    project.save()
    assert (folder / "script.txt").read_bytes() == "Crème brûlée — twice.\r\n".encode("cp1252")

    saved = (folder / "script.txt").read_bytes()
    project.edit_line(line.id, "Now with an emoji 🎬.")
    with pytest.raises(StorageError) as caught:
        project.save()
    assert "cannot hold '🎬'" in str(caught.value) and "nothing was changed" in str(caught.value)
    assert (folder / "script.txt").read_bytes() == saved
    assert leftover_temp_files(folder) == []
    assert project.dirty


def test_a_script_the_studio_cannot_decode_is_refused_and_nothing_is_written(folder):
    (folder / "script.md").write_bytes(b"Hello \x81\x8d\x90 world\n")
    before = file_hashes(folder)
    with pytest.raises(StorageError) as caught:
        Project.open(folder)
    assert "Save it as UTF-8" in str(caught.value) and "nothing was changed" in str(caught.value)
    assert file_hashes(folder) == before
    assert sorted(p.name for p in folder.iterdir()) == ["script.md"]


def test_a_folder_the_studio_cannot_write_to_is_refused_with_a_sentence(scripted, monkeypatch):
    # Tests run as root, who may write anywhere: simulate the refusal where the studio tries.
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    before = file_hashes(scripted)
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(ProjectError) as caught:
        Project.open(scripted)
    assert str(caught.value) == (
        "Stitch Studio cannot write to My Video (permission denied). Copy the folder somewhere you can "
        "write, or change its permissions; nothing was changed."
    )
    assert file_hashes(scripted) == before
    assert not (scripted / ".stitch").exists()


def test_a_missing_folder_a_file_and_a_missing_named_script_are_sentences(folder):
    with pytest.raises(ProjectError, match="There is no folder"):
        Project.open(folder / "nope")
    (folder / "script.md").write_text("x\n")
    with pytest.raises(ProjectError, match="is a file, not a folder"):
        Project.open(folder / "script.md")
    (folder / "stitch.toml").write_text('schema = 1\nscript = "gone.md"\n')
    with pytest.raises(ProjectError, match='names the script "gone.md", which is not in My Video'):
        Project.open(folder)
    assert not (folder / "gone.md").exists()


def test_a_thousand_line_script_opens_and_is_not_rewritten(folder):
    # How quickly it opens is measured in tests/benchmarks/project_bench.py.
    body = "".join(f"# Scene {s}\n\n" + "".join(f"Line {s}-{n} of the long script.\n\n" for n in range(50)) for s in range(20))
    (folder / "script.md").write_text(body)
    mtime = (folder / "script.md").stat().st_mtime_ns
    project = Project.open(folder)
    assert len(project.lines) == 1000 and len(project.scenes) == 20
    assert (folder / "script.md").stat().st_mtime_ns == mtime

    # Opening again (ids already known) finds the same ids.
    ids = [line.id for line in project.lines]
    project.close()
    again = Project.open(folder)
    assert [line.id for line in again.lines] == ids


def test_line_ids_are_remembered_in_lines_json(scripted):
    project = Project.open(scripted)
    ids = [line.id for line in project.lines]
    data = json.loads((scripted / ".stitch" / "lines.json").read_text())
    assert [r["id"] for r in data["lines"]] == ids
    assert [r["text"] for r in data["lines"]] == [line.text for line in project.lines]
    assert all(len(i) == 12 and int(i, 16) >= 0 for i in ids)
    assert [s["title"] for s in data["scenes"]] == ["Opening", "Middle", "End"]
    # The script itself never carries the studio's ids.
    assert not any(i in (scripted / "script.md").read_text() for i in ids)
