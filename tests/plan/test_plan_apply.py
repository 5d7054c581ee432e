"""A plan applied to a project: item by item, one undo step, exactly the changed assets stale."""

from __future__ import annotations

import json

import pytest

from studio.engines.base import NullState
from studio.jobs.pipeline import Voicing
from studio.plan.diff import apply, diff, premium_cost
from studio.plan.schema import Plan, Reply
from studio.plan.store import find_plan, list_plans, load_plan, save_plan

from .fakes import good_reply


def a_plan(project, **kw) -> Plan:
    return Plan(engine="openai-chat", model="test", reply=Reply.model_validate(good_reply(project, **kw)),
                script={line.id: line.text for line in project.lines}, scene_titles={s.id: s.title for s in project.scenes})


def render_all(project, registry):
    voicing = Voicing(project, registry)
    for line_id in voicing.lines_to_render():
        voicing.commit(voicing.render_line(line_id, NullState()))
    return voicing


def states(voicing):
    return {line.id: voicing.line_state(line.id) for line in voicing.project.lines}


def test_the_diff_lists_each_change_with_old_and_new(project):
    found = diff(project, a_plan(project))
    kinds = [c.kind for c in found.changes]
    assert kinds.count("prompt") == 3 and kinds.count("pronunciation") == 1 and kinds.count("speed") == 1
    assert kinds.count("negative") == 3 and kinds.count("pause") == 1
    prompt = next(c for c in found.changes if c.kind == "prompt")
    assert prompt.old == project.scene_prompt(prompt.target) and prompt.new.endswith("watercolour")
    negative = next(c for c in found.changes if c.kind == "negative")
    assert negative.sentence() == "Negative prompt of scene “Opening”: (none) → text, watermark"
    speed = next(c for c in found.changes if c.kind == "speed")
    assert speed.sentence().endswith("1× → 0.9×")
    pause = next(c for c in found.changes if c.kind == "pause")
    assert pause.sentence().endswith("): pause after: usual gap → 0.5 s")
    assert found.suggestions == [] and len(found.notes) == 1
    assert found.missing == []


def test_applying_marks_exactly_the_changed_lines_and_scenes_stale_and_undo_restores_all(project, registry):
    voicing = render_all(project, registry)
    assert set(states(voicing).values()) == {"draft"}
    def values():
        return (project.pronunciations(), {s.id: project.scene_prompt(s.id) for s in project.scenes},
                {s.id: project.scene_negative_prompt(s.id) for s in project.scenes},
                {line.id: (project.speed_of(line.id), project.line_pause(line.id)) for line in project.lines})

    before = values()
    steps = project.undo_label
    done = apply(project, a_plan(project, speed_line=4), registry=registry)
    # "Kokoro" is said by lines 1 and 4; line 5 gets a new speed; every scene a new prompt.
    lines = project.lines
    assert sorted(done.stale_lines) == sorted([lines[0].id, lines[3].id, lines[4].id])
    assert done.stale_scenes == [s.id for s in project.scenes] and done.retimed == [lines[4].id]
    now = states(voicing)
    assert {i for i, s in now.items() if s == "stale"} == set(done.stale_lines)
    assert {i for i, s in now.items() if s == "draft"} == {lines[1].id, lines[2].id}
    assert project.pronunciations() == {"kokoro": "KOH-koh-roh"} and project.speed_of(lines[4].id) == 0.9
    assert project.line_pause(lines[4].id) == 0.5 and project.scene_negative_prompt(project.scenes[0].id) == "text, watermark"
    assert project.undo_label == "Apply plan"
    stitch = project.folder / ".stitch"
    # Written once when the step ended: the dictionary and the scenes' prompts and negative prompts.
    assert json.loads((stitch / "pronunciation.json").read_text())["entries"] == {"kokoro": "KOH-koh-roh"}
    scenes = json.loads((stitch / "scenes.json").read_text())["scenes"]
    assert {s["negative"] for s in scenes.values()} == {"text, watermark"} and len(scenes) == 3
    assert project.undo()  # one step takes it all back
    assert values() == before
    assert json.loads((stitch / "pronunciation.json").read_text())["entries"] == {}
    assert json.loads((stitch / "scenes.json").read_text())["scenes"] == {}
    assert set(states(voicing).values()) == {"draft"} and project.undo_label == steps
    assert project.redo() and project.pronunciations() == {"kokoro": "KOH-koh-roh"}


def test_re_rendering_after_a_plan_renders_only_what_changed(project, registry, sine_engine):
    voicing = render_all(project, registry)
    apply(project, a_plan(project), registry=registry)
    sine_engine.texts.clear()
    render_all(project, registry)
    assert sorted(sine_engine.texts) == sorted([project.lines[0].text, project.lines[3].text])


def test_applying_the_same_plan_twice_changes_nothing_the_second_time(project, registry):
    plan = a_plan(project)
    first = apply(project, plan, registry=registry)
    assert first.applied and "Applied 9 changes" in first.sentence() and "1 new pause after a line moves" in first.sentence()
    label = project.undo_label
    second = apply(project, plan, registry=registry)
    assert second.applied == [] and second.stale_lines == [] and second.stale_scenes == []
    assert "already follows" in second.sentence()
    assert diff(project, plan).changes == [] and diff(project, plan).unchanged == 9
    assert project.undo_label == label  # the second apply pushed no step of its own
    project.undo()
    assert project.pronunciations() == {} and all(project.line_pause(line.id) is None for line in project.lines)


def test_a_pause_after_a_line_moves_only_the_timeline_and_is_kept(project, registry):
    from studio.project.project import Project
    from studio.render.from_project import build_timeline

    voicing = render_all(project, registry)
    lines = project.lines
    plan = a_plan(project)  # a pause of 0.5 s after the first line
    usual = build_timeline(project, previous=None)
    assert usual.gap_before(lines[1].id) == usual.gap != 0.5
    pause = next(c for c in diff(project, plan).changes if c.kind == "pause")
    done = apply(project, plan, chosen=[pause.id], registry=registry)
    # No take is stale: the voice reads the line as before; the timeline leaves 0.5 s after it.
    assert done.stale_lines == [] and done.stale_scenes == [] and done.retimed == [lines[0].id]
    assert set(states(voicing).values()) == {"draft"}
    timeline = build_timeline(project, previous=usual)
    first, second = timeline.clip_for(lines[0].id), timeline.clip_for(lines[1].id)
    assert second.start - first.end == pytest.approx(0.5) and timeline.gap_before(lines[1].id) == 0.5
    third = timeline.clip_for(lines[2].id)  # the lines after it follow; their own gaps are the usual one
    assert third.start - second.end == pytest.approx(usual.gap)
    # A gap set by hand on the timeline wins while the pause it was set against stands.
    by_hand = timeline.set_line_gap(lines[1].id, 2.0)
    assert build_timeline(project, previous=by_hand).gap_before(lines[1].id) == 2.0
    project.set_line_pause(lines[0].id, 1.5)  # newer than the hand gap: it shows
    newer = build_timeline(project, previous=by_hand)
    assert newer.gap_before(lines[1].id) == 1.5
    assert newer.clip_for(lines[1].id).start - newer.clip_for(lines[0].id).end == pytest.approx(1.5)
    project.undo()  # and undoing it brings the hand gap back
    assert project.line_pause(lines[0].id) == 0.5
    assert build_timeline(project, previous=newer).gap_before(lines[1].id) == 2.0
    # Kept in lines.json across a restart; the same plan then changes nothing.
    project.save()
    again = Project.open(project.folder)
    try:
        assert again.line_pause(lines[0].id) == 0.5
        assert all(c.kind != "pause" for c in diff(again, plan).changes)
    finally:
        again.close()
    project.undo()
    assert project.line_pause(lines[0].id) is None
    assert build_timeline(project, previous=timeline).gap_before(lines[1].id) == usual.gap
    with pytest.raises(Exception, match="between 0 and 10 seconds"):
        project.set_line_pause(lines[0].id, 11)


def test_a_plans_pause_shows_over_a_gap_set_by_hand_and_undo_brings_that_gap_back(project, registry):
    from studio.render.from_project import build_timeline, load_timeline, save_timeline

    render_all(project, registry)
    lines = project.lines
    by_hand = build_timeline(project, previous=None).set_line_gap(lines[1].id, 2.0)
    save_timeline(project, by_hand)  # as the Timeline dock saves each edit
    plan = a_plan(project)  # 0.5 s after the first line
    apply(project, plan, chosen=[c.id for c in diff(project, plan).changes if c.kind == "pause"])
    after = build_timeline(project)
    assert after.gap_before(lines[1].id) == 0.5
    save_timeline(project, after)
    project.undo()
    back = build_timeline(project, previous=load_timeline(project))
    assert back.gap_before(lines[1].id) == 2.0
    assert back.clip_for(lines[1].id).start - back.clip_for(lines[0].id).end == pytest.approx(2.0)


def test_a_negative_prompt_goes_to_the_next_image_request_and_stales_only_its_scene(project):
    from studio.jobs.image_final import final_request

    scene = project.scenes[1]
    plan = a_plan(project)
    negative = next(c for c in diff(project, plan).changes if c.kind == "negative" and c.target == scene.id)
    done = apply(project, plan, chosen=[negative.id])
    assert done.stale_scenes == [scene.id] and done.stale_lines == []
    assert project.scene_negative_prompt(scene.id) == "text, watermark"
    assert all(project.scene_negative_prompt(s.id) == "" for s in project.scenes if s.id != scene.id)

    class Engine:  # the protocol's request, as the engines make it
        id, width, height = "draw", 64, 64

        def request(self, prompt, **settings):
            from studio.engines.images import ImageRequest

            return ImageRequest(self.id, "m", "1", prompt, settings.get("seed") or 0, settings["width"],
                                settings["height"], 1, 0.0, negative_prompt=settings.get("negative_prompt", ""))

    assert final_request(project, Engine(), scene.id).negative_prompt == "text, watermark"
    assert final_request(project, Engine(), project.scenes[0].id).negative_prompt == ""
    project.undo()
    assert project.scene_negative_prompt(scene.id) == ""


def test_only_some_parts_or_chosen_items(project):
    plan = a_plan(project)
    done = apply(project, plan, only={"pronunciations"})
    assert [c.kind for c in done.applied] == ["pronunciation"]
    assert all(project.prompt_and_source(s.id)[1] != "panel" for s in project.scenes)
    done = apply(project, plan, only={"direction"})
    assert sorted(c.kind for c in done.applied) == ["pause", "speed"]
    one = next(c for c in diff(project, plan).changes if c.kind == "prompt")
    done = apply(project, plan, chosen=[one.id])
    assert [c.id for c in done.applied] == [one.id] and done.stale_scenes == [one.target]
    with pytest.raises(Exception, match="no part of a plan called"):
        apply(project, plan, only={"voices"})


def test_a_plan_for_an_older_script_applies_to_the_lines_that_still_match(project, registry):
    plan = a_plan(project, speed_line=4)
    gone = project.lines[4]
    project.delete_line(gone.id)
    done = apply(project, plan, registry=registry)
    assert len(done.missing) == 1 and "Thanks for watching" in done.missing[0]
    assert {c.kind for c in done.applied} == {"prompt", "negative", "pronunciation"}


def test_a_refusal_half_way_leaves_nothing_applied(project, monkeypatch):
    plan = a_plan(project)
    real = project.set_pronunciation

    def broken(word, value):
        real(word, value)
        raise OSError("disk full")

    monkeypatch.setattr(project, "set_pronunciation", broken)
    with pytest.raises(OSError):
        apply(project, plan)
    assert project.pronunciations() == {}
    assert not (project.folder / ".stitch" / "pronunciation.json").exists() or json.loads(
        (project.folder / ".stitch" / "pronunciation.json").read_text())["entries"] == {}
    assert all(project.prompt_and_source(s.id)[1] != "panel" for s in project.scenes)


def test_plans_are_saved_as_json_and_markdown_and_read_back(project):
    plan = a_plan(project)
    path = save_plan(project.folder, plan)
    assert path.parent == project.folder / ".stitch" / "plans" and path.suffix == ".json"
    assert path.with_suffix(".md").read_text().startswith("# Plan by openai-chat")
    assert "KOH-koh-roh" in path.with_suffix(".md").read_text()
    assert load_plan(path) == plan and find_plan(project.folder) == path
    second = save_plan(project.folder, plan)
    assert list_plans(project.folder) == [path, second]
    assert json.loads(path.read_text())["schema"] == "stitch-plan/1"
    path.write_text('{"schema": "stitch-plan/1", "reply": {"scenes": [{"scene_id": 3}]}}')
    with pytest.raises(Exception, match="does not follow the plan's schema"):
        load_plan(path)


def test_premium_cost_of_what_became_stale(project, registry):
    done = apply(project, a_plan(project), registry=registry)
    said = premium_cost(project, registry, done.stale_lines, done.stale_scenes)
    assert said.money is None and "no final engine" in said.sentence
