"""Tools ▸ Plan…: the recorded demo plan applied offline, a plan asked of a slow fake server, cancel."""

from __future__ import annotations

import json
import time

import pytest
from PySide6.QtCore import Qt

from studio.ui.plan.dialog import open_plan


def open_demo(window, demo_copy):
    window.open_folder(str(demo_copy))
    assert window.project is not None
    return window.project


def test_the_demo_ships_a_plan_that_applies_offline_as_one_undo_step(window, demo_copy, qtbot, artifacts_dir):
    project = open_demo(window, demo_copy)
    dialog = open_plan(window)
    qtbot.waitExposed(dialog)
    assert dialog.plan is not None and dialog.plans.count() == 1
    assert "no planning engine" in dialog.engine_label.text() and not dialog.ask_button.isEnabled()
    checked = dialog.checked()
    assert len(checked) == 11  # 3 prompts, 3 negative prompts, 1 pronunciation, 2 speeds, 2 pauses
    dialog.grab().save(str(artifacts_dir / "plan-dialog.png"))
    # Uncheck one prompt: it stays as it was.
    head = dialog.changes.topLevelItem(0)
    head.child(0).setCheckState(0, Qt.CheckState.Unchecked)
    first_scene = project.scenes[0].id
    before = project.scene_prompt(first_scene)
    dialog.apply_button.click()
    assert project.scene_prompt(first_scene) == before
    assert project.pronunciations() == {"stitching": "STITCH-ing"} and project.line_pause(project.lines[0].id) == 0.6
    assert project.scene_negative_prompt(first_scene) == "text, letters, logos, watermark, people's faces"
    assert "Applied 10 changes" in dialog.status.text() and "render again" in dialog.status.text()
    assert len(dialog.checked()) == 1  # only the unchecked prompt is left to apply
    assert project.undo_label == "Apply plan"
    window.undo()
    assert project.pronunciations() == {} and project.speed_of(project.lines[0].id) == 1.0
    assert project.line_pause(project.lines[0].id) is None and project.scene_negative_prompt(first_scene) == ""
    dialog.close()


def test_asking_runs_off_the_ui_thread_with_progress_and_cancel(window, demo_copy, qtbot, monkeypatch):
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    from plan.fakes import FakeChat, Fault, good_reply

    project = open_demo(window, demo_copy)
    with FakeChat() as fake:
        project.manifest.plan_final = "openai-chat"
        project.manifest.set_engine_settings("openai-chat", {"base_url": f"{fake.url}/v1", "model": "llama3.2"})
        dialog = open_plan(window)
        assert dialog.ask_button.isEnabled() and "server at 127.0.0.1" in dialog.engine_label.text()
        fake.script(Fault(delay=0.6))
        fake.replies.extend([json.dumps(good_reply(project))] * 2)
        dialog.direction.setText("calm, watercolour")
        started = time.perf_counter()
        dialog.ask_button.click()
        assert time.perf_counter() - started < 0.5 and dialog.running  # the call is a job, not on this thread
        assert dialog.close_button.text() == "Cancel"
        qtbot.waitUntil(lambda: not dialog.running, timeout=10000)
        assert "Plan received" in dialog.status.text(), dialog.problem.text()
        assert dialog.plans.count() == 2 and len(dialog.checked()) == 9
        fake.script(Fault(delay=5.0))
        dialog.ask_button.click()
        qtbot.waitUntil(lambda: len(fake.hits) >= 2, timeout=5000)
        dialog.cancel_or_close()
        qtbot.waitUntil(lambda: not dialog.running, timeout=5000)
        assert "Cancelled" in dialog.status.text() and dialog.plans.count() == 2
        dialog.close()
