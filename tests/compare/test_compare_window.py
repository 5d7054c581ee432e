"""Tools ▸ Compare engines…: the window runs a real comparison as a job, shows both takes, records blind picks, switches."""

from __future__ import annotations

import pytest

from studio.render.compare import comparisons_dir

pytestmark = pytest.mark.real_weights


@pytest.fixture
def panel(qapp, qtbot, compare_project, compare_registry):
    from studio.ui.shell import theme
    from studio.ui.compare.window import CompareWindow
    from studio.ui.shell.jobs import QtJobs

    theme.apply(qapp)
    jobs = QtJobs()
    window = CompareWindow(compare_project, compare_registry, jobs)
    window.show()
    qtbot.waitExposed(window)
    yield window
    jobs.shutdown()
    window.close()
    window.deleteLater()


def test_the_window_compares_two_voices_off_the_ui_thread_blind_picks_and_a_switch_with_undo(panel, qtbot, compare_project, artifacts_dir):
    engine_ids = [panel.engine.itemData(i) for i in range(panel.engine.count())]
    assert "kokoro-onnx" in engine_ids and "whisper" not in engine_ids
    panel.engine.setCurrentIndex(engine_ids.index("kokoro-onnx"))
    assert panel.voice.findText("jf_nezumi") >= 0
    panel.voice.setCurrentText("jf_nezumi")
    panel.sample.setValue(2)
    fractions = []
    panel.jobs.progress.connect(lambda _key, f, _m: fractions.append(f))
    assert panel.start()
    assert panel.stop_button.isEnabled() and not panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: panel.comparison is not None, timeout=240000)
    assert fractions and max(fractions) <= 1.0
    comparison = panel.comparison
    assert comparison.status == "done" and len(panel.pairs) == 2
    pair = panel.pairs[0]
    assert "A" in pair.titles[0].text() and "jf_alpha" in pair.titles[0].text()
    assert "jf_nezumi" in pair.titles[1].text() and "LUFS" in pair.figures[1].text()
    assert panel.take_path(pair.line_id, "b").is_file()
    assert panel.verdict_cell("intelligibility", "better") in ("A", "B", "even")
    panel.grab().save(str(artifacts_dir / "compare-window.png"))

    # Blind: X and Y, figures hidden; picks land on the real side and are revealed after.
    panel.blind_box.setChecked(True)
    assert pair.titles[0].text().startswith("<b>X</b>") and "hidden" in pair.figures[0].text()
    assert "jf_" not in pair.titles[0].text() + pair.titles[1].text()
    assert panel.verdict_cell("naturalness", "a") == "?"
    panel.grab().save(str(artifacts_dir / "compare-window-blind.png"))
    real = pair.side_at(1)
    pair.picks[1].click()
    assert comparison.line(pair.line_id)["pick"] == real and comparison.line(pair.line_id)["picked_blind"]
    panel.reveal_button.click()
    assert not panel.blind and "Revealed: of your 1 blind picks" in panel.message.text()
    assert pair.picks["ab".index(real)].isChecked()

    # Switch drafts, with the stale count asked about first; Undo restores the file.
    before = (compare_project.folder / "stitch.toml").read_text()
    asked = []
    assert panel.switch("drafts", ask=lambda text: asked.append(text) or True)
    assert "stale" in asked[0] and "5 of 5" in asked[0]
    assert 'voice = "jf_nezumi"' in (compare_project.folder / "stitch.toml").read_text()
    assert panel.undo_button.isEnabled()
    assert panel.undo()
    assert (compare_project.folder / "stitch.toml").read_text() == before
    assert not panel.undo_button.isEnabled()
    assert comparisons_dir(compare_project.folder).is_dir()


def test_a_candidate_without_weights_is_a_sentence_in_the_window(panel, qtbot, compare_project):
    engine_ids = [panel.engine.itemData(i) for i in range(panel.engine.count())]
    panel.engine.setCurrentIndex(engine_ids.index("kokoro-missing"))
    panel.start()
    qtbot.waitUntil(lambda: not panel.problem.isHidden(), timeout=30000)
    assert "not on this machine" in panel.problem.text() and panel.run_button.isEnabled()
    assert panel.comparison is None and not comparisons_dir(compare_project.folder).exists()

