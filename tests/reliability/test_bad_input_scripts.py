"""Scripts the probe fed the studio: odd line endings and encodings are read as the creator's
words or refused with a sentence, never rendered as garbage; limits a creator would accept."""

from __future__ import annotations

import io

import pytest

from studio.cli.command import render_project
from studio.errors import StudioError
from studio.jobs.pipeline import MAX_LINE_CHARS, MAX_WORD_CHARS
from studio.project.project import Project
from studio.project.takes import Take, TakeStore

TEXT = "# The lighthouse\n\nEvery draft is free.\n\nThe final take costs a little.\n"


def _project(tmp_path, data: bytes):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "script.md").write_bytes(data)
    return folder


def test_cr_only_line_endings_are_lines(tmp_path, sine_registry):
    folder = _project(tmp_path, TEXT.replace("\n", "\r").encode())
    project = Project.open(folder)
    assert [line.text for line in project.lines] == ["Every draft is free.", "The final take costs a little."]
    assert project.scenes[0].title == "The lighthouse"
    project.insert_line(project.lines[-1].id, "A new line.")
    project.save()
    project.close()
    written = (folder / "script.md").read_bytes()
    assert b"\n" not in written and written.startswith(TEXT.replace("\n", "\r").encode()[:40])
    assert render_project(folder, registry=sine_registry, out=io.StringIO()) == 0


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be", "utf-16", "utf-8-sig"])
def test_scripts_with_a_bom_are_read_as_their_words(tmp_path, encoding):
    data = TEXT.encode(encoding)
    if encoding == "utf-32-le":
        data = b"\xff\xfe\x00\x00" + data
    if encoding == "utf-32-be":
        data = b"\x00\x00\xfe\xff" + data
    project = Project.open(_project(tmp_path, data))
    assert [line.text for line in project.lines] == ["Every draft is free.", "The final take costs a little."]
    project.close()


@pytest.mark.parametrize("data,said", [
    (TEXT.encode("utf-16") + b"x", "cut short or damaged"),
    (TEXT.encode("utf-32")[:-2], "cut short or damaged"),
    (TEXT.encode("utf-16-le"), "not a text file"),  # no BOM: NULs between the letters
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(32)) * 8, "not a text file"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(64), "not a text file"),
])
def test_damaged_or_binary_scripts_are_refused_with_a_sentence(tmp_path, data, said):
    folder = _project(tmp_path, data)
    with pytest.raises(StudioError) as caught:
        Project.open(folder)
    assert said in caught.value.message and "script.md" in caught.value.message
    assert (folder / "script.md").read_bytes() == data


@pytest.mark.parametrize("line,said", [
    ("word " * (MAX_LINE_CHARS // 5 + 1), f"{MAX_LINE_CHARS:,} characters"),
    ("word " * 200_000, f"{MAX_LINE_CHARS:,} characters"),
    ("a" * 300_000, f"{MAX_LINE_CHARS:,} characters"),
    ("A long word: " + "b" * (MAX_WORD_CHARS + 1), f"up to {MAX_WORD_CHARS} characters"),
])
def test_a_line_or_word_past_the_limit_is_refused_for_rendering_with_a_sentence(tmp_path, sine_registry, sine_engine,
                                                                               capsys, line, said):
    folder = _project(tmp_path, f"# T\n\nA short line.\n\n{line}\n".encode())
    out = io.StringIO()
    assert render_project(folder, registry=sine_registry, out=out, as_json=True) == 1
    records = [__import__("json").loads(r) for r in out.getvalue().splitlines()]
    assert [r["status"] for r in records] == ["rendered", "failed"]
    assert said in records[1]["error"]
    assert sine_engine.texts == ["A short line."]  # the engine was never asked


def test_a_long_script_renders_with_progress_for_every_line(tmp_path, sine_registry, capsys):
    folder = _project(tmp_path, ("# T\n\n" + "".join(f"Line {i}.\n\n" for i in range(60))).encode())
    assert render_project(folder, registry=sine_registry, out=io.StringIO()) == 0
    progress = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[")]
    assert progress[0].startswith("[1/60]") and progress[-1].startswith("[60/60]") and len(progress) == 60


def test_recording_thousands_of_takes_encodes_each_record_once(tmp_path, monkeypatch):
    """5,000 lines mean 5,000 rewrites of takes.json; encoding every record again each time
    made a long script take hours. Counted, not timed."""
    calls = []
    real = Take.to_dict
    monkeypatch.setattr(Take, "to_dict", lambda self: calls.append(1) or real(self))
    store = TakeStore(tmp_path)
    count = 400
    for n in range(count):
        store.add(Take(f"t{n}", f"l{n}", f"renders/{n}.wav", f"k{n}", "e", "m", "v", 1.0, "x", "", 0.1, 1.0, 24000, "c"))
    assert len(calls) == count
    assert [t.id for t in TakeStore(tmp_path).all()] == [f"t{n}" for n in range(count)]


def test_a_five_thousand_line_script_opens_and_lists_every_line_to_render(tmp_path, sine_registry):
    from studio.jobs.pipeline import Voicing

    folder = _project(tmp_path, ("# T\n\n" + "".join(f"Line number {i} of many.\n\n" for i in range(5000))).encode())
    project = Project.open(folder)
    try:
        assert len(Voicing(project, sine_registry).lines_to_render()) == 5000
    finally:
        project.close()
