"""Comparing with a paid candidate: quoted first, refused over the budget before any traffic, ledgered after."""

from __future__ import annotations

from decimal import Decimal

import pytest

from studio.engines.base import NullState
from studio.money.prices import money
from studio.money.ledger import BudgetExceeded, project_ledger
from studio.project.project import Project
from studio.render.compare import Candidate, comparisons_dir, plan_comparison, run_comparison

from .conftest import KEY


@pytest.fixture
def paid_project(demo_project, openai_fake, paid_fakes, monkeypatch):
    monkeypatch.setenv("STITCH_OPENAI_COMPATIBLE_API_KEY", KEY)
    project = Project.open(demo_project)
    project.manifest.set_engine_settings("openai-tts", {"base_url": f"{openai_fake.url}/v1"})
    project.save()
    yield project
    project.close()


def test_a_paid_candidate_is_refused_over_the_budget_then_quoted_paid_and_ledgered(paid_project, sine_registry, openai_fake):
    line = paid_project.lines[0]
    candidate = Candidate("openai-tts", {"voice": "nova"})
    with pytest.raises(BudgetExceeded, match="budget"):
        plan_comparison(paid_project, sine_registry, candidate, lines=[line.id])
    assert openai_fake.hits == [] and not comparisons_dir(paid_project.folder).exists()

    paid_project.manifest.budget = 5.0
    paid_project.save()
    plan = plan_comparison(paid_project, sine_registry, candidate, lines=[line.id])
    expected = money(Decimal("15.00") * len(line.text.strip()) / 1_000_000)  # tts-1: $15 per 1M characters
    assert plan.paid and plan.quote == expected and "about $" in plan.sentence()
    comparison = run_comparison(plan, NullState())
    [hit] = openai_fake.hits
    assert hit.json()["voice"] == "nova" and hit.json()["input"] == line.text.strip()
    [entry] = [e for e in project_ledger(paid_project.folder).entries() if e.tier == "compare"]
    assert entry.engine == "openai-tts" and entry.charged == expected and entry.ref == line.id
    price = comparison.data["price"]["b"]
    assert not price["local"] and Decimal(price["sample"]) == expected and Decimal(price["per_minute"]) > 0
    whole = sum(money(Decimal("15.00") * len(x.text.strip()) / 1_000_000) for x in paid_project.lines if x.text.strip())
    assert Decimal(price["project"]) == money(whole)
    assert comparison.data["verdict"]["cost"]["better"] == "a"
    assert paid_project.takes.all() == []  # the candidate's take is no project take
