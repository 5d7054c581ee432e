"""Picture cleanup through the registry: `[routing.cleanup]` picks the engine, OpenCV's by default."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.engines import cleanup as opencv
from studio.engines.base import NullState
from studio.engines.registry import EngineRegistry
from studio.errors import EngineError
from studio.jobs import imaging
from studio.project.project import Project


class Negative:
    """A third-party cleanup engine as a plugin would ship it: it only removes backgrounds (by inverting)."""

    id = "negative"
    task = "cleanup"
    label = "Negative cleanup"
    local = True
    operations = ("remove_background",)

    def __init__(self):
        self.calls = []

    def clean(self, image, operation, state, *, fmt="16:9", focus=(0.5, 0.5), rect=None):
        self.calls.append((operation, rect))
        state.set_progress(0.5, "inverting")
        return 255 - np.asarray(image)[..., :3]

    def unload(self):
        pass


class NotCleanup:
    id = "painter"
    task = "image"
    label = "Painter"

    def unload(self):
        pass


@pytest.fixture
def project(demo_project):
    project = Project.open(demo_project)
    pixels = np.zeros((48, 64, 3), np.uint8)
    pixels[12:36, 16:48] = (200, 60, 30)
    Image.fromarray(pixels).save(project.folder / "still.png")
    yield project
    project.close()


@pytest.fixture
def registry():
    made = EngineRegistry()
    made.register("negative", Negative)  # the class, as an entry point names it: its task is read before it is made
    made.register("painter", NotCleanup)
    return made


def _picture(project):
    scene = project.scenes[0].id
    return scene, project.add_creator_image(scene, "still.png")


def test_the_route_picks_a_registered_cleanup_engine(project, registry):
    project.manifest.set_route("cleanup", draft="negative")
    engine = imaging.cleanup_engine(project, registry)
    assert engine is registry.get("negative")
    scene, source = _picture(project)
    result = imaging.cleanup(project.folder, project.image_takes, scene, source, "remove_background", NullState(),
                             rect=(12, 8, 40, 32), engine=engine)
    imaging.commit(project, result)
    assert engine.calls == [("remove_background", (12, 8, 40, 32))]
    made = imaging.load_pixels(project.folder / result.take.path)
    assert (made == 255 - imaging.load_pixels(project.folder / "still.png")).all()
    assert result.take.kind == "cleanup" and result.take.request["engine"] == "negative"

    # The same cleanup by another engine is another picture, not a cache hit.
    default = imaging.cleanup(project.folder, project.image_takes, scene, source, "remove_background", NullState(),
                              rect=(12, 8, 40, 32))
    assert not default.cached and default.take.cache_key != result.take.cache_key


def test_opencv_is_the_default_engine_and_does_what_the_functions_do(project):
    registry = EngineRegistry()  # the installed entry points only
    assert "opencv" in registry.ids("cleanup")
    engine = imaging.cleanup_engine(project, registry)
    assert engine.id == "opencv" and isinstance(engine, opencv.OpenCVCleanup)
    scene, source = _picture(project)
    pixels = imaging.load_pixels(project.folder / "still.png")
    for operation, expected in (("fit_to_format", opencv.fit_to_format(pixels, "9:16", (0.3, 0.5))),
                                ("auto_contrast", opencv.auto_contrast(pixels))):
        result = imaging.cleanup(project.folder, project.image_takes, scene, source, operation, NullState(),
                                 fmt="9:16", focus=(0.3, 0.5), engine=engine)
        assert (imaging.load_pixels(project.folder / result.take.path) == expected).all(), operation


@pytest.mark.parametrize("engine_id, words", [
    ("rembg", "'rembg', which is not an installed cleanup engine"),
    ("painter", "'painter', which is not an installed cleanup engine"),
])
def test_an_unknown_or_wrong_task_engine_is_one_sentence(project, registry, engine_id, words):
    project.manifest.set_route("cleanup", draft=engine_id)
    with pytest.raises(EngineError) as refused:
        imaging.cleanup_engine(project, registry)
    message = refused.value.message
    assert words in message and "negative" in message and "opencv" in message
    assert message.endswith(".") and ". " not in message and "\n" not in message  # one sentence


def test_an_operation_the_engine_does_not_do_is_refused_with_a_sentence(project, registry):
    scene, source = _picture(project)
    engine = registry.get("negative")
    with pytest.raises(EngineError) as refused:
        imaging.cleanup(project.folder, project.image_takes, scene, source, "auto_contrast", NullState(), engine=engine)
    assert "Negative cleanup cannot auto contrast" in refused.value.message and engine.calls == []
