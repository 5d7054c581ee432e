"""A hosted engine routed as the *draft* engine spends money like a final one: budget first, ledger after."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from studio.engines.base import NullState
from studio.money.prices import money
from studio.engines.registry import EngineRegistry
from studio.errors import EngineError
from studio.jobs import imaging
from studio.money.ledger import BudgetExceeded, project_ledger
from studio.jobs.pipeline import Voicing
from studio.project.project import Project

from .conftest import KEY

DALL_E_3 = Decimal("0.040")  # 1024x1024, the service's square size in any format


@pytest.fixture
def hosted_drafts(demo_project, openai_fake, tmp_path, monkeypatch):
    """The demo project drafting images and voice on the fake server (billed as a provider), a $1 budget."""
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    monkeypatch.setenv("STITCH_CONFIG_DIR", str(config))
    (config / "prices.json").write_text(json.dumps({"engines": {
        "openai-image": {"paid_hosts": ["127.0.0.1"]}, "openai-tts": {"paid_hosts": ["127.0.0.1"]}}}))
    monkeypatch.setenv("STITCH_OPENAI_COMPATIBLE_API_KEY", KEY)
    project = Project.open(demo_project)
    project.manifest.set_route("image", draft="openai-image")
    project.manifest.set_route("tts", draft="openai-tts")
    project.manifest.set_engine_settings("openai-image", {"base_url": f"{openai_fake.url}/v1", "model": "dall-e-3"})
    project.manifest.set_engine_settings("openai-tts", {"base_url": f"{openai_fake.url}/v1", "voice": "nova"})
    project.manifest.budget = 1.0
    project.save()
    project.close()
    return demo_project


def _draft(project: Project, registry, scene: str, seed: int = 7):
    return imaging.generate(project.folder, project.image_takes, scene, project.scene_prompt(scene),
                            project.manifest.format, imaging.image_engine(project, registry), NullState(), seed,
                            budget=imaging.draft_budget(project))


def test_a_hosted_draft_image_over_budget_sends_nothing_and_says_by_how_much(hosted_drafts, openai_fake):
    project = Project.open(hosted_drafts)
    project.manifest.budget = 0.03
    scene = project.scenes[0].id
    with pytest.raises(BudgetExceeded) as refused:
        _draft(project, EngineRegistry(), scene)
    assert "go over by $0.01" in refused.value.message
    assert openai_fake.hits == [] and project_ledger(project.folder).entries() == []
    assert project.images_for(scene) == [] or all(t.kind == "creator" for t in project.images_for(scene))
    project.close()


def test_a_hosted_draft_image_is_charged_to_the_cent_as_a_draft_and_recorded_once(hosted_drafts, openai_fake):
    project = Project.open(hosted_drafts)
    scene = project.scenes[0].id
    registry = EngineRegistry()
    result = _draft(project, registry, scene)
    take = imaging.commit(project, result)

    [hit] = openai_fake.hits
    assert hit.path == "/v1/images/generations" and hit.json()["size"] == "1024x1024"
    assert take.kind == "render" and (project.folder / take.path).is_file()
    ledger = project_ledger(project.folder)
    [entry] = ledger.entries()  # the paid line only: commit does not add a free one beside it
    assert (entry.engine, entry.task, entry.tier, entry.status) == ("openai-image", "image", "draft", "done")
    assert entry.charged == entry.estimated == DALL_E_3 and entry.charge_source == "images returned"
    assert entry.ref == scene and imaging.draft_budget(project).remaining() == Decimal("1.00") - DALL_E_3

    again = _draft(project, registry, scene)  # the same seed: the picture on disk, free
    imaging.commit(project, again)
    assert again.cached and len(openai_fake.hits) == 1
    assert ledger.entries()[-1].cached and ledger.spent() == DALL_E_3

    variation = imaging.vary(project.folder, project.image_takes, scene, take, "", 1.0,
                             imaging.image_engine(project, registry), NullState(), seed=3,
                             budget=imaging.draft_budget(project))
    imaging.commit(project, variation)
    assert openai_fake.hits[-1].path == "/v1/images/edits"
    last = ledger.entries()[-1]
    assert (last.tier, last.charged, last.ref) == ("draft", DALL_E_3, scene) and not last.cached
    assert ledger.spent() == 2 * DALL_E_3
    price = imaging.image_engine(project, registry).prices().price("openai-image", "dall-e-3")
    assert ledger.drafts_at(price) == 0  # paid drafts saved nothing: the Cost panel must not say they did
    project.close()


def test_a_hosted_draft_image_without_a_budget_is_refused_before_any_traffic(hosted_drafts, openai_fake):
    project = Project.open(hosted_drafts)
    scene = project.scenes[0].id
    with pytest.raises(EngineError) as refused:
        imaging.generate(project.folder, project.image_takes, scene, project.scene_prompt(scene),
                         project.manifest.format, imaging.image_engine(project, EngineRegistry()), NullState())
    assert "hosted service" in refused.value.message and "budget" in refused.value.message
    assert openai_fake.hits == []
    project.close()


def _speech_price(text: str) -> Decimal:
    return money(Decimal("15.00") * len(text) / 1_000_000)  # tts-1: $15 per 1M characters


def test_a_hosted_draft_voice_goes_through_the_budget_and_the_ledger(hosted_drafts, openai_fake):
    project = Project.open(hosted_drafts)
    voicing = Voicing(project, EngineRegistry())
    line = project.lines[0]
    cost = _speech_price(line.text.strip())

    project.manifest.budget = float(cost - Decimal("0.000001"))
    with pytest.raises(BudgetExceeded) as refused:
        voicing.render_line(line.id, NullState())
    assert "go over by" in refused.value.message and openai_fake.hits == [] and voicing.ledger.entries() == []

    project.manifest.budget = 1.0
    take = voicing.commit(voicing.render_line(line.id, NullState()))
    [hit] = openai_fake.hits
    assert hit.path == "/v1/audio/speech" and take.tier == "draft" and take.engine == "openai-tts"
    [entry] = voicing.ledger.entries()
    assert (entry.engine, entry.tier, entry.status, entry.charge_source) == ("openai-tts", "draft", "done", "price list")
    assert entry.charged == entry.estimated == cost and voicing.ledger.spent() == cost
    project.close()
