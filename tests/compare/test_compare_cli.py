"""`studio compare`: a comparison from the terminal, its JSON, a switch with --yes and --undo-switch."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from studio.cli.command import main
from studio.cli import compare as compare_command
from studio.render.compare import comparisons_dir

pytestmark = pytest.mark.real_weights


def _args(*argv):
    parser = argparse.ArgumentParser()
    compare_command.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["compare", *argv])


def test_compare_prints_json_switches_with_yes_and_undoes(compare_project, compare_registry):
    folder = str(compare_project.folder)
    before = (compare_project.folder / "stitch.toml").read_text()
    out = io.StringIO()
    code = compare_command.run(_args(folder, "--candidate", "kokoro-truncated", "--lines", "2", "--json",
                                     "--switch", "drafts", "--yes"), registry=compare_registry, out=out)
    assert code == 0
    data = json.loads(out.getvalue())
    assert data["b"]["engine"] == "kokoro-truncated" and [e["number"] for e in data["lines"]] == [2]
    assert data["lines"][0]["b"]["duration"] < data["lines"][0]["a"]["duration"]
    assert (comparisons_dir(compare_project.folder) / f"{data['id']}.html").is_file()
    toml = (compare_project.folder / "stitch.toml").read_text()
    assert 'draft = "kokoro-truncated"' in toml and "# the creator's own note" in toml

    out = io.StringIO()
    assert compare_command.run(_args(folder, "--undo-switch"), registry=compare_registry, out=out) == 0
    assert "back as it was" in out.getvalue()
    assert (compare_project.folder / "stitch.toml").read_text() == before


def test_compare_refuses_with_a_sentence(compare_project, capsys):
    folder = str(compare_project.folder)
    assert main(["compare", folder, "--candidate", "nope-engine"]) == 2
    assert "There is no engine called 'nope-engine'" in capsys.readouterr().err
    assert main(["compare", folder, "--task", "image", "--candidate", "diffusers"]) == 2
    assert "image model" in capsys.readouterr().err  # no weights in the demo: a sentence, nothing written
    assert main(["compare", folder, "--undo-switch"]) == 2
    assert not comparisons_dir(compare_project.folder).exists()
