"""Tools ▸ Compare engines… on images: two local image engines on the tiny random-weight pipeline.

The window runs the image comparison as a job (progress, Stop), shows each scene's two
pictures side by side with seconds per image, peak memory and price, records blind picks
and reveals them, fills the verdict, and switches `[routing.image]` with undo.
"""

from __future__ import annotations

import threading
import time

import pytest

from studio.engines.diffusers_engine import DiffusersEngine
from studio.render.compare import comparisons_dir


class SecondDiffusers(DiffusersEngine):
    """A second local image engine: the real diffusers engine under its own id and settings."""

    id = "diffusers-second"
    label = "Second diffusers (test)"


class HeldDiffusers(DiffusersEngine):
    """The real engine, whose second picture waits until the comparison is stopped."""

    id = "diffusers-held"
    label = "Diffusers held on its second picture (test)"
    calls = 0
    reached = threading.Event()

    def text_to_image(self, request, state=None):
        type(self).calls += 1
        if type(self).calls == 2:
            type(self).reached.set()
            deadline = time.monotonic() + 60
            while not state.is_cancelled() and time.monotonic() < deadline:
                time.sleep(0.01)
        return super().text_to_image(request, state)


@pytest.fixture
def registry():
    from studio.engines.registry import EngineRegistry

    registry = EngineRegistry()
    for engine in (SecondDiffusers, HeldDiffusers):
        registry.register(engine.id, engine)
    HeldDiffusers.calls = 0
    HeldDiffusers.reached.clear()
    yield registry
    registry.unload_all()


@pytest.fixture
def panel(qapp, qtbot, image_project, registry):
    from studio.project.project import Project
    from studio.ui.compare.window import CompareWindow
    from studio.ui.shell import theme
    from studio.ui.shell.jobs import QtJobs

    text = (image_project / "stitch.toml").read_text()
    model_dir = text.split('model_dir = "')[1].split('"')[0]
    for engine_id in (SecondDiffusers.id, HeldDiffusers.id):
        text += f'\n[engines.{engine_id}]\nmodel_dir = "{model_dir}"\nmodel_id = "sd-turbo"\n'
    (image_project / "stitch.toml").write_text(text)
    project = Project.open(image_project)
    theme.apply(qapp)
    jobs = QtJobs()
    window = CompareWindow(project, registry, jobs)
    window.resize(1300, 700)
    window.show()
    qtbot.waitExposed(window)
    yield window
    jobs.shutdown()
    window.close()
    window.deleteLater()
    project.close()


def _choose(panel, engine_id: str) -> None:
    panel.set_task("image")
    ids = [panel.engine.itemData(i) for i in range(panel.engine.count())]
    assert "kokoro-onnx" not in ids and {"diffusers", SecondDiffusers.id} <= set(ids)
    panel.engine.setCurrentIndex(ids.index(engine_id))


def test_the_window_compares_two_image_engines_blind_picks_and_a_switch_with_undo(panel, qtbot, image_project, artifacts_dir):
    from PySide6.QtGui import QImage

    _choose(panel, SecondDiffusers.id)
    assert panel.voice.isHidden() and panel.sample_label.text() == "Scenes" and panel.sample.value() == 4
    panel.settings.setText("steps=2,size=64")
    panel.sample.setValue(2)
    fractions = []
    panel.jobs.progress.connect(lambda _key, f, _m: fractions.append(f))
    assert panel.start()
    assert panel.stop_button.isEnabled() and not panel.run_button.isEnabled() and not panel.task.isEnabled()
    qtbot.waitUntil(lambda: panel.comparison is not None, timeout=240000)
    comparison = panel.comparison
    assert fractions and max(fractions) <= 1.0
    assert comparison.data["task"] == "image" and comparison.status == "done" and len(panel.pairs) == 2
    assert comparison.data["a"]["engine"] == "diffusers" and comparison.data["b"]["engine"] == SecondDiffusers.id

    pair = panel.pairs[0]
    entry = comparison.line(pair.line_id)
    assert f"Scene {entry['number']}" in pair.text.text() and entry["prompt"] in pair.text.text()
    assert "Second diffusers (test)" in pair.titles[1].text() and "2 steps" in pair.titles[1].text()
    for column, side in enumerate("ab"):
        shown = pair.pictures[column].pixmap().toImage().convertToFormat(QImage.Format.Format_RGB888)
        assert (shown.width(), shown.height()) == (64, 64)
        saved = QImage(str(comparison.folder / entry[side]["image"])).convertToFormat(QImage.Format.Format_RGB888)
        assert shown == saved  # the side's own picture, not the other's
        figures = pair.figures[column].text()
        assert "per image" in figures and "peak memory" in figures and "free (local)" in figures
        assert f"{entry[side]['seconds']:.2f} s" in figures
    assert panel.verdict_cell("seconds", "better") in ("A", "B", "even")
    assert panel.verdict_cell("cost", "a") == panel.verdict_cell("cost", "b")
    assert panel.verdict.horizontalHeaderItem(2).text() == "Peak memory"
    assert not hasattr(pair, "plays")  # pictures have nothing to play
    panel.grab().save(str(artifacts_dir / "compare-window-images.png"))

    # Blind: X and Y, names and figures hidden, each picture still under its real side.
    panel.blind_box.setChecked(True)
    assert pair.titles[0].text() == "<b>X</b>" and pair.titles[1].text() == "<b>Y</b>"
    assert "hidden" in pair.figures[0].text() and panel.verdict_cell("seconds", "a") == "?"
    real = pair.side_at(0)
    hidden = pair.pictures[0].pixmap().toImage().convertToFormat(QImage.Format.Format_RGB888)
    assert hidden == QImage(str(comparison.folder / entry[real]["image"])).convertToFormat(QImage.Format.Format_RGB888)
    assert pair.pictures[0].toolTip() == ""  # the file name would say A or B
    pair.picks[0].click()
    assert comparison.line(pair.line_id)["pick"] == real and comparison.line(pair.line_id)["picked_blind"]
    panel.reveal_button.click()
    assert not panel.blind and "Revealed: of your 1 blind picks" in panel.message.text()
    assert panel.verdict_cell("picks", real) == "1" and panel.verdict_cell("picks", "better") == real.upper()
    saved = comparison.json_path.read_text(encoding="utf-8")
    assert '"picked_blind": true' in saved

    # Use the candidate for image drafts: asked first, [routing.image] edited, undo restores the bytes.
    before = (image_project / "stitch.toml").read_bytes()
    asked = []
    assert panel.switch("drafts", ask=lambda text: asked.append(text) or True)
    assert "image drafts" in asked[0] and "3 scenes" in asked[0]
    toml = (image_project / "stitch.toml").read_text()
    assert "[routing.image]" in toml and f'draft = "{SecondDiffusers.id}"' in toml and "# the creator's note" in toml
    assert panel.project.manifest.route("image")[0] == SecondDiffusers.id
    assert "image drafts" in panel.message.text() and panel.undo_button.isEnabled()
    assert panel.undo()
    assert (image_project / "stitch.toml").read_bytes() == before
    assert not panel.undo_button.isEnabled()


def test_stop_keeps_the_scenes_finished_and_removes_the_rest(panel, qtbot, image_project):
    _choose(panel, HeldDiffusers.id)
    panel.settings.setText("size=64")
    panel.sample.setValue(2)
    assert panel.start()
    # Scene 1 renders with both engines; the candidate's picture of scene 2 waits for Stop.
    qtbot.waitUntil(HeldDiffusers.reached.is_set, timeout=240000)
    panel.stop_button.click()
    qtbot.waitUntil(lambda: panel.run_button.isEnabled(), timeout=60000)
    comparison = panel.comparison
    assert comparison is not None and comparison.status == "cancelled" and len(comparison.lines) == 1
    assert "Stopped: the 1 scene compared so far is kept" in panel.message.text()
    files = sorted(p.name for p in (comparisons_dir(image_project) / comparison.id).iterdir())
    entry = comparison.lines[0]
    assert files == sorted([f"A-{entry['scene']}.png", f"B-{entry['scene']}.png", "contact-sheet.png"])
    assert len(panel.pairs) == 1 and panel.task.isEnabled()


def test_a_candidate_with_no_weights_is_a_sentence_and_nothing_is_written(panel, qtbot, image_project, tmp_path):
    text = (image_project / "stitch.toml").read_text()
    (image_project / "stitch.toml").write_text(text.replace(
        f'[engines.{SecondDiffusers.id}]\nmodel_dir = "', f'[engines.{SecondDiffusers.id}]\nmodel_dir = "{tmp_path}/none'))
    panel.project.manifest = type(panel.project.manifest).load(image_project)
    _choose(panel, SecondDiffusers.id)
    panel.start()
    qtbot.waitUntil(lambda: not panel.problem.isHidden(), timeout=60000)
    assert "cannot be compared" in panel.problem.text() and panel.run_button.isEnabled()
    assert panel.comparison is None and not comparisons_dir(image_project).exists()
