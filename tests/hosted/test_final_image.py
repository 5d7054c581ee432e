"""Render final for a scene image: the fake OpenAI-compatible image endpoint, inside the budget."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest

from studio.engines.base import NullState
from studio.engines.images import ImageRequest, Picture, image_digest, new_seed
from studio.money.prices import Usage
from studio.engines.registry import EngineRegistry
from studio.jobs import image_final, imaging
from studio.money.ledger import BudgetExceeded, Ledger
from studio.project.project import Project

from .conftest import KEY


class DraftImages:
    """A local draft image engine: a flat colour per seed, instantly."""

    id = "diffusers"
    task = "image"
    local = True
    label = "Draft images"

    def request(self, prompt, *, seed=None, width=None, height=None, **_):
        return ImageRequest(self.id, "draft", "1", prompt, new_seed() if seed is None else int(seed),
                            width or 64, height or 64, 4, 0.0)

    def text_to_image(self, request, state):
        return Picture(np.full((request.height, request.width, 3), request.seed % 250, np.uint8), {})

    def unload(self):
        pass


@pytest.fixture
def image_project(demo_project, openai_fake, tmp_path, monkeypatch):
    """The demo project: drafts local, finals from the fake server (billed as a provider), a $1 budget."""
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    monkeypatch.setenv("STITCH_CONFIG_DIR", str(config))
    (config / "prices.json").write_text(json.dumps({"engines": {"openai-image": {"paid_hosts": ["127.0.0.1"]}}}))
    monkeypatch.setenv("STITCH_OPENAI_COMPATIBLE_API_KEY", KEY)
    project = Project.open(demo_project)
    project.manifest.set_route("image", draft="diffusers", final="openai-image")
    project.manifest.set_engine_settings("openai-image", {"base_url": f"{openai_fake.url}/v1", "model": "dall-e-3"})
    project.manifest.budget = 1.0
    project.save()
    project.close()
    return demo_project


@pytest.fixture
def registry():
    made = EngineRegistry()
    engine = DraftImages()
    made.register("diffusers", lambda: engine)
    return made


def test_the_final_image_lands_beside_the_drafts_and_the_ledger_has_its_price(image_project, registry, openai_fake):
    project = Project.open(image_project)
    scene = project.scenes[0].id
    draft = imaging.commit(project, imaging.generate(
        project.folder, project.image_takes, scene, project.scene_prompt(scene), project.manifest.format,
        imaging.image_engine(project, registry), NullState()))

    engine = image_final.final_image_engine(project, registry)
    ledger = Ledger(project.folder)
    budget = image_final.project_budget(project)
    quote = image_final.quote_final_image(project, engine, budget, [scene])
    assert (quote.engine, quote.lines, quote.paid, quote.fits) == ("openai-image", (scene,), True, True)
    assert quote.money == Decimal("0.040")  # dall-e-3, 1024x1024 (a square service size in any format)
    assert "about $0.04" in quote.sentence() and openai_fake.hits == []

    request = image_final.final_request(project, engine, scene)
    result = image_final.render_final_image(project.folder, project.image_takes, ledger, budget, scene, request,
                                            engine, NullState())
    final = imaging.commit(project, result)

    [hit] = openai_fake.hits
    assert hit.path == "/v1/images/generations" and hit.json()["prompt"] == project.scene_prompt(scene)
    assert final.kind == "final" and (project.folder / final.path).is_file()
    assert {t.id for t in project.images_for(scene)} == {draft.id, final.id}
    assert project.image_state(scene) != "chosen"  # nothing chosen for the creator
    drafted, entry = ledger.entries()
    assert (drafted.engine, drafted.tier, drafted.charged, drafted.usage["images"]) == ("diffusers", "draft", 0, 1)
    assert (entry.engine, entry.task, entry.tier, entry.status) == ("openai-image", "image", "final", "done")
    assert entry.charged == entry.estimated == Decimal("0.040") and entry.ref == scene
    assert budget.remaining() == Decimal("0.96")

    again = image_final.quote_final_image(project, engine, budget, [scene])
    assert again.cached == (scene,) and again.money == 0
    cached = image_final.render_final_image(project.folder, project.image_takes, ledger, budget, scene, request,
                                            engine, NullState())
    assert cached.cached and cached.take.id == final.id and len(openai_fake.hits) == 1
    assert ledger.entries()[-1].cached and ledger.spent() == Decimal("0.040")
    project.close()


def test_over_budget_the_server_sees_nothing(image_project, registry, openai_fake):
    project = Project.open(image_project)
    project.manifest.budget = 0.03
    scene = project.scenes[0].id
    engine = image_final.final_image_engine(project, registry)
    ledger = Ledger(project.folder)
    budget = image_final.project_budget(project)
    quote = image_final.quote_final_image(project, engine, budget, [scene])
    assert not quote.fits and quote.over_by == Decimal("0.010")

    request = image_final.final_request(project, engine, scene)
    with pytest.raises(BudgetExceeded) as refused:
        image_final.render_final_image(project.folder, project.image_takes, ledger, budget, scene, request,
                                       engine, NullState())
    assert "go over by $0.01" in refused.value.message
    assert openai_fake.hits == [] and ledger.entries() == [] and project.images_for(scene) == []
    assert not list((project.folder / "renders" / "images").glob("*.png"))
    project.close()


def test_no_final_engine_is_a_sentence(demo_project, registry):
    project = Project.open(demo_project)
    project.manifest.set_route("image", final="")
    with pytest.raises(Exception) as failed:
        image_final.final_image_engine(project, registry)
    assert "image_final" in failed.value.message
    project.close()


def test_a_portrait_project_asks_for_a_portrait_size():
    class Service:
        width, height = 1792, 1024

    assert image_final.final_size(Service(), "9:16") == (1024, 1792)
    assert image_final.final_size(Service(), "16:9") == (1792, 1024)
    assert image_final.final_size(object(), "16:9") == (None, None)
    assert image_digest(np.zeros((2, 2, 3), np.uint8))  # the helper the draft engine's module relies on


def test_after_final_renders_with_a_key_set_nothing_the_studio_wrote_holds_it(image_project, registry, openai_fake,
                                                                            tmp_path):
    """The key comes from the environment; a render, a refused key whose reply echoes it, and a
    cached render later, no file in the project, the config folder or the log contains it."""
    import logging
    import os
    from pathlib import Path

    from .fakes import Fault

    log_file = tmp_path / "studio.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # everything any library logs, request headers included
    sentences = []
    try:
        project = Project.open(image_project)
        scenes = [s.id for s in project.scenes[:2]]
        engine = image_final.final_image_engine(project, registry)
        ledger = Ledger(project.folder)
        budget = image_final.project_budget(project)
        first = image_final.final_request(project, engine, scenes[0])
        imaging.commit(project, image_final.render_final_image(
            project.folder, project.image_takes, ledger, budget, scenes[0], first, engine, NullState()))
        echo = json.dumps({"error": {"message": f"Incorrect API key provided: {KEY}", "type": "invalid_request_error"}})
        openai_fake.script(Fault(status=401, body=echo.encode()))
        second = image_final.final_request(project, engine, scenes[1])
        with pytest.raises(Exception) as refused:
            image_final.render_final_image(project.folder, project.image_takes, ledger, budget, scenes[1], second,
                                           engine, NullState())
        assert "key" in refused.value.message.lower()
        sentences += [str(refused.value), getattr(refused.value, "message", ""), repr(refused.value),
                      str(getattr(refused.value, "detail", ""))]
        image_final.render_final_image(project.folder, project.image_takes, ledger, budget, scenes[0], first,
                                       engine, NullState())
        project.save()
        project.close()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()

    assert openai_fake.hits and all(h.headers.get("authorization") == f"Bearer {KEY}" for h in openai_fake.hits)
    written = [p for p in Path(image_project).rglob("*") if p.is_file()]
    written += [p for p in Path(os.environ["STITCH_CONFIG_DIR"]).rglob("*") if p.is_file()]
    written.append(log_file)
    assert log_file.stat().st_size > 0  # the log did record the work
    needle = KEY.encode()
    holding = [str(p) for p in written if needle in p.read_bytes()]
    assert holding == [], f"the key was written to {holding}"
    assert not any(KEY in s or KEY[8:] in s for s in sentences)


def test_a_cancel_once_the_server_answered_is_in_the_ledger_and_leaves_no_file(image_project, registry, openai_fake):
    from studio.errors import Cancelled

    class CancelOnceSent:
        def set_progress(self, fraction, message=""):
            pass

        def is_cancelled(self):
            return bool(openai_fake.hits)

    project = Project.open(image_project)
    scene = project.scenes[0].id
    engine = image_final.final_image_engine(project, registry)
    ledger = Ledger(project.folder)
    budget = image_final.project_budget(project)
    request = image_final.final_request(project, engine, scene)
    with pytest.raises(Cancelled):
        image_final.render_final_image(project.folder, project.image_takes, ledger, budget, scene, request, engine,
                                       CancelOnceSent())
    [entry] = ledger.entries()
    assert (entry.tier, entry.status, entry.ref) == ("final", "cancelled", scene)
    assert entry.charged in (Decimal(0), Decimal("0.04"))  # what the provider was known to charge, never more
    assert not list((project.folder / "renders" / "images").glob("*.png"))
    assert budget.remaining() == Decimal("1.00") - entry.charged
    project.close()


def _dalle3_square() -> Decimal:
    """What resources/prices.json says a standard 1024×1024 dall-e-3 image costs."""
    from studio.money.prices import PriceTable

    return PriceTable.load().price("openai-image", "dall-e-3").cost(Usage(images=1, size="1024x1024"))


def test_cli_render_final_scenes_asks_once_then_the_final_lands_beside_the_drafts(image_project, registry,
                                                                                  openai_fake, capsys):
    from studio.cli import premium as commands

    project = Project.open(image_project)
    scene = project.scenes[1].id
    draft = imaging.commit(project, imaging.generate(
        project.folder, project.image_takes, scene, project.scene_prompt(scene), project.manifest.format,
        imaging.image_engine(project, registry), NullState()))
    project.close()
    price = _dalle3_square()

    asked = []
    assert commands.render_final_images(image_project, scenes=["2"], registry=registry,
                                        ask=lambda q: asked.append(q) or "n") == 1
    out = capsys.readouterr().out
    assert len(asked) == 1 and "1 scene image for about" in asked[0] and openai_fake.hits == []
    assert "Final engine: Image from server at 127.0.0.1" in out and "of this project's $1.00 budget is left" in out

    assert commands.render_final_images(image_project, scenes=[scene], as_json=True, registry=registry,
                                        ask=lambda q: "y") == 0
    quote, record = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert quote["quote"] == {"engine": "openai-image", "scenes": 1, "reused": 0, "estimated": f"{price:f}",
                              "remaining": "1.000000", "cap": "1.000000", "paid": True}
    assert (record["scene"], record["status"], record["engine"]) == (scene, "rendered", "openai-image")
    [hit] = openai_fake.hits
    assert hit.path == "/v1/images/generations" and hit.json()["model"] == "dall-e-3"

    project = Project.open(image_project)
    final = project.image_takes.get(next(t.id for t in project.images_for(scene) if t.id != draft.id))
    assert final.kind == "final" and final.path == record["take"] and (project.folder / final.path).is_file()
    assert {t.id for t in project.images_for(scene)} == {draft.id, final.id} and project.image_state(scene) != "chosen"
    drafted, entry = Ledger(project.folder).entries()
    assert (drafted.tier, drafted.ref, drafted.charged) == ("draft", scene, 0)
    assert (entry.engine, entry.task, entry.tier, entry.status, entry.ref) == ("openai-image", "image", "final",
                                                                               "done", scene)
    assert entry.charged == entry.estimated == price
    assert Ledger(project.folder).spent() == price
    project.close()

    # Asked again: the final on disk, free, and no question since nothing costs money.
    assert commands.render_final_images(image_project, scenes=["2"], registry=registry,
                                        ask=lambda q: pytest.fail("asked for a free render")) == 0
    assert "0 scene images with" in capsys.readouterr().out and len(openai_fake.hits) == 1


def test_cli_final_scenes_over_budget_makes_no_request(image_project, openai_fake, capsys):
    from studio.cli.command import main

    project = Project.open(image_project)
    project.manifest.budget = 0.01
    project.save()
    project.close()
    assert main(["render", str(image_project), "--final", "--scenes", "1", "2", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "go over by" in err and f"${2 * _dalle3_square() - Decimal('0.01'):.2f}" in err
    assert openai_fake.hits == [] and not list((image_project / "renders").rglob("*.png"))
    assert not (image_project / ".stitch" / "ledger.jsonl").exists() or Ledger(image_project).entries() == []


def test_cli_final_scene_refused_key_is_a_sentence_and_no_file(image_project, registry, openai_fake, capsys):
    from studio.cli import premium as commands

    from .fakes import Fault

    openai_fake.script(Fault(status=401))
    assert commands.render_final_images(image_project, scenes=["1"], yes=True, registry=registry) == 1
    captured = capsys.readouterr()
    [sentence] = [line for line in captured.err.splitlines() if line.startswith("studio: ")]
    assert "key" in sentence.lower() and "Traceback" not in captured.err and KEY not in captured.err
    assert "0 final image(s) beside the drafts, 1 failed" in captured.out
    assert len(openai_fake.hits) == 1 and not list((image_project / "renders").rglob("*.png"))
    project = Project.open(image_project)
    assert project.images_for(project.scenes[0].id) == []
    [entry] = Ledger(project.folder).entries()
    assert (entry.status, entry.charged) == ("failed", Decimal(0))
    project.close()


def test_cli_scenes_go_with_final(image_project, capsys):
    from studio.cli.command import main

    with pytest.raises(SystemExit) as usage:
        main(["render", str(image_project), "--scenes", "1"])
    assert usage.value.code == 2 and "--scenes goes with --final" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["render", str(image_project), "--final", "--lines", "1", "--scenes", "1"])
    assert "one at a time" in capsys.readouterr().err


def test_image_drafts_are_in_the_ledger_and_priced_at_the_final_engine(image_project, registry):
    """What drafting scene images locally saved: each draft rendered (not a cache hit, not a
    cleanup) at the final engine's price, in `studio cost` and the Cost panel."""
    from studio.money.prices import PriceTable
    from studio.money.costs import cost_report

    project = Project.open(image_project)
    engine = imaging.image_engine(project, registry)
    scene = project.scenes[0].id
    prompt, fmt = project.scene_prompt(scene), project.manifest.format
    first = imaging.commit(project, imaging.generate(project.folder, project.image_takes, scene, prompt, fmt, engine,
                                                     NullState(), seed=7))
    imaging.commit(project, imaging.generate(project.folder, project.image_takes, scene, prompt, fmt, engine,
                                             NullState(), seed=8))
    again = imaging.generate(project.folder, project.image_takes, scene, prompt, fmt, engine, NullState(), seed=7)
    assert again.cached and imaging.commit(project, again).id == first.id
    imaging.commit(project, imaging.cleanup(project.folder, project.image_takes, scene, first, "auto_contrast",
                                            NullState()))

    entries = Ledger(project.folder).entries()
    assert [(e.tier, e.cached, e.ref) for e in entries] == [("draft", False, scene)] * 2 + [("draft", True, scene)]
    assert all(e.engine == "diffusers" and e.charged == 0 and e.usage["images"] == 1 for e in entries)

    report = cost_report(project, registry)
    [saved] = [s for s in report.saved if s.task == "image"]
    dalle = PriceTable.load().price("openai-image", "dall-e-3")
    cheapest = min(dalle.sizes.values())  # a draft size the service does not sell is priced at its cheapest
    assert (saved.engine, saved.model, saved.amount) == ("openai-image", "dall-e-3", 2 * cheapest)
    assert report.spent == 0 and f"would have cost ${2 * cheapest:.2f}" in " ".join(report.lines())
    project.close()
