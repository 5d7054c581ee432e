"""stitch.toml: read, written back without losing the creator's comments, refused when wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from studio.errors import ProjectError
from studio.project.manifest import SCHEMA_VERSION, Manifest, safe_path
from studio.project.project import Project

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _write(folder: Path, text: str) -> Path:
    path = folder / "stitch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _sentence(exc: ProjectError) -> str:
    message = str(exc)
    assert "Traceback" not in message and "\n" not in message
    assert message.endswith(".")
    return message


def test_the_demo_manifest_reads_every_field(tmp_path):
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    manifest = Manifest.load(folder)
    assert (manifest.schema, manifest.title, manifest.script, manifest.format) == (1, "Stitch Studio demo", "script.md", "16:9")
    assert (manifest.voice, manifest.speed, manifest.tts_draft, manifest.tts_final) == ("", 1.0, "kokoro-onnx", "")
    assert manifest.exists and manifest.names_script and not manifest.changed


def test_a_missing_manifest_gives_defaults_named_after_the_folder(folder):
    manifest = Manifest.load(folder)
    assert manifest.title == "My Video" and manifest.tts_draft == "kokoro-onnx"
    assert manifest.schema == SCHEMA_VERSION and not manifest.exists
    manifest.save(folder)
    text = (folder / "stitch.toml").read_text()
    assert text.startswith("# Stitch Studio project. This file is yours to edit by hand.\n")
    assert 'title = "My Video"' in text and "[routing.tts]" in text
    assert Manifest.load(folder) == manifest


def test_saving_keeps_comments_unknown_keys_and_untouched_values(folder):
    original = (
        "# My notes about this video\n"
        "schema = 1\n"
        'title = "Episode 4"   # working title\n'
        'script = "script.md"\n'
        'format = "9:16"\n'
        "budget_usd = 3.50        # a key this studio does not know yet\n\n"
        "[voice]\n"
        'voice = "af_heart"\n'
        "speed = 1.00\n\n"
        "[routing.tts]\n"
        'draft = "kokoro-onnx"\n'
        'final = ""\n\n'
        "[plugins.extra]\n"
        "enabled = true\n"
    )
    path = _write(folder, original)
    manifest = Manifest.load(folder)
    manifest.save(folder)
    assert path.read_text() == original  # nothing changed: byte for byte the same

    manifest.speed = 1.25
    manifest.tts_final = "elevenlabs"
    manifest.save(folder)
    expected = original.replace("speed = 1.00\n", "speed = 1.25\n").replace('final = ""', 'final = "elevenlabs"')
    assert path.read_text() == expected
    assert Manifest.load(folder).speed == 1.25


def test_a_malformed_manifest_is_left_untouched_with_a_sentence(folder):
    broken = 'schema = 1\ntitle = "x"\nformat = = "16:9"\n'
    path = _write(folder, broken)
    with pytest.raises(ProjectError) as caught:
        Manifest.load(folder)
    message = _sentence(caught.value)
    assert message.startswith("stitch.toml could not be read (line 3, column 10: ")
    assert message.endswith("Fix it in a text editor; the studio changed nothing.")
    with pytest.raises(ProjectError, match="line 3"):
        Project.open(folder)
    assert path.read_text() == broken
    assert sorted(p.name for p in folder.iterdir()) == ["stitch.toml"]


@pytest.mark.parametrize(
    "text, words",
    [
        ('[voice]\nspeed = "fast"\n', ['speed under [voice] must be a number such as 1.0, not "fast"']),
        ("title = 3\n", ["title must be text in quotes"]),
        ('schema = "one"\n', ["schema must be a whole number"]),
        ('voice = "af"\nschema = 1\n', ["voice must be a table"]),
        ('format = "4:3"\n', ['format must be "16:9", "9:16" or "1:1", not "4:3"']),
        ("[voice]\nspeed = 9.0\n", ["speed under [voice] must be between 0.5 and 2.0"]),
        ("[voice]\nspeed = true\n", ["speed under [voice] must be a number", "not true"]),
    ],
)
def test_wrong_values_are_named_in_a_sentence(folder, text, words):
    path = _write(folder, text)
    with pytest.raises(ProjectError) as caught:
        Manifest.load(folder)
    message = _sentence(caught.value)
    for word in words:
        assert word in message
    assert path.read_text() == text


def test_a_newer_schema_is_refused_without_touching_anything(folder):
    path = _write(folder, 'schema = 7\ntitle = "From the future"\n[timeline]\ntracks = 4\n')
    with pytest.raises(ProjectError) as caught:
        Project.open(folder)
    message = _sentence(caught.value)
    assert "newer Stitch Studio" in message and "schema 7" in message
    assert path.read_text().startswith("schema = 7\n")
    assert sorted(p.name for p in folder.iterdir()) == ["stitch.toml"]


def test_a_manifest_without_schema_is_migrated_from_version_0(folder):
    path = _write(folder, '# old project\ntitle = "Old"\nvoice = "bf_emma"\nspeed = 1.1\n')
    manifest = Manifest.load(folder)
    assert (manifest.schema, manifest.voice, manifest.speed) == (1, "bf_emma", 1.1)
    assert manifest.changed and not manifest.edited  # an upgrade to write, not a creator's edit
    assert "schema" not in path.read_text()  # loading alone writes nothing
    manifest.save(folder)
    text = path.read_text()
    assert text.startswith("# old project\n") and "schema = 1" in text and "[voice]" in text
    again = Manifest.load(folder)
    assert (again.voice, again.speed) == ("bf_emma", 1.1) and not again.changed


@pytest.mark.parametrize("script", ["../outside.md", "/etc/passwd", "C:\\Users\\x\\script.md", "notes/../../x.md"])
def test_a_script_path_leading_outside_the_folder_is_refused(folder, script):
    (folder.parent / "outside.md").write_text("# not theirs\n")
    _write(folder, f"schema = 1\nscript = '{script}'\n")
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(ProjectError) as caught:
        Project.open(folder)
    assert "outside the project folder" in _sentence(caught.value) or "absolute path" in str(caught.value)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_safe_path_refuses_a_symlink_that_leads_outside(folder):
    (folder.parent / "elsewhere.md").write_text("# elsewhere\n")
    (folder / "link.md").symlink_to(folder.parent / "elsewhere.md")
    (folder / "inside.md").write_text("# inside\n")
    (folder / "good-link.md").symlink_to(folder / "inside.md")
    with pytest.raises(ProjectError, match="leads outside the project folder"):
        safe_path(folder, "link.md")
    assert safe_path(folder, "good-link.md") == folder / "good-link.md"
    assert safe_path(folder, "chapters/one.md") == folder / "chapters" / "one.md"
    with pytest.raises(ProjectError, match="empty"):
        safe_path(folder, " ")


def test_a_new_manifest_explains_the_fit_and_the_caption_style_and_reads_them_back(tmp_path):
    from studio.project.look import CaptionStyle, Look, look_of

    Manifest(title="Fresh").save(tmp_path)
    text = (tmp_path / "stitch.toml").read_text(encoding="utf-8")
    assert '[timeline]' in text and 'fit = "blur"' in text and '"subject"' in text
    assert '[captions]' in text and 'position = "bottom"' in text and 'highlight = ""' in text
    assert look_of(Manifest.load(tmp_path)) == Look()
    _write(tmp_path, text.replace('fit = "blur"', 'fit = "subject"').replace('highlight = ""', 'highlight = "#ffd23f"')
           .replace('position = "bottom"', 'position = "top"'))
    assert look_of(Manifest.load(tmp_path)) == Look("subject", CaptionStyle("", 1.0, "top", "#ffd23f"))


@pytest.mark.parametrize("line, named", [
    ('[timeline]\nfit = "stretch"', "fit under [timeline]"),
    ('[captions]\nposition = "left"', "position under [captions]"),
    ('[captions]\nsize = 9.0', "size under [captions]"),
    ('[captions]\nhighlight = "yellow"', "highlight under [captions]"),
    ('[captions]\nfont = "Comic Sans"', "font under [captions]"),
])
def test_a_look_that_cannot_be_used_is_refused_with_a_sentence(tmp_path, line, named):
    _write(tmp_path, f'schema = 1\ntitle = "x"\n{line}\n')
    with pytest.raises(ProjectError) as caught:
        Manifest.load(tmp_path)
    assert named in _sentence(caught.value) and "changed nothing" in str(caught.value)
