"""Render final… in the Images panel: the confirm dialog, cancel, and the final image beside the drafts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ui_helpers import FINAL_KEY, answer_confirm, route_final
from studio.money.ledger import Ledger

KEY = FINAL_KEY


@pytest.fixture
def final_images(studio, server, monkeypatch, qtbot):
    """The demo project's final image engine is the fake server, billed by a price file; $1 budget."""
    route_final(studio.project, monkeypatch, "image", "openai-image",
                {"base_url": f"{server.url}/v1", "model": "dall-e-3"}, 1.0)
    studio.editor.select_line(studio.project.lines[0].id)
    qtbot.waitUntil(lambda: studio.images.scene_id == studio.project.scenes[0].id, timeout=2000)
    return studio


def test_cancel_sends_nothing_and_render_final_lands_beside_the_drafts(final_images, server, qtbot):
    panel = final_images.images
    assert panel.final_button.isEnabled()
    seen: dict = {}
    answer_confirm("Cancel", seen)
    assert panel.render_final() is False
    assert seen["cost"] == "about $0.04" and seen["budget"] == "$1.00 left of $1.00" and seen["ok"]
    assert server.hits == [] and panel.message.text() == "No final image: nothing was sent."

    answer_confirm("Render final", seen)
    assert panel.render_final() is True
    qtbot.waitUntil(lambda: not panel._keys, timeout=10000)
    scene = final_images.project.scenes[0].id
    [final] = final_images.project.images_for(scene)
    assert final.kind == "final" and panel.grid.count() == 1 and "final" in panel.grid.item(0).text()
    assert len(server.hits) == 1 and final_images.project.image_state(scene) != "chosen"
    [entry] = Ledger(final_images.project.folder).entries()
    assert (entry.engine, entry.tier, entry.charged) == ("openai-image", "final", Decimal("0.04"))


def test_over_budget_the_dialog_refuses_and_nothing_is_sent(final_images, server):
    final_images.project.manifest.budget = 0.01
    seen: dict = {}
    answer_confirm("Cancel", seen)
    assert final_images.images.render_final() is False
    assert seen["ok"] is False and server.hits == []
