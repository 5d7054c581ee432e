"""`studio compare --task image` on the tiny random-weight diffusers pipeline: two configurations of it."""

from __future__ import annotations

import argparse
import hashlib
import io
import json
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from studio.cli import compare as compare_command
from studio.engines.diffusers_engine import DiffusersEngine
from studio.errors import EngineError
from studio.render.compare import comparisons_dir
from studio.render.compare_images import sheet_size, tile_boxes


class BrokenDiffusers(DiffusersEngine):
    """The real engine, whose second picture fails as a server going down would."""

    id = "diffusers-broken"
    label = "Diffusers that fails (test)"
    calls = 0

    def text_to_image(self, request, state=None):
        type(self).calls += 1
        if type(self).calls > 1:
            raise EngineError("The image server did not answer: start it, or check its address.")
        return super().text_to_image(request, state)


@pytest.fixture
def registry(tiny):
    from studio.engines.registry import EngineRegistry

    registry = EngineRegistry()
    registry.register(BrokenDiffusers.id, BrokenDiffusers)
    BrokenDiffusers.calls = 0
    yield registry
    registry.unload_all()


def _hashes(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".stitch/comparisons" not in p.as_posix() and ".stitch/locks" not in p.as_posix()}


def _args(*argv):
    parser = argparse.ArgumentParser()
    compare_command.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["compare", *argv])


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def test_image_comparison_measures_both_sides_and_draws_the_sheet(image_project, registry):
    before = _hashes(image_project)
    out = io.StringIO()
    code = compare_command.run(_args(str(image_project), "--task", "image", "--candidate", "diffusers",
                                     "--set", "steps=3,size=64", "--sample", "2", "--json"), registry=registry, out=out)
    assert code == 0
    data = json.loads(out.getvalue())
    assert data["task"] == "image" and len(data["lines"]) == 2
    # the hard sample: the longest and the shortest prompt
    assert {e["number"] for e in data["lines"]} == {2, 3}
    assert data["a"]["steps"] == 1 and data["b"]["steps"] == 3
    folder = comparisons_dir(image_project)
    for entry in data["lines"]:
        a, b = entry["a"], entry["b"]
        assert a["seed"] == b["seed"] and (a["width"], a["height"]) == (b["width"], b["height"]) == (64, 64)
        for fig in (a, b):
            assert fig["seconds"] > 0 and fig["peak_memory_mb"] >= 0 and fig["process_memory_mb"] > 0
            assert fig["price"] == "0.000000" and (folder / fig["image"]).is_file()
        pa = np.asarray(Image.open(folder / a["image"]).convert("RGB"))
        pb = np.asarray(Image.open(folder / b["image"]).convert("RGB"))
        assert not np.array_equal(pa, pb)  # three steps are not one
    for side in "ab":
        totals = data["totals"][side]
        assert totals["images"] == 2 and totals["seconds"] > 0 and totals["total_seconds"] >= totals["seconds"]
        assert data["price"][side]["local"] and data["price"][side]["project"] == "0.000000"
    assert set(data["verdict"]) == {"picks", "seconds", "memory", "cost", "overall"}
    assert "RSS" in data["memory_method"]

    sheet = Image.open(folder / data["contact_sheet"]).convert("RGB")
    assert sheet.size == sheet_size(2, 64, 64)
    grid = np.asarray(sheet)
    for entry, ((ax, ay), (bx, by)) in zip(data["lines"], tile_boxes(2, 64, 64)):
        for side, (x, y) in (("a", (ax, ay)), ("b", (bx, by))):
            tile = grid[y:y + 64, x:x + 64]
            assert np.array_equal(tile, np.asarray(Image.open(folder / entry[side]["image"]).convert("RGB")))

    html = (folder / f"{data['id']}.html").read_text(encoding="utf-8")
    parser = _Refs()
    parser.feed(html)
    assert len(parser.refs) == 5  # two pictures per scene and the sheet
    assert all((folder / ref).is_file() for ref in parser.refs)
    assert not (folder / data["id"] / "renders").exists()
    assert _hashes(image_project) == before  # no image take, no chosen image, no file changed

    out = io.StringIO()
    assert compare_command.run(_args(str(image_project), "--task", "image", "--candidate", "diffusers",
                                     "--lines", "1", "--switch", "drafts", "--yes"), registry=registry, out=out) == 0
    assert "Scene 1" in out.getvalue() and "image drafts" in out.getvalue()
    toml = (image_project / "stitch.toml").read_text()
    assert "# the creator's note" in toml


def test_a_failing_candidate_leaves_nothing(image_project, registry, capsys):
    from studio.cli.command import main

    # The broken engine reads the same tiny pipeline as diffusers, from `[engines.diffusers-broken]`.
    text = (image_project / "stitch.toml").read_text()
    model_dir = text.split('model_dir = "')[1].split('"')[0]
    (image_project / "stitch.toml").write_text(
        text + f'\n[engines.diffusers-broken]\nmodel_dir = "{model_dir}"\nmodel_id = "sd-turbo"\n')
    before = _hashes(image_project)
    with pytest.raises(EngineError, match="failed on scene"):
        compare_command.run(_args(str(image_project), "--task", "image", "--candidate", "diffusers-broken",
                                  "--sample", "2", "--set", "size=64"), registry=registry, out=io.StringIO())
    assert not comparisons_dir(image_project).exists()
    assert main(["compare", str(image_project), "--task", "image", "--candidate", "kokoro"]) == 2
    assert "not an image engine" in capsys.readouterr().err
    assert not comparisons_dir(image_project).exists()
    assert _hashes(image_project) == before


class RecordingDiffusers(DiffusersEngine):
    """The real engine, noting when its pipeline is loaded and when it renders."""

    id = "diffusers-recording"
    label = "Diffusers that notes its calls (test)"
    events: list = []

    def load(self, state=None):
        type(self).events.append(("load", self._loaded is None))
        super().load(state)

    def text_to_image(self, request, state=None):
        type(self).events.append(("picture", self._loaded is None))
        return super().text_to_image(request, state)


def test_the_pipelines_are_loaded_before_the_first_picture_is_timed(image_project, registry):
    from studio.engines.base import NullState
    from studio.project.project import Project
    from studio.render.compare import Candidate
    from studio.render.compare_images import plan_image_comparison, run_image_comparison

    text = (image_project / "stitch.toml").read_text()
    model_dir = text.split('model_dir = "')[1].split('"')[0]
    (image_project / "stitch.toml").write_text(
        text + f'\n[engines.{RecordingDiffusers.id}]\nmodel_dir = "{model_dir}"\nmodel_id = "sd-turbo"\n')
    registry.register(RecordingDiffusers.id, RecordingDiffusers)
    RecordingDiffusers.events = []
    project = Project.open(image_project)
    try:
        plan = plan_image_comparison(project, registry, Candidate(RecordingDiffusers.id, {"size": 64}), sample=2)
        comparison = run_image_comparison(plan, NullState())
    finally:
        project.close()
    # loaded once, from nothing, before any picture; every picture then finds it in memory
    assert RecordingDiffusers.events == [("load", True), ("picture", False), ("picture", False)]
    assert plan.a.engine._loaded is not None and comparison.status == "done"
