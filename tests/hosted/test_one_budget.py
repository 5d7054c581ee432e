"""Every paid job of a project holds its estimate against one budget: voice finals, hosted image
drafts, final images and hosted transcription cannot each admit the same money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from studio.engines.registry import EngineRegistry
from studio.jobs import image_final, imaging
from studio.money.ledger import BudgetExceeded
from studio.jobs.pipeline import Voicing
from studio.jobs.selfcheck import project_listener
from studio.project.project import Project


@pytest.fixture
def project(demo_project):
    opened = Project.open(demo_project)
    opened.manifest.budget = 1.0
    opened.save()
    yield opened
    opened.close()


def _budgets(project):
    registry = EngineRegistry()
    return {
        "image drafts": imaging.draft_budget(project),
        "final images": image_final.project_budget(project),
        "voice": Voicing(project, registry).budget,
        "transcription": project_listener(project, registry).budget,
        "final transcription": project_listener(project, registry).budget,
    }


@pytest.mark.parametrize("holder", ["image drafts", "final images", "voice", "transcription"])
def test_money_held_by_one_paid_job_is_not_admitted_by_another(project, holder):
    budgets = _budgets(project)
    with budgets[holder].hold(Decimal("0.70")):  # a paid call in flight
        for name, budget in budgets.items():
            if name == holder:
                continue
            with pytest.raises(BudgetExceeded, match="only \\$0.30"):
                budget.check(Decimal("0.50"))
    for budget in budgets.values():
        budget.check(Decimal("0.50"))  # the hold ended and recorded nothing


def test_the_cap_is_read_from_stitch_toml_each_time(project):
    budget = imaging.draft_budget(project)
    project.manifest.budget = 2.0
    assert Voicing(project, EngineRegistry()).budget.remaining() == Decimal("2")
    assert budget.remaining() == Decimal("2")
