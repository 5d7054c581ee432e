"""Every damaged or hostile file the fault probe found: a sentence naming the file, never a
traceback; the creator's files byte-identical; a studio file of the wrong shape kept as a
backup in .stitch/damaged/, never counted as empty and overwritten."""

from __future__ import annotations

import io
import json
import socket

import pytest

from studio.cli.command import main, render_project
from studio.errors import StudioError
from studio.project.project import Project

from .support import creator_bytes, rendered_demo  # noqa: F401 (a fixture)


def _write(folder, relative: str, data) -> None:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def _toml(folder, old: str, new: str) -> None:
    path = folder / "stitch.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _refused(folder, sine_registry, capsys, *names: str) -> str:
    """Open, render and cost the project: each refuses with one sentence naming the file."""
    before = creator_bytes(folder)
    studio_before = {p: p.read_bytes() for p in (folder / ".stitch").rglob("*") if p.is_file()}
    with pytest.raises(StudioError) as caught:
        render_project(folder, registry=sine_registry, out=io.StringIO())
    assert main(["cost", str(folder)]) == 2
    said = capsys.readouterr().err
    for name in names:
        assert name in caught.value.message and name in said, (caught.value.message, said)
    assert "Traceback" not in said
    assert creator_bytes(folder) == before
    # Nothing the studio had was rewritten (backups may be added beside).
    assert {p: p.read_bytes() for p in studio_before if p.exists()} == studio_before
    return caught.value.message


# ---- stitch.toml and the script's name --------------------------------------------------------


@pytest.mark.parametrize("old,new,name", [
    ("schema = 1", "schema = -1", "schema"),
    ('script = "script.md"', 'script = "scr\\u0000ipt.md"', "control character"),
    ('script = "script.md"', 'script = "' + "a" * 100_000 + '"', "100,000 characters"),
    ('script = "script.md"', 'script = ".stitch/takes.json"', ".stitch/"),
    ('script = "script.md"', 'script = "renders/../.stitch/lines.json"', ".stitch/"),
])
def test_a_manifest_that_cannot_be_used_is_a_sentence(rendered_demo, sine_registry, capsys, old, new, name):
    _toml(rendered_demo, old, new)
    assert name in _refused(rendered_demo, sine_registry, capsys, "stitch.toml")


@pytest.mark.parametrize("cap", ["inf", "nan", "-inf", "1e400"])
def test_a_budget_that_is_not_a_number_of_dollars_is_refused(rendered_demo, sine_registry, capsys, cap):
    (rendered_demo / "stitch.toml").write_text((rendered_demo / "stitch.toml").read_text() + f"\n[budget]\ncap = {cap}\n")
    assert "cap under [budget]" in _refused(rendered_demo, sine_registry, capsys, "stitch.toml")


@pytest.mark.parametrize("content", [b"", b"\n\n", b"# Stitch Studio project. This file is yo"])
def test_an_empty_or_cut_short_manifest_is_refused_not_rewritten(rendered_demo, sine_registry, capsys, content):
    _write(rendered_demo, "stitch.toml", content)
    assert "empty or was cut short" in _refused(rendered_demo, sine_registry, capsys, "stitch.toml")
    assert (rendered_demo / "stitch.toml").read_bytes() == content


# ---- the studio's records ---------------------------------------------------------------------


@pytest.mark.parametrize("relative,content", [
    (".stitch/takes.json", '{"takes": 5}'),
    (".stitch/takes.json", "[]"),
    (".stitch/takes.json", "null"),
    (".stitch/takes.json", '{"takes": "abc"}'),
    (".stitch/takes.json", "[" * 100_000 + "]" * 100_000),
    (".stitch/lines.json", '{"lines": 5}'),
    (".stitch/lines.json", '{"lines": [], "scenes": 7}'),
    (".stitch/lines.json", '{"lines": [], "retired": 3}'),
    (".stitch/lines.json", "[]"),
    (".stitch/lines.json", '{"a":' * 100_000 + "1" + "}" * 100_000),
    (".stitch/trash/trash.json", '{"takes": 5}'),
    (".stitch/trash/trash.json", '{"takes": [{"take": 5}]}'),
    (".stitch/pronunciation.json", '{"entries": ["x"]}'),
])
def test_a_record_file_of_the_wrong_shape_is_refused_and_kept_as_a_backup(rendered_demo, sine_registry, capsys,
                                                                          relative, content):
    _write(rendered_demo, relative, content)
    message = _refused(rendered_demo, sine_registry, capsys, relative)
    assert "not what the studio wrote" in message
    assert (rendered_demo / relative).read_text() == content  # left as it is
    [backup] = (rendered_demo / ".stitch" / "damaged").iterdir()
    assert backup.read_text() == content and backup.relative_to(rendered_demo).as_posix() in message


@pytest.mark.parametrize("relative,content", [
    (".stitch/images.json", "[]"),
    (".stitch/images.json", '{"takes": {"a": 1}}'),
    (".stitch/scenes.json", '{"scenes": [1]}'),
])
def test_image_records_of_the_wrong_shape_are_refused_when_read(rendered_demo, relative, content):
    _write(rendered_demo, relative, content)
    project = Project.open(rendered_demo)
    try:
        with pytest.raises(StudioError) as caught:
            project.image_takes.all()
            project._scene_book()
        assert relative in caught.value.message
    finally:
        project.close()
    assert (rendered_demo / relative).read_text() == content


@pytest.mark.parametrize("field,value", [("path", 123), ("path", None), ("line_id", [1]), ("duration", "long")])
def test_a_take_record_that_cannot_be_used_is_kept_verbatim_and_said(rendered_demo, sine_registry, capsys, field, value):
    path = rendered_demo / ".stitch" / "takes.json"
    data = json.loads(path.read_text())
    data["takes"][0][field] = value
    damaged = data["takes"][0]
    path.write_text(json.dumps(data))
    assert render_project(rendered_demo, registry=sine_registry, out=io.StringIO()) == 0
    said = capsys.readouterr().err
    assert ".stitch/takes.json" in said and "kept in the file" in said
    assert damaged in json.loads(path.read_text())["takes"]  # never dropped by the rewrite
    assert main(["cost", str(rendered_demo)]) == 0


def test_a_session_lock_with_an_impossible_pid_is_left_behind_not_a_crash(rendered_demo, sine_registry):
    for pid in (10**30, -1, 0, True):
        _write(rendered_demo, ".stitch/session.lock", json.dumps({"pid": pid, "host": socket.gethostname()}))
        assert render_project(rendered_demo, registry=sine_registry, out=io.StringIO()) == 0


def test_a_damaged_autosave_is_kept_not_deleted_by_render(rendered_demo, sine_registry, capsys):
    for content in ("{bad", '{"script_text": 5}', "[]"):
        _write(rendered_demo, ".stitch/autosave.json", content)
        assert render_project(rendered_demo, registry=sine_registry, out=io.StringIO()) == 0
        assert (rendered_demo / ".stitch" / "autosave.json").read_text() == content
        assert ".stitch/autosave.json" in capsys.readouterr().err
    assert len(list((rendered_demo / ".stitch" / "damaged").iterdir())) == 3


def test_a_damaged_ledger_line_nested_deeply_is_skipped(rendered_demo):
    with open(rendered_demo / ".stitch" / "ledger.jsonl", "a") as f:
        f.write("[" * 100_000 + "]" * 100_000 + "\n")
    assert main(["cost", str(rendered_demo)]) == 0
