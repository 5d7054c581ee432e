"""`studio render PROJECT --final` and `studio cost PROJECT`: paid renders, after the price, within the budget.

`--lines` renders final voice takes, `--scenes` final scene images; both print the
quote (engine, estimated cost, budget left), refuse over the budget before anything
is sent, ask once unless `--yes`, and put each final beside the drafts, not chosen.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from studio.cli.common import confirm
from studio.money.prices import format_money
from studio.errors import ProjectError, StudioError


def add_render_options(render) -> None:
    render.add_argument("--final", action="store_true", help="render with the project's final (premium) engine")
    render.add_argument("--lines", nargs="+", metavar="ID|N", help="only these lines (ids, or numbers from 1)")
    render.add_argument("--scenes", nargs="+", metavar="ID|N",
                        help="with --final: final images of these scenes (ids, or numbers from 1)")
    render.add_argument("--yes", action="store_true", help="do not ask before a paid render")


def add_parsers(sub) -> None:
    cost = sub.add_parser("cost", help="what the project spent, and what its local drafts saved")
    cost.add_argument("project", help="the project folder")
    cost.add_argument("--json", action="store_true")
    cost.add_argument("--script", metavar="NAME", help="which file in the folder is the script, when it holds several")


def pick_lines(project, wanted: list[str] | None) -> list[str]:
    """Line ids from ids or 1-based numbers; every line with words when none are named."""
    lines = project.lines
    if not wanted:
        return [line.id for line in lines if line.text.strip()]
    ids = {line.id for line in lines}
    picked = []
    for item in wanted:
        if item in ids:
            picked.append(item)
        elif item.isdigit() and 1 <= int(item) <= len(lines):
            picked.append(lines[int(item) - 1].id)
        else:
            raise ProjectError(
                f"There is no line '{item}' in this script: give a line id or a number from 1 to {len(lines)}."
            )
    return list(dict.fromkeys(picked))


def render_final(folder: Path, *, lines=None, yes=False, as_json=False, script=None, registry=None,
                 out=None, ask=None) -> int:
    """Price the lines with the final engine, ask once, then render them beside their drafts."""
    from studio.engines.base import NullState
    from studio.engines.registry import EngineRegistry
    from studio.jobs.pipeline import Voicing
    from studio.jobs.adopt import adopt_orphans
    from studio.jobs.premium import quote_final
    from studio.project.project import Project

    out = out or sys.stdout
    project = Project.open(folder, script=script)
    try:
        voicing = Voicing(project, registry or EngineRegistry())
        adopt_orphans(voicing)  # a paid take a killed or concurrent render never recorded: not paid again
        ids = pick_lines(project, lines)
        quote = quote_final(voicing, ids)
        if not _agreed(quote, voicing.budget, yes=yes, as_json=as_json, out=out, ask=ask):
            return 1
        def render(line_id):
            result = voicing.render_final(line_id, NullState())
            voicing.commit(result)  # beside the drafts, not chosen
            return result.cached, result.take.path, result.take.engine

        failed = _render_each(ids, "line", render, as_json=as_json, out=out)
        if not as_json:
            print(f"{len(ids) - failed} final take(s) beside the drafts, {failed} failed; "
                  f"{format_money(max(voicing.budget.remaining(), 0))} of the budget left.", file=out)
        project.save()
        return 1 if failed else 0
    finally:
        project.close()


def render_final_images(folder: Path, *, scenes=None, yes=False, as_json=False, script=None, registry=None,
                        out=None, ask=None) -> int:
    """Price the scenes' final images, ask once, then render each beside the scene's drafts."""
    from studio.cli.images import pick_scenes
    from studio.engines.base import NullState
    from studio.engines.registry import EngineRegistry
    from studio.jobs import image_final, imaging
    from studio.project.project import Project

    out = out or sys.stdout
    project = Project.open(folder, script=script)
    try:
        engine = image_final.final_image_engine(project, registry or EngineRegistry())
        budget = image_final.project_budget(project)
        ids = [scene.id for _number, scene in pick_scenes(project, scenes)]
        quote = image_final.quote_final_image(project, engine, budget, ids)
        if not _agreed(quote, budget, yes=yes, as_json=as_json, out=out, ask=ask):
            return 1
        def render(scene_id):
            request = image_final.final_request(project, engine, scene_id)
            result = image_final.render_final_image(project.folder, project.image_takes, budget.ledger, budget,
                                                    scene_id, request, engine, NullState())
            take = imaging.commit(project, result)  # beside the drafts, not chosen
            return result.cached, take.path, engine.id

        failed = _render_each(ids, "scene", render, as_json=as_json, out=out)
        if not as_json:
            print(f"{len(ids) - failed} final image(s) beside the drafts, {failed} failed; "
                  f"{format_money(max(budget.remaining(), 0))} of the budget left.", file=out)
        project.save()
        return 1 if failed else 0
    finally:
        project.close()


def _render_each(ids, kind: str, render, *, as_json: bool, out) -> int:
    """Render each id (`render(id)` -> (cached, take path, engine id)), one record each; how many failed."""
    failed = 0
    for item in ids:
        record = {kind: item, "tier": "final"}
        try:
            cached, path, engine = render(item)
            record.update(status="cached" if cached else "rendered", take=path, engine=engine)
        except StudioError as exc:
            failed += 1
            record.update(status="failed", error=exc.message)
            if not as_json:
                print(f"studio: {exc.message}", file=sys.stderr)
        if as_json:
            print(json.dumps(record, ensure_ascii=False), file=out, flush=True)
    return failed


def _agreed(quote, budget, *, yes, as_json, out, ask) -> bool:
    """Print the quote; refuse over the budget (before anything is sent); ask once for a paid render."""
    if as_json:
        print(json.dumps({"quote": {"engine": quote.engine, "lines" if quote.noun == "line" else "scenes": len(quote.lines),
                                    "reused": len(quote.cached), "estimated": f"{quote.money:f}",
                                    "remaining": f"{quote.remaining:f}", "cap": f"{quote.cap:f}",
                                    "paid": quote.paid}}), file=out, flush=True)
    else:
        print(f"Final engine: {quote.label}.", file=out)
        print(quote.sentence(), file=out, flush=True)
    budget.check(quote.money)
    if quote.lines and quote.paid and not yes:
        count = f"{len(quote.lines)} {quote.noun}{'s' if len(quote.lines) != 1 else ''}"
        if not confirm(ask, f"Render {count} for about {format_money(quote.money)}? [y/N] "):
            print("Nothing was rendered.", file=sys.stderr)
            return False
    return True


def cost(folder: Path, *, as_json=False, registry=None, out=None, script: str | None = None) -> int:
    from studio.engines.registry import EngineRegistry
    from studio.money.costs import cost_report
    from studio.project.project import Project

    out = out or sys.stdout
    project = Project.open(folder, script=script)
    try:
        report = cost_report(project, registry or EngineRegistry())
    finally:
        project.close()
    print(json.dumps(report.to_dict(), indent=1) if as_json else "\n".join(report.lines()), file=out)
    return 0


