"""Plans kept in the project: `.stitch/plans/<date>-<engine>.json`, a readable `.md` beside it.

The JSON is the plan (diffable, editable by hand, read back through the schema);
the Markdown says the same for a person. Both are written atomically, the JSON
last, so a plan that is listed is whole. Older plans stay as a history.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ValidationError

from studio.errors import StudioError
from studio.plan.schema import Plan, validation_errors
from studio.storage import atomic_write_text

PLANS_DIR = Path(".stitch") / "plans"


def plans_dir(folder) -> Path:
    return Path(folder) / PLANS_DIR


def list_plans(folder) -> list[Path]:
    """The project's plans, oldest first."""
    where = plans_dir(folder)
    return sorted(where.glob("*.json"), key=lambda p: (p.stat().st_mtime_ns, p.name)) if where.is_dir() else []


def save_plan(folder, plan: Plan) -> Path:
    made = plan.made or datetime.now(timezone.utc).isoformat(timespec="seconds")
    stamp = re.sub(r"[^0-9T]", "", made.split("+")[0])[:15].replace("T", "-")
    engine = re.sub(r"[^A-Za-z0-9_.-]+", "-", plan.engine or "plan")
    path = plans_dir(folder) / f"{stamp[:8]}-{stamp[9:]}-{engine}.json"
    n = 1
    while path.exists():
        n += 1
        path = path.with_name(f"{stamp[:8]}-{stamp[9:]}-{engine}-{n}.json")
    atomic_write_text(path.with_suffix(".md"), plan_markdown(plan))
    atomic_write_text(path, json.dumps(plan.dump(), ensure_ascii=False, indent=1) + "\n")
    return path


def find_plan(folder, name: str | None = None) -> Path:
    """A plan by path or file name; the newest when `name` is None."""
    if name:
        for candidate in (Path(name), Path(folder) / name, plans_dir(folder) / name, plans_dir(folder) / f"{name}.json"):
            if candidate.is_file():
                return candidate
        raise StudioError(f"There is no plan called {name}: `studio plan PROJECT --show` lists the plans.")
    plans = list_plans(folder)
    if not plans:
        raise StudioError("This project has no plan yet: make one with `studio plan PROJECT` (or Tools ▸ Plan…).")
    return plans[-1]


def load_plan(path) -> Plan:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StudioError(f"The plan {path.name} could not be read ({exc.__class__.__name__}): fix it in a "
                          "text editor or make a new plan.", detail=str(exc)) from None
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise StudioError(f"The plan {path.name} does not follow the plan's schema ({validation_errors(exc)[0]}): "
                          "fix it in a text editor or make a new plan.") from None


def plan_markdown(plan: Plan) -> str:
    reply = plan.reply
    out = [f"# Plan by {plan.engine or 'a planner'} ({plan.model or 'model not named'})", "",
           f"Made {plan.made or 'at an unknown time'}"
           + (f" in {plan.parts} parts, a few scenes each" if plan.parts > 1 else "")
           + f"; schema {plan.schema_}; charged ${plan.charged}.", ""]
    if plan.direction:
        out += [f"Direction: {plan.direction}", ""]
    if reply.style:
        out += [f"Shared style: {reply.style}", ""]
    if reply.scenes:
        out += ["## Image prompts", ""]
        out += [f"- **{plan.scene_titles.get(s.scene_id, s.scene_id)}**: {s.prompt}"
                + (f" (not: {s.negative_prompt})" if s.negative_prompt else "") for s in reply.scenes] + [""]
    if reply.pronunciations:
        out += ["## Pronunciations", ""] + [f"- {p.word} → {p.say}" for p in reply.pronunciations] + [""]
    if reply.lines:
        out += ["## Line direction", ""]
        for line in reply.lines:
            said = [f"speed {line.speed:g}" if line.speed is not None else "",
                    f"pause {line.pause_after:g} s after" if line.pause_after is not None else "",
                    f"voice {line.voice}" if line.voice else ""]
            out.append(f"- “{plan.script.get(line.line_id, line.line_id)}”: {', '.join(s for s in said if s)}")
        out.append("")
    if reply.splits or reply.merges:
        out += ["## Suggestions", ""]
        out += [f"- Split “{plan.script.get(s.line_id, s.line_id)}” into: {' / '.join(s.parts)}"
                + (f" ({s.reason})" if s.reason else "") for s in reply.splits]
        out += [f"- Merge {len(m.line_ids)} lines into “{m.text}”" + (f" ({m.reason})" if m.reason else "")
                for m in reply.merges]
        out.append("")
    if reply.notes:
        out += ["## Review notes", ""]
        out += [f"- [{n.kind}] " + (f"“{plan.script.get(n.line_id, '')}”: " if n.line_id else "") + n.text
                for n in reply.notes] + [""]
    if plan.dropped:
        out += ["## Dropped from the reply", ""] + [f"- {d}" for d in plan.dropped] + [""]
    return "\n".join(out)
