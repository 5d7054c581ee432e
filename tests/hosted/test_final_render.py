"""Render final: the project's final engine on the fake OpenAI-compatible server, inside the budget."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from studio.cli.command import main
from studio.engines.base import NullState
from studio.money.prices import money
from studio.money.ledger import BudgetExceeded
from studio.jobs.pipeline import Voicing
from studio.jobs.premium import quote_final
from studio.project.project import Project

from .conftest import KEY
from .fakes import Fault


@pytest.fixture
def premium(demo_project, openai_fake, paid_fakes, monkeypatch):
    """The demo project routed to the fake server for final takes, with a $5 budget."""
    monkeypatch.setenv("STITCH_OPENAI_COMPATIBLE_API_KEY", KEY)
    project = Project.open(demo_project)
    project.manifest.set_route("tts", final="openai-tts")
    project.manifest.set_engine_settings("openai-tts", {"base_url": f"{openai_fake.url}/v1", "voice": "nova"})
    project.manifest.budget = 5.0
    project.save()
    project.close()
    return demo_project


def _price(text: str) -> Decimal:
    return money(Decimal("15.00") * len(text) / 1_000_000)  # tts-1: $15 per 1M characters


def test_a_final_take_lands_beside_the_draft_and_the_ledger_is_right_to_the_cent(premium, sine_registry, openai_fake):
    voicing = Voicing(Project.open(premium), sine_registry)
    line = voicing.project.lines[0]
    draft = voicing.commit(voicing.render_line(line.id, NullState()))

    result = voicing.render_final(line.id, NullState())
    final = voicing.commit(result)

    [hit] = openai_fake.hits
    assert hit.path == "/v1/audio/speech" and hit.json()["input"] == line.text.strip()
    assert hit.json()["voice"] == "nova"  # the draft's voice means nothing to another service
    assert final.tier == "final" and final.engine == "openai-tts" and (premium / final.path).is_file()
    assert {t.id for t in voicing.project.takes_for(line.id)} == {draft.id, final.id}
    assert voicing.project.chosen_take(line.id).id == draft.id  # nothing replaced, nothing chosen
    assert voicing.line_state(line.id) == "draft"
    voicing.project.choose_take(line.id, final.id)
    assert voicing.line_state(line.id) == "final"

    again = voicing.render_final(line.id, NullState())  # the same request: the take on disk, free
    assert again.cached and len(openai_fake.hits) == 1

    drafted, paid, reused = voicing.ledger.entries()
    assert (drafted.tier, drafted.engine, drafted.charged) == ("draft", "kokoro-onnx", Decimal(0))
    assert (paid.tier, paid.status, paid.charge_source) == ("final", "done", "price list")
    assert paid.charged == paid.estimated == _price(line.text.strip())
    assert (reused.cached, reused.charged) == (True, Decimal(0))
    assert voicing.ledger.spent() == _price(line.text.strip())
    assert voicing.budget.remaining() == Decimal("5.00") - _price(line.text.strip())


def test_over_budget_nothing_is_sent_and_the_sentence_says_by_how_much(premium, sine_registry, openai_fake):
    project = Project.open(premium)
    project.manifest.budget = 0.0001
    voicing = Voicing(project, sine_registry)
    line = project.lines[0]
    cost = _price(line.text.strip())

    quote = quote_final(voicing, [line.id])
    assert not quote.fits and quote.over_by == cost - Decimal("0.0001")
    with pytest.raises(BudgetExceeded) as caught:
        voicing.render_final(line.id, NullState())

    assert openai_fake.hits == []
    assert "go over by" in caught.value.message and "$0.0001" in caught.value.message
    assert project.takes_for(line.id) == [] and voicing.ledger.entries() == []


def test_a_failed_paid_call_records_what_the_provider_charged(premium, sine_registry, openai_fake):
    voicing = Voicing(Project.open(premium), sine_registry)
    line = voicing.project.lines[1]
    openai_fake.script(Fault(status=401))
    with pytest.raises(Exception):
        voicing.render_final(line.id, NullState())
    [entry] = voicing.ledger.entries()
    assert (entry.status, entry.charged, entry.charge_source) == ("failed", Decimal(0), "none reported")
    assert voicing.project.takes_for(line.id) == []


def test_the_key_is_nowhere_in_the_project_after_a_final_render(premium, sine_registry):
    voicing = Voicing(Project.open(premium), sine_registry)
    line = voicing.project.lines[0]
    voicing.commit(voicing.render_final(line.id, NullState()))
    voicing.project.save()
    for path in premium.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_cli_render_final_asks_once_then_renders_beside_the_drafts(premium, sine_registry, openai_fake, capsys, monkeypatch):
    from studio.cli import premium as commands

    asked = []
    assert commands.render_final(premium, lines=["1", "2"], registry=sine_registry,
                                 ask=lambda q: asked.append(q) or "n") == 1
    assert len(asked) == 1 and openai_fake.hits == []
    out = capsys.readouterr().out
    assert "Final engine: Speech from server at 127.0.0.1" in out and "of this project's $5.00 budget is left" in out

    assert commands.render_final(premium, lines=["1", "2"], as_json=True, registry=sine_registry,
                                 ask=lambda q: "y") == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert records[0]["quote"]["lines"] == 2 and records[0]["quote"]["remaining"] == "5.000000"
    assert [r["status"] for r in records[1:]] == ["rendered", "rendered"] and len(openai_fake.hits) == 2


def test_cli_refuses_over_budget_before_asking(premium, openai_fake, capsys):
    project = Project.open(premium)
    project.manifest.budget = 0.0
    project.save()
    project.close()
    assert main(["render", str(premium), "--final", "--lines", "1", "--yes"]) == 2
    assert "go over by" in capsys.readouterr().err and openai_fake.hits == []


def test_cli_cost_totals_and_what_the_drafts_saved(premium, sine_registry, capsys):
    from studio.cli.command import render_project
    from studio.cli import premium as commands

    render_project(premium, registry=sine_registry)
    commands.render_final(premium, lines=["1"], yes=True, registry=sine_registry)
    capsys.readouterr()
    assert commands.cost(premium, as_json=True, registry=sine_registry) == 0
    report = json.loads(capsys.readouterr().out)
    project = Project.open(premium)
    first = project.lines[0].text.strip()
    drafted = sum(len(line.text.strip()) for line in project.lines if line.text.strip())
    assert report["spent"] == f"{_price(first):f}"
    assert report["by_task"]["tts"]["renders"] == 6 and set(report["by_engine"]) == {"kokoro-onnx", "openai-tts"}
    [saved] = report["saved"]
    assert (saved["engine"], saved["model"], saved["amount"]) == ("openai-tts", "tts-1", f"{_price('x' * drafted):f}")
    assert commands.cost(premium, registry=sine_registry) == 0
    assert "would have cost" in capsys.readouterr().out
