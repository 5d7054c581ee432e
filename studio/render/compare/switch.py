"""Switching to the candidate, and back: `[routing.tts]` or `[routing.image]` in stitch.toml.

`plan_switch` says first what the switch changes in stitch.toml, how many takes it makes
stale (images: how many scenes have no current image) and what rendering them again
costs; `apply_switch` writes it (the manifest keeps the creator's comments) and records
the file before and after in the comparison; `undo_switch` puts the file back byte for
byte, unless it was changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from studio.errors import StudioError
from studio.jobs.premium import is_hosted
from studio.money.prices import format_money, money
from studio.project.manifest import FILE_NAME, Manifest
from studio.render.compare.candidate import takes_setting
from studio.render.compare.record import Comparison
from studio.storage import atomic_write_text

if TYPE_CHECKING:
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project


@dataclass
class SwitchPlan:
    tier: str  # "drafts" or "finals"
    engine: str
    changes: list[tuple[str, Any, Any]]  # (where in stitch.toml, before, after)
    stale: int  # lines whose take would have to be rendered again
    lines: int  # lines with words
    cost: Decimal
    paid: bool
    task: str = "tts"

    def sentence(self) -> str:
        what = "draft" if self.tier == "drafts" else "final"
        if self.task == "image":
            cost = format_money(self.cost) if self.paid else "nothing (it is free)"
            changed = "; ".join(f"{where} = {after!r} (was {before!r})" for where, before, after in self.changes)
            return (f"Using {self.engine} for image {self.tier} leaves the scenes' images as they are (an image "
                    f"does not turn stale with its engine); {self.stale} of {self.lines} scenes have no current "
                    f"image and would be rendered with it, costing {cost}. stitch.toml: {changed}.")
        cost = format_money(self.cost) if self.paid else "nothing (it is free)"
        changed = "; ".join(f"{where} = {after!r} (was {before!r})" for where, before, after in self.changes)
        return (f"Using {self.engine} for {self.tier} makes {self.stale} of {self.lines} {what} takes stale; "
                f"rendering them again costs {cost}. stitch.toml: {changed}.")


def _manifest_changes(project: "Project", registry: "EngineRegistry", comparison: Comparison, tier: str) -> list:
    if tier not in ("drafts", "finals"):
        raise StudioError(f"Switch drafts or finals, not '{tier}'.")
    manifest = project.manifest
    b = comparison.data["b"]
    engine_id = b["engine"]
    key = "draft" if tier == "drafts" else "final"
    if comparison.data.get("task") == "image":
        # The engine and its settings; steps, size and seed were the comparison's requests, not the engine's.
        changes = [(f"routing.image.{key}", manifest.route("image")[0 if key == "draft" else 1], engine_id)]
        base = manifest.engine_settings(engine_id)
        for name, value in sorted(b.get("settings", {}).items()):
            if base.get(name) != value:
                changes.append((f"engines.{engine_id}.{name}", base.get(name), value))
        return [c for c in changes if c[1] != c[2]]
    changes = [(f"routing.tts.{key}", getattr(manifest, f"tts_{key}"), engine_id)]
    settings = dict(b.get("settings", {}))
    voice = b.get("voice", "")
    takes_voice = takes_setting(registry._factory(engine_id), "voice")
    if not takes_voice:
        settings.pop("voice", None)
    base = manifest.engine_settings(engine_id)
    for name, value in sorted(settings.items()):
        if base.get(name) != value:
            changes.append((f"engines.{engine_id}.{name}", base.get(name), value))
    requested = comparison.data.get("candidate_settings", {})
    if not takes_voice and requested.get("voice") and manifest.voice != voice:
        # An engine that is not configured with a voice speaks the project's [voice].
        changes.append(("voice.voice", manifest.voice, voice))
    if requested.get("speed") is not None and float(requested["speed"]) != manifest.speed:
        changes.append(("voice.speed", manifest.speed, float(requested["speed"])))
    return [c for c in changes if c[1] != c[2]]


def _apply(manifest: Manifest, changes: list) -> None:
    for where, _before, after in changes:
        parts = where.split(".")
        if parts[0] == "routing":
            manifest.set_route(parts[1], **{parts[2]: after})
        elif parts[0] == "engines":
            settings = manifest.engine_settings(parts[1])
            settings[parts[2]] = after
            manifest.set_engine_settings(parts[1], settings)
        elif where == "voice.voice":
            manifest.voice = after
        elif where == "voice.speed":
            manifest.speed = after


def plan_switch(project: "Project", registry: "EngineRegistry", comparison: Comparison, tier: str) -> SwitchPlan:
    """What switching to the candidate would change, how many takes it makes stale, what re-rendering costs."""
    from studio.jobs.pipeline import Voicing

    changes = _manifest_changes(project, registry, comparison, tier)
    if comparison.data.get("task") == "image":
        return image_switch_plan(project, registry, comparison, tier, changes)
    probe = Manifest.load(project.folder)
    probe.__dict__.update({k: v for k, v in project.manifest.__dict__.items() if not k.startswith("_")})
    real = project.manifest
    project.manifest = probe
    try:
        _apply(probe, changes)
        voicing = Voicing(project, registry)
        lines = [line.id for line in project.lines if line.text.strip()]
        stale, cost = 0, Decimal(0)
        engine = voicing.engine() if tier == "drafts" else voicing.final_engine()
        for line_id in lines:
            request = voicing.request_for(line_id, "draft" if tier == "drafts" else "final")
            chosen = project.chosen_take(line_id)
            if tier == "drafts":
                current = chosen is not None and chosen.cache_key == request.cache_key()
            else:
                current = project.takes.find_by_key(request.cache_key()) is not None
            if not current:
                stale += 1
                if is_hosted(engine):
                    cost += engine.quote(request).money
        paid = is_hosted(engine) and bool(getattr(engine, "paid", False))
    finally:
        project.manifest = real
    return SwitchPlan(tier, comparison.data["b"]["engine"], changes, stale, len(lines), money(cost), paid)


def image_switch_plan(project: "Project", registry: "EngineRegistry", comparison: Comparison, tier: str, changes):
    """`compare.plan_switch` for an image comparison: how many scenes would be rendered with the
    candidate (those with no chosen or current image) and what that costs."""
    from studio.jobs import imaging

    engine_id = comparison.data["b"]["engine"]
    settings = {**project.manifest.engine_settings(engine_id), **comparison.data["b"].get("settings", {})}
    engine = registry.configured(engine_id, settings)
    scenes = [(s, (project.scene_prompt(s.id) or "").strip()) for s in project.scenes]
    scenes = [(s, p) for s, p in scenes if p]
    waiting = [prompt for scene, prompt in scenes if project.image_state(scene.id) in ("none", "stale")]
    hosted = is_hosted(engine)
    cost = money(0)
    if hosted and waiting:
        cost = money(sum((engine.quote(imaging.scene_request(engine, prompt, project.manifest.format, 0)).money
                          for prompt in waiting), Decimal(0)))
    paid = hosted and bool(getattr(engine, "paid", False))
    return SwitchPlan(tier, engine_id, changes, len(waiting), len(scenes), cost, paid, task="image")


def apply_switch(project: "Project", registry: "EngineRegistry", comparison: Comparison, tier: str) -> SwitchPlan:
    """Write the switch into stitch.toml (comments kept) and record it in the comparison, for undo."""
    plan = plan_switch(project, registry, comparison, tier)
    path = project.folder / FILE_NAME
    before = path.read_text(encoding="utf-8") if path.exists() else None
    if plan.changes:
        _apply(project.manifest, plan.changes)
        project.manifest.save(project.folder)
    after = path.read_text(encoding="utf-8")
    comparison.data.setdefault("switches", []).append({
        "tier": tier, "engine": plan.engine, "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "changes": [[w, b, a] for w, b, a in plan.changes], "stale": plan.stale, "cost": str(plan.cost),
        "manifest_before": before, "manifest_after": after, "undone": False,
    })
    comparison.save()
    return plan


def undo_switch(project: "Project", comparison: Comparison) -> str:
    """Put stitch.toml back as it was before the comparison's last switch; a sentence saying what happened."""
    switches = [s for s in comparison.data.get("switches", []) if not s.get("undone")]
    if not switches:
        raise StudioError("This comparison has no switch to undo.")
    last = switches[-1]
    path = project.folder / FILE_NAME
    now = path.read_text(encoding="utf-8") if path.exists() else None
    if now != last["manifest_after"]:
        task = comparison.data.get("task", "tts")
        raise StudioError(f"{FILE_NAME} was changed after the switch, so it is left as it is: "
                          f"set [routing.{task}] back by hand or in the project's settings.")
    if last["manifest_before"] is None:
        path.unlink()
    else:
        atomic_write_text(path, last["manifest_before"])
    project.manifest = Manifest.load(project.folder)
    last["undone"] = True
    comparison.save()
    return f"stitch.toml is back as it was before {last['tier']} were switched to {last['engine']}."
