"""A script too long for one call (issue §7: 2,000 lines): planned in parts of whole scenes, one
call each, quoted as their sum, merged into one plan; a cancel between parts keeps nothing;
a scene too long for a call on its own is refused with a sentence naming the limit."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from studio.errors import Cancelled
from studio.money.ledger import Ledger
from studio.plan.diff import apply, diff
from studio.plan.prompt import STYLE_SLOT, PlanRefused, reply_tokens
from studio.plan.run import make_plan, quote_plan
from studio.plan.store import list_plans

from .conftest import chat_engine

SCENES, LINES = 40, 50  # 2,000 lines


def long_project(tmp_path, scenes=SCENES, lines=LINES, name="long"):
    from studio.project.project import Project

    folder = tmp_path / name
    folder.mkdir()
    text = "\n".join(f"# Scene {s + 1}\n\n" + "\n\n".join(
        f"Line {s * lines + n + 1} of the long script tells how Kokoro reads scene {s + 1} aloud." for n in range(lines))
        + "\n" for s in range(scenes))
    (folder / "script.md").write_text(text, encoding="utf-8")
    return Project.open(folder)


def part_reply(project, prompt, style: str) -> str:
    """What a model answers for one part: a prompt per scene it was given, one line's pace, a word."""
    scenes = [s for s in project.scenes if s.id in prompt.scene_ids]
    return json.dumps({
        "style": style,
        "scenes": [{"scene_id": s.id, "prompt": f"a lighthouse for {s.title.lower()}, {style}", "negative_prompt": "text"}
                   for s in scenes],
        "pronunciations": [{"word": "Kokoro", "say": "KOH-koh-roh" if prompt.part == 1 else "ko-KO-ro"}],
        "lines": [{"line_id": scenes[0].lines[0].id, "speed": 0.9, "pause_after": 0.8, "voice": None}],
        "splits": [], "merges": [],
        "notes": [{"line_id": None, "kind": "pacing", "text": f"Part {prompt.part} reads well."}],
    })


class Watching:
    """A job state that records progress and cancels when `cancel_when()` says so."""

    def __init__(self, cancel_when=lambda: False):
        self.progress, self.cancel_when = [], cancel_when

    def set_progress(self, fraction, message=""):
        self.progress.append((fraction, message))

    def is_cancelled(self):
        return self.cancel_when()


def plan_entries(project):
    return [e for e in Ledger(project.folder).entries() if e.task == "plan"]


def test_a_2000_line_script_is_planned_in_parts_quoted_first_ledgered_and_merged(tmp_path, registry, chat, paid):
    project = long_project(tmp_path)
    project.manifest.budget = 5.0
    engine = chat_engine(chat)
    quote = quote_plan(project, registry, engine)
    parts = quote.parts
    assert 2 < parts < 20 and sum(p.lines for p in quote.prompts) == SCENES * LINES
    # Whole scenes, in order, each part within the model's context and one reply's room.
    assert [i for p in quote.prompts for i in p.scene_ids] == [s.id for s in project.scenes]
    for prompt, request in zip(quote.prompts, quote.requests):
        assert request.input_tokens() + request.max_tokens <= engine.context_tokens
        assert reply_tokens(len(prompt.scene_ids), prompt.lines) <= request.max_tokens
        assert (prompt.part, prompt.parts) == (quote.prompts.index(prompt) + 1, parts)
    # Quoted as the sum of the calls, before any is made.
    assert quote.money == sum(engine.quote(r).money for r in quote.requests) and chat.hits == []
    assert f"{parts} calls" in quote.sentence() and quote.max_tokens == parts * 4096
    chat.replies.extend(part_reply(project, p, "ink wash" if p.part == 1 else "neon") for p in quote.prompts)

    state = Watching()
    plan = make_plan(project, registry, engine=engine, quote=quote, state=state)
    assert len(chat.hits) == parts and plan.parts == parts
    sent = [hit.json()["messages"][1]["content"] for hit in chat.hits]
    assert all(f"part {n} of {parts}" in text for n, text in enumerate(sent, 1))
    # Later parts are told the first part's style; no placeholder ever leaves the studio.
    assert all('"ink wash"' in text for text in sent[1:]) and not any(STYLE_SLOT[0] in text for text in sent)
    # One plan: every scene's prompt, the first style and pronunciation, every part's note.
    assert plan.reply.style == "ink wash" and len(plan.reply.scenes) == SCENES
    assert [(p.word, p.say) for p in plan.reply.pronunciations] == [("Kokoro", "KOH-koh-roh")]
    assert len(plan.reply.lines) == parts and len(plan.reply.notes) == parts and plan.dropped == []
    # Each call ledgered with the provider's usage; the plan's charge is their sum, within the quote.
    entries = plan_entries(project)
    assert len(entries) == parts and all(e.charge_source == "provider usage" for e in entries)
    assert [e.ref for e in entries] == [f"plan {n}/{parts}" for n in range(1, parts + 1)]
    assert Decimal(plan.charged) == sum(e.charged for e in entries) <= quote.money
    assert plan.usage["input_tokens"] == 1200 * parts
    # Progress part by part, never backwards.
    fractions = [f for f, _ in state.progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    said = [m for _, m in state.progress]
    assert f"Asking for a plan for part 1 of {parts}" in said and f"Asking for a plan for part {parts} of {parts}" in said

    done = apply(project, plan)
    assert len(done.stale_scenes) == SCENES and project.undo_label == "Apply plan"
    assert diff(project, plan).changes == []
    project.undo()
    assert all(project.prompt_and_source(s.id)[1] != "panel" for s in project.scenes)
    project.close()


def test_a_cancel_between_parts_keeps_no_plan_and_changes_nothing(tmp_path, registry, chat):
    project = long_project(tmp_path)
    engine = chat_engine(chat)
    quote = quote_plan(project, registry, engine)
    chat.replies.extend(part_reply(project, p, "ink") for p in quote.prompts)
    # Cancelled once the first call is done and in the ledger: the next part never starts.
    state = Watching(lambda: len(plan_entries(project)) >= 1)
    with pytest.raises(Cancelled):
        make_plan(project, registry, engine=engine, quote=quote, state=state)
    assert len(chat.hits) == 1 and len(plan_entries(project)) == 1  # the call that was made is on the books
    assert list_plans(project.folder) == [] and not project.can_undo
    project.close()


def test_a_failing_part_leaves_no_plan(tmp_path, registry, chat):
    project = long_project(tmp_path)
    engine = chat_engine(chat)
    quote = quote_plan(project, registry, engine)
    first = quote.prompts[0]
    chat.replies.extend([part_reply(project, first, "ink"), "not a plan", "still not a plan"])
    with pytest.raises(PlanRefused, match=f"for part 2 of {quote.parts} after being asked twice"):
        make_plan(project, registry, engine=engine, quote=quote)
    assert len(chat.hits) == 3 and list_plans(project.folder) == []
    project.close()


def test_a_scene_too_long_for_one_call_is_refused_naming_the_limit(tmp_path, registry, chat):
    one = long_project(tmp_path, scenes=1, lines=2000, name="one-scene")
    with pytest.raises(PlanRefused) as caught:
        quote_plan(one, registry, chat_engine(chat))
    said = caught.value.message
    assert "“Scene 1” has 2,000 lines" in said and "4,096 tokens" in said and "max_tokens" in said
    # A context window that holds some scenes but not the longest one.
    mixed = long_project(tmp_path, scenes=3, lines=20, name="mixed")
    mixed.insert_line(mixed.scenes[2].lines[-1].id, "A very long line of the last scene. " * 400)
    with pytest.raises(PlanRefused) as caught:
        quote_plan(mixed, registry, chat_engine(chat, context_tokens=8000))
    said = caught.value.message
    assert "“Scene 3” alone is about" in said and "8,000 the planning model reads at once" in said
    assert chat.hits == []
    one.close()
    mixed.close()


def test_a_script_that_fits_is_one_call_as_before(tmp_path, registry, chat):
    project = long_project(tmp_path, scenes=3, lines=5, name="short")
    quote = quote_plan(project, registry, chat_engine(chat))
    assert quote.parts == 1 and "calls" not in quote.sentence()
    assert "part 1 of" not in quote.requests[0].user
    project.close()
