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
    # Without [routing.plan] the local planner is the one asked: the window can plan offline too.
    assert "SmolLM2" in dialog.engine_label.text() and dialog.ask_button.isEnabled()
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


def test_the_script_editors_plan_button_opens_the_same_dialog_as_tools_plan(window, demo_copy, qtbot, artifacts_dir):
    from studio.ui.plan.dialog import PlanDialog

    button = window.editor.plan_button
    assert not button.isEnabled() and not window.actions.plan.isEnabled()  # no project yet
    open_demo(window, demo_copy)
    assert button.isEnabled() and window.actions.plan.isEnabled()
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.grab().save(str(artifacts_dir / "script-editor-plan-button.png"))
    button.click()
    dialog = window.plan_dialog
    qtbot.waitExposed(dialog)
    assert isinstance(dialog, PlanDialog) and dialog.plan is not None and len(dialog.checked()) == 11
    # Tools ▸ Plan… and the button are one action: never two dialogs on screen.
    window.actions.plan.trigger()
    qtbot.waitUntil(lambda: [d for d in window.findChildren(PlanDialog) if d.isVisible()] == [window.plan_dialog])
    window.plan_dialog.close()
    button.click()
    qtbot.waitUntil(lambda: [d for d in window.findChildren(PlanDialog) if d.isVisible()] == [window.plan_dialog])
    window.plan_dialog.close()


def test_view_costs_shows_planning_beside_voice_images_and_transcription(window, demo_copy, qtbot, tmp_path, monkeypatch,
                                                                         artifacts_dir):
    import sys
    from decimal import Decimal

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    from plan.conftest import KEY, chat_engine
    from plan.fakes import FakeChat, good_reply

    from studio.money.ledger import Entry, Ledger
    from studio.money.prices import format_money
    from studio.plan.run import make_plan
    from studio.ui.money.cost_panel import show_costs

    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("STITCH_CONFIG_DIR", str(config))
    (config / "prices.json").write_text(json.dumps({"engines": {"openai-chat": {"paid_hosts": ["127.0.0.1"]}}}))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    project = open_demo(window, demo_copy)
    project.manifest.budget = 1.0
    ledger = Ledger(project.folder)
    for task, engine, charged in (("tts", "openai-tts", "0.0150"), ("image", "openai-image", "0.0400"),
                                  ("stt", "openai-stt", "0.0060")):
        ledger.append(Entry(engine, "m", task, "final", seconds=1.0, estimated=Decimal(charged),
                            charged=Decimal(charged), charge_source="price list", ref="x"))
    with FakeChat() as fake:
        fake.replies.append(json.dumps(good_reply(project)))
        plan = make_plan(project, window.registry, engine=chat_engine(fake))  # one paid call, ledgered
    assert Decimal(plan.charged) > 0
    panel = show_costs(window)
    qtbot.waitExposed(panel)
    rows = [[panel.by_task.topLevelItem(i).text(c) for c in (0, 1, 5)] for i in range(panel.by_task.topLevelItemCount())]
    assert rows == [["Voice", "1", "$0.015"], ["Transcription", "1", "$0.006"], ["Images", "1", "$0.04"],
                    ["Planning", "1", format_money(Decimal(plan.charged))]]
    engines = {panel.by_engine.topLevelItem(i).text(0) for i in range(panel.by_engine.topLevelItemCount())}
    assert "openai-chat" in engines
    spent = Decimal("0.061") + Decimal(plan.charged)
    assert panel.spent.text().startswith(f"Spent {format_money(spent)} of a $1.00 budget")
    panel.grab().save(str(artifacts_dir / "cost-panel-planning.png"))
    panel.close()


def test_a_script_too_long_for_one_call_is_asked_in_parts_with_progress_for_each(window, demo_copy, qtbot):
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    from plan.fakes import FakeChat, good_reply

    project = open_demo(window, demo_copy)
    with FakeChat() as fake:
        project.manifest.plan_final = "openai-chat"
        # Room in one reply for two of the demo's three scenes: two calls.
        project.manifest.set_engine_settings("openai-chat", {"base_url": f"{fake.url}/v1", "model": "llama3.2",
                                                             "max_tokens": 700})
        fake.replies.extend([json.dumps(good_reply(project))] * 2)
        dialog = open_plan(window)
        seen = []
        window.jobs.progress.connect(lambda *args: seen.append(args[-1]))
        dialog.ask_button.click()
        qtbot.waitUntil(lambda: not dialog.running, timeout=10000)
        assert "Plan received in 2 parts" in dialog.status.text(), dialog.problem.text()
        assert len(fake.hits) == 2 and "part 2 of 2" in fake.hits[1].json()["messages"][1]["content"]
        assert any("part 1 of 2" in str(m) for m in seen) and any("part 2 of 2" in str(m) for m in seen)
        assert len(dialog.checked()) == 9
        dialog.close()
