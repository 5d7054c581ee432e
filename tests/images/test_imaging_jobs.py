"""The image jobs on the tiny pipeline: render, cache, cancel, vary, cleanup; `studio images`."""

from __future__ import annotations

import json

import pytest

from studio.engines.diffusers_engine import DiffusersEngine
from studio.engines.pngmeta import read_settings
from studio.errors import Cancelled
from studio.jobs import imaging
from studio.project.images import ImageTakeStore, new_image_take
from studio.project.project import Project


class CountingEngine:
    """The real engine, with its renders counted."""

    def __init__(self, engine):
        self.engine, self.calls = engine, 0

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def text_to_image(self, request, state):
        self.calls += 1
        return self.engine.text_to_image(request, state)


@pytest.fixture
def engine(tiny_pipeline):
    engine = DiffusersEngine(tiny_pipeline, model_id="sd-turbo")  # the catalogue's one-step recipe
    yield CountingEngine(engine)
    engine.unload()


def _request(engine, prompt="a lighthouse at dawn", seed=7):
    return engine.request(prompt, seed=seed, width=64, height=64)


def test_render_writes_png_with_settings_and_second_request_is_cache_hit(tmp_path, engine, recording_state):
    store = ImageTakeStore(tmp_path)
    request = _request(engine)
    first = imaging.render_scene_image(tmp_path, store, "s1", request, engine, recording_state())
    assert not first.cached and engine.calls == 1
    path = tmp_path / first.take.path
    assert first.take.path.startswith("renders/images/") and path.is_file()
    settings = read_settings(path)
    assert (settings["prompt"], settings["seed"], settings["cache_key"]) == ("a lighthouse at dawn", 7, request.cache_key())
    store.add(first.take)

    again = imaging.render_scene_image(tmp_path, store, "s1", _request(engine), engine, recording_state())
    assert again.cached and again.take.id == first.take.id and engine.calls == 1
    other_seed = imaging.render_scene_image(tmp_path, store, "s1", _request(engine, seed=8), engine, recording_state())
    assert not other_seed.cached and engine.calls == 2


def test_cancelled_render_leaves_no_file(tmp_path, engine, recording_state):
    store = ImageTakeStore(tmp_path)
    state = recording_state(cancel_after="Step 1 of 1")
    with pytest.raises(Cancelled):
        imaging.render_scene_image(tmp_path, store, "s1", _request(engine), engine, state)
    assert not list(tmp_path.rglob("*.png")) and store.all() == []


def test_vary_and_cleanup_remember_their_source(tmp_path, engine, recording_state):
    store = ImageTakeStore(tmp_path)
    base = imaging.render_scene_image(tmp_path, store, "s1", _request(engine), engine, recording_state())
    store.add(base.take)
    varied = imaging.vary(tmp_path, store, "s1", base.take, "a lighthouse in fog", 0.6, engine.engine, recording_state())
    assert varied.take.kind == "variation" and varied.take.source == base.take.id
    assert read_settings(tmp_path / varied.take.path)["strength"] == pytest.approx(0.6)
    import numpy as np
    from PIL import Image

    # A creator's picture with a clear subject (random weights paint noise, which has none).
    photo = np.full((64, 64, 3), 230, np.uint8)
    photo[16:48, 20:44] = (200, 40, 40)
    Image.fromarray(photo).save(tmp_path / "photo.png")
    creator = new_image_take("s1", "photo.png", kind="creator")
    for operation in imaging.CLEANUPS:
        source = creator if operation == "remove_background" else base.take
        cleaned = imaging.cleanup(tmp_path, store, "s1", source, operation, recording_state(), fmt="9:16")
        assert cleaned.take.kind == "cleanup" and cleaned.take.source == source.id
        assert read_settings(tmp_path / cleaned.take.path)["operation"] == operation
    with Image.open(tmp_path / "photo.png") as untouched:
        assert (np.asarray(untouched) == photo).all()

    with Image.open(tmp_path / cleaned.take.path) as contrast, Image.open(tmp_path / base.take.path) as source:
        assert contrast.size == source.size
    fitted = imaging.cleanup(tmp_path, store, "s1", base.take, "fit_to_format", recording_state(), fmt="9:16")
    with Image.open(tmp_path / fitted.take.path) as picture:
        assert picture.size == (36, 64)


def use_tiny_pipeline(project_folder, tiny_pipeline) -> None:
    """Point the project's diffusers engine at the tiny random-weight pipeline."""
    manifest = project_folder / "stitch.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8")
        + f'\n[engines.diffusers]\nmodel_dir = "{tiny_pipeline.as_posix()}"\nmodel_id = "sd-turbo"\n',
        encoding="utf-8",
    )


def test_studio_images_renders_each_scene_once(demo_project, tiny_pipeline, capsys):
    from studio.cli.command import main

    use_tiny_pipeline(demo_project, tiny_pipeline)
    assert main(["images", str(demo_project), "--json", "--side", "64"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in records] == ["rendered"] * 3
    assert len({r["take"] for r in records}) == 3
    for record in records:
        assert read_settings(demo_project / record["take"])["prompt"]

    assert main(["images", str(demo_project), "--json", "--scenes", "2"]) == 0
    again = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["number"], r["status"]) for r in again] == [(2, "current")]
    assert main(["images", str(demo_project), "--json"]) == 0
    assert {json.loads(line)["status"] for line in capsys.readouterr().out.splitlines()} == {"current"}
    project = Project.open(demo_project)
    assert all(len(project.images_for(s.id)) == 1 for s in project.scenes)
    project.close()


def test_studio_images_without_weights_says_so(demo_project, capsys):
    from studio.cli.command import main

    assert main(["images", str(demo_project)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("studio: No image model is on this machine") and "Traceback" not in error


def test_a_plans_negative_prompt_reaches_the_next_local_render(demo_project, tiny_pipeline, capsys):
    from studio.cli.command import main

    use_tiny_pipeline(demo_project, tiny_pipeline)
    assert main(["plan", str(demo_project), "--apply", "--only", "prompts", "--yes"]) == 0  # the demo's recorded plan
    assert "Negative prompt of scene “Why local models?”: (none) → text, letters" in capsys.readouterr().out
    assert main(["images", str(demo_project), "--json", "--side", "64", "--scenes", "1"]) == 0
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    settings = read_settings(demo_project / record["take"])
    assert settings["negative_prompt"] == "text, letters, logos, watermark, people's faces"
    project = Project.open(demo_project)
    scene = project.scenes[0]
    assert project.image_state(scene.id) == "current"
    project.set_scene_negative_prompt(scene.id, "text")  # a new negative prompt: that scene's image is stale
    assert project.image_state(scene.id) == "stale"
    assert project.image_state(project.scenes[1].id) == "none"
    project.undo()
    assert project.image_state(scene.id) == "current"
    project.close()
