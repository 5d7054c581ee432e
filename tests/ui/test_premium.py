"""Render final from the window, and the Cost panel: the fake OpenAI-compatible server
(tests/hosted/fakes.py) on 127.0.0.1 is the project's final engine, billed by a price file."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui_helpers import FINAL_KEY, answer_confirm, route_final
from studio.money.prices import format_money
from studio.money.ledger import Ledger
from studio.ui.money import cost_panel
from studio.ui.money.premium import FinalConfirmDialog
from ui_helpers import badge

KEY = FINAL_KEY


@pytest.fixture
def premium(studio, server, monkeypatch, qtbot):
    """The demo project routed to the fake server for final takes, $5 budget, a first line drafted."""
    route_final(studio.project, monkeypatch, "tts", "openai-tts", {"base_url": f"{server.url}/v1", "voice": "nova"}, 5.0)
    line = studio.editor.line_ids()[0]
    studio.editor.select_line(line)
    studio.voice.preview(line)
    qtbot.waitUntil(lambda: badge(studio, line) == "draft", timeout=3000)
    studio.final.refresh()
    return studio


def test_the_dialog_shows_engine_cost_and_budget_and_cancel_sends_nothing(premium, server, artifacts_dir):
    line = premium.editor.current_line()
    text = premium.project.line(line).text.strip()
    assert premium.editor.inspector.final_button.isEnabled()
    seen: dict = {}
    answer_confirm("Cancel", seen, artifacts_dir / "render_final_confirm.png")
    assert premium.final.render_selected() is False
    cost = Decimal("15.00") * len(text) / 1_000_000  # tts-1: $15 per 1M characters
    assert seen["engine"] == f"Speech from server at {server.url.removeprefix('http://')} (tts-1)"
    assert seen["cost"] == f"about {format_money(cost)}"
    assert seen["budget"] == "$5.00 left of $5.00" and seen["ok"] and not seen["refusal"]
    assert server.hits == []
    assert [t.tier for t in premium.project.takes_for(line)] == ["draft"]
    assert "nothing was sent" in premium.status.message.text()


def test_confirming_puts_the_final_take_beside_the_draft_not_chosen(premium, server, qtbot):
    line = premium.editor.current_line()
    draft = premium.project.chosen_take(line)
    answer_confirm("Render final", {})
    premium.editor.inspector.final_button.click()
    qtbot.waitUntil(lambda: any(t.tier == "final" for t in premium.project.takes_for(line)), timeout=5000)
    qtbot.waitUntil(lambda: not premium.jobs.busy, timeout=3000)
    assert len(server.hits) == 1 and server.hits[0].path == "/v1/audio/speech"
    assert premium.project.chosen_take(line).id == draft.id  # beside, not instead
    takes = premium.editor.inspector.takes
    engines = [takes.topLevelItem(i).text(6) for i in range(takes.topLevelItemCount())]
    assert sorted(engines) == ["kokoro-onnx", "★ final · openai-tts"]
    assert "beside the drafts" in premium.status.message.text()
    assert premium.editor.inspector.final_button.text().endswith("Render final…")


def test_over_budget_the_ok_button_is_disabled_and_nothing_is_sent(premium, server):
    premium.project.manifest.budget = 0.0001
    seen: dict = {}
    answer_confirm("Cancel", seen)
    assert premium.final.render_selected() is False
    assert not seen["ok"] and "go over the budget by" in seen["refusal"]
    assert seen["budget"] == "$0.0001 left of $0.0001"
    assert server.hits == []


def test_without_a_final_engine_the_button_says_so(studio):
    studio.editor.select_line(studio.editor.line_ids()[0])
    button = studio.final.button
    assert not button.isEnabled()
    assert "no final voice engine" in button.toolTip() and "Project Settings" in button.toolTip()
    assert not studio.actions.render_final.isEnabled()


def test_the_context_menu_and_the_menu_action_ask_too(premium, server):
    line = premium.editor.line_ids()[1]
    [entry] = premium.final.line_menu(line).actions()
    assert entry.text() == "★  Render Final…" and entry.isEnabled()
    seen: dict = {}
    answer_confirm("Cancel", seen)
    entry.trigger()
    assert seen["engine"].startswith("Speech from server") and server.hits == []
    answer_confirm("Cancel", seen := {})
    premium.actions.render_final.trigger()
    assert seen["ok"] and server.hits == []


def test_dont_ask_again_under_an_amount_is_remembered(premium, server, qtbot):
    def tick_and_render():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, FinalConfirmDialog):
            QTimer.singleShot(10, tick_and_render)
            return
        dialog.dont_ask.setChecked(True)
        dialog.dont_ask_amount.setValue(0.25)
        dialog.ok_button.click()

    QTimer.singleShot(0, tick_and_render)
    assert premium.final.render(premium.editor.line_ids()[0])
    assert premium.settings.final_ask_under == 0.25
    saved = json.loads(premium.settings.path().read_text())
    assert saved["final_ask_under"] == 0.25 and KEY not in premium.settings.path().read_text()
    qtbot.waitUntil(lambda: len(server.hits) == 1, timeout=5000)
    assert premium.final.render(premium.editor.line_ids()[1])  # under $0.25: no dialog this time
    qtbot.waitUntil(lambda: len(server.hits) == 2 and not premium.jobs.busy, timeout=5000)


def test_the_cost_panel_matches_the_ledger(premium, server, qtbot, artifacts_dir):
    line = premium.editor.current_line()
    answer_confirm("Render final", {})
    premium.final.render(line)
    qtbot.waitUntil(lambda: any(t.tier == "final" for t in premium.project.takes_for(line)), timeout=5000)
    qtbot.waitUntil(lambda: not premium.jobs.busy, timeout=3000)

    panel = cost_panel.show_costs(premium)
    qtbot.waitExposed(panel)
    ledger = Ledger(premium.project.folder)
    spent = ledger.spent()
    assert spent > 0
    assert panel.spent.text() == (f"Spent {format_money(spent)} of a $5.00 budget · "
                                  f"{format_money(Decimal('5') - spent)} left")
    rows = {panel.by_engine.topLevelItem(i).text(0): panel.by_engine.topLevelItem(i)
            for i in range(panel.by_engine.topLevelItemCount())}
    for engine, totals in ledger.totals("engine").items():
        assert rows[engine].text(1) == str(totals.renders) and rows[engine].text(5) == format_money(totals.charged)
    [tts] = [panel.by_task.topLevelItem(i) for i in range(panel.by_task.topLevelItemCount())]
    assert tts.text(0) == "Voice" and tts.text(1) == "2" and tts.text(5) == format_money(spent)
    assert panel.saved.text() == f"Saved by drafting locally: {format_money(panel.report.saved_total)}"
    assert panel.report.saved_total > 0 and "with openai-tts (tts-1)" in panel.saved_detail.text()
    panel.grab().save(str(artifacts_dir / "cost_panel.png"))
    assert cost_panel.show_costs(premium) is panel  # one per window
