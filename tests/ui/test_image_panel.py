"""The Images panel: the grid fills as takes finish, cancel, pin, use, missing weights; screenshot."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from studio.engines.base import Cost, ModelRef, check_cancelled
from studio.engines.images import ImageRequest, Picture, image_digest, new_seed


class GatedImageEngine:
    """A fast stand-in for the diffusers engine: each render waits for a `release()`."""

    id = "diffusers"
    task = "image"
    local = True
    label = "Gated test images"

    def __init__(self):
        self.started = threading.Semaphore(0)
        self._go = threading.Semaphore(0)
        self.calls = 0

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self._go.release()

    def model(self):
        return ModelRef("gated", "1")

    def request(self, prompt, *, seed=None, width=None, height=None, steps=None, guidance=None,
                negative_prompt="", source=None, source_name="", strength=0.6):
        return ImageRequest(
            engine=self.id, model="gated", model_revision="1", prompt=prompt,
            seed=new_seed() if seed is None else int(seed), width=width or 64, height=height or 64,
            steps=4, guidance=0.0, source_digest=image_digest(source) if source is not None else "",
            source=source_name, strength=strength if source is not None else 1.0, negative_prompt=negative_prompt,
        )

    def estimate(self, request):
        return Cost(0.0, 0.01)

    def text_to_image(self, request, state):
        self.calls += 1
        self.started.release()
        for step in range(request.steps):
            while not self._go.acquire(timeout=0.01):
                check_cancelled(state)
            self._go.release() if step < request.steps - 1 else None
            state.set_progress((step + 1) / request.steps, f"Step {step + 1} of {request.steps}")
        rng = np.random.default_rng(request.seed)
        top, bottom = rng.integers(40, 230, 3), rng.integers(20, 200, 3)
        ramp = np.linspace(0, 1, 72)[:, None, None]
        image = (top * (1 - ramp) + bottom * ramp).astype(np.uint8) * np.ones((1, 128, 1), np.uint8)
        image[24:56, 44:84] = rng.integers(0, 255, 3)
        return Picture(image, {"device": "test"})

    def image_to_image(self, request, image, state):
        return self.text_to_image(request, state)

    def unload(self):
        pass


@pytest.fixture
def images_engine(registry):
    engine = GatedImageEngine()
    registry.register("diffusers", lambda store=None: engine)
    yield engine
    engine.release(100)


def _select_first_line(studio, qtbot):
    studio.editor.select_line(studio.project.lines[0].id)
    qtbot.waitUntil(lambda: studio.images.scene_id == studio.project.scenes[0].id, timeout=2000)
    return studio.images


def test_grid_fills_as_takes_finish_then_pin_and_use(studio, qtbot, images_engine, artifacts_dir):
    panel = _select_first_line(studio, qtbot)
    assert panel.grid.count() == 0
    panel.generate(4)
    for finished in range(1, 5):
        images_engine.release()
        qtbot.waitUntil(lambda n=finished: panel.grid.count() == n, timeout=5000)
    qtbot.waitUntil(lambda: not panel._keys, timeout=5000)
    scene = studio.project.scenes[0].id
    takes = studio.project.images_for(scene)
    assert len(takes) == 4 and len({t.seed for t in takes}) == 4
    assert all((studio.project.folder / t.path).is_file() for t in takes)

    panel.grid.setCurrentRow(2)
    picked = panel.selected_take()
    panel.pin_button.click()
    assert studio.project.image_takes.get(picked.id).pinned
    assert "pinned" in panel.grid.currentItem().text() and panel.pin_button.text() == "Unpin"
    panel.use_button.click()
    assert studio.project.chosen_image(scene).id == picked.id
    assert "in use" in panel.grid.currentItem().text()
    studio.undo()
    assert studio.project.image_state(scene) != "chosen"  # undone; the pinned one still stands in
    assert studio.project.chosen_image(scene).id == picked.id
    studio.redo()

    panel.prompt.setPlainText("a lighthouse at dawn, oil painting")
    panel.commit_prompt()
    assert studio.project.prompt_and_source(scene) == ("a lighthouse at dawn, oil painting", "panel")
    panel.same_seed()
    images_engine.release()
    qtbot.waitUntil(lambda: panel.grid.count() == 5, timeout=5000)
    newest = studio.project.images_for(scene)[0]
    assert newest.seed == picked.seed and newest.prompt == "a lighthouse at dawn, oil painting"
    panel.select_take(picked.id)
    studio.resize(1400, 860)
    qtbot.wait(50)
    studio.grab().save(str(artifacts_dir / "image_panel.png"))


def test_cancel_stops_the_render_and_leaves_no_file(studio, qtbot, images_engine):
    panel = _select_first_line(studio, qtbot)
    panel.generate(1)
    assert images_engine.started.acquire(timeout=5)
    assert panel.cancel_button.isEnabled()
    studio.actions.stop.trigger()  # Esc
    qtbot.waitUntil(lambda: not panel._keys, timeout=5000)
    assert panel.grid.count() == 0 and panel.message.text() == "Image render cancelled."
    assert not list((studio.project.folder / "renders" / "images").rglob("*.png"))  # (title cards live in renders/cards)
    assert not panel.progress.isVisible()


def test_missing_weights_is_said_not_raised(studio, qtbot):
    panel = _select_first_line(studio, qtbot)  # the real diffusers engine, and no weights here
    panel.generate(1)
    qtbot.waitUntil(lambda: not panel._keys, timeout=10000)
    assert panel.message.text().startswith("No image model is on this machine")
    assert studio.status.message.text() == panel.message.text()


def test_the_scenes_negative_prompt_is_shown_edited_undone_and_rendered_with(studio, qtbot, images_engine, artifacts_dir):
    panel = _select_first_line(studio, qtbot)
    scene = studio.project.scenes[0].id
    assert panel.negative.text() == "" and panel.negative.isEnabled()
    studio.project.set_scene_negative_prompt(scene, "text, watermark")  # as an applied plan sets it
    qtbot.waitUntil(lambda: panel.negative.text() == "text, watermark", timeout=2000)
    panel.negative.setText("  text,   people  ")
    panel.negative.editingFinished.emit()
    assert studio.project.scene_negative_prompt(scene) == "text, people"
    assert studio.project.undo_label == "Set negative prompt"
    studio.undo()
    qtbot.waitUntil(lambda: panel.negative.text() == "text, watermark", timeout=2000)
    panel.negative.setText("blur")
    panel.generate(1)  # typed, not yet committed: the render uses it all the same
    images_engine.release(4)
    qtbot.waitUntil(lambda: panel.grid.count() == 1 and not panel._keys, timeout=5000)
    [take] = studio.project.images_for(scene)
    assert take.request["negative_prompt"] == "blur" and studio.project.image_state(scene) == "current"
    panel.negative.setText("")
    panel.negative.editingFinished.emit()
    assert studio.project.scene_negative_prompt(scene) == "" and studio.project.image_state(scene) == "stale"
    studio.grab().save(str(artifacts_dir / "image_panel_negative.png"))
