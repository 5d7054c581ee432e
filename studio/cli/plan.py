"""`studio plan PROJECT`: ask the planning engine for a plan, show one, or apply one.

    studio plan PROJECT [--engine NAME] [--direction TEXT] [--json] [--yes]
    studio plan PROJECT --apply [PLAN] [--only prompts,pronunciations,direction] [--yes]
    studio plan PROJECT --show [PLAN]

Making a plan prints the quote and asks once (unless `--yes`, or the planner is
free), then saves the plan in `.stitch/plans/` and shows what applying it would
change. Applying lists the changes, asks once (unless `--yes`), applies them as one
step and saves the project; nothing is rendered: the changed lines and scenes
re-render locally the next time (`studio render`, `studio images`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from studio.cli.common import confirm
from studio.errors import StudioError


def add_parser(sub) -> None:
    plan = sub.add_parser("plan", help="a plan for the script from a planning model; show or apply one")
    plan.add_argument("project", help="the project folder")
    plan.add_argument("--engine", help="the planning engine (default: [routing.plan] in stitch.toml)")
    plan.add_argument("--direction", default="", help='what you want, e.g. "calm, for 12-year-olds, watercolour look"')
    plan.add_argument("--apply", nargs="?", const="", metavar="PLAN", help="apply a plan (default: the newest)")
    plan.add_argument("--only", help="with --apply: some parts only (prompts,pronunciations,direction)")
    plan.add_argument("--show", nargs="?", const="", metavar="PLAN", help="show a plan's changes (default: the newest)")
    plan.add_argument("--json", action="store_true", help="print JSON")
    plan.add_argument("--yes", action="store_true", help="do not ask first")
    plan.add_argument("--script", help="which script file to use when the folder holds several")


def run(args, registry=None, out=None, ask=None) -> int:
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project

    out = out or sys.stdout
    registry = registry or EngineRegistry()
    if args.only and args.apply is None:
        raise StudioError("--only goes with --apply: it picks which parts of a plan to apply.")
    project = Project.open(Path(args.project), script=args.script)
    try:
        if args.show is not None:
            return show(project, args.show or None, as_json=args.json, out=out)
        if args.apply is not None:
            only = [part.strip() for part in args.only.split(",") if part.strip()] if args.only else None
            return apply_plan(project, registry, args.apply or None, only=only, yes=args.yes, as_json=args.json,
                              out=out, ask=ask)
        return make(project, registry, engine_id=args.engine, direction=args.direction, yes=args.yes,
                    as_json=args.json, out=out, ask=ask)
    finally:
        project.close()


def make(project, registry, *, engine_id=None, direction="", yes=False, as_json=False, out=None, ask=None) -> int:
    from studio.plan.run import make_plan, planner, quote_plan
    from studio.plan.store import save_plan

    engine = planner(project, registry, engine_id)
    quote = quote_plan(project, registry, engine, direction)
    if not as_json:
        print(quote.sentence(), file=out)
    if quote.paid and not quote.fits:
        from studio.money.ledger import shared_budget

        shared_budget(project.folder, project.manifest.budget).check(quote.money)  # the sentence saying by how much
    if quote.paid and not yes and not confirm(ask, "Ask for the plan? [y/N] "):
        print("Nothing was sent.", file=out)
        return 1
    plan = make_plan(project, registry, engine=engine, direction=direction, quote=quote,
                     state=_Progress(None if as_json else sys.stderr))
    path = save_plan(project.folder, plan)
    return _print_diff(project, plan, path, as_json=as_json, out=out)


def show(project, name=None, *, as_json=False, out=None) -> int:
    from studio.plan.store import find_plan, load_plan

    path = find_plan(project.folder, name)
    return _print_diff(project, load_plan(path), path, as_json=as_json, out=out)


def apply_plan(project, registry, name=None, *, only=None, yes=False, as_json=False, out=None, ask=None) -> int:
    from studio.plan.diff import apply, diff, premium_cost
    from studio.plan.store import find_plan, load_plan

    path = find_plan(project.folder, name)
    plan = load_plan(path)
    found = diff(project, plan)
    wanted = [c for c in found.changes if only is None or c.group in only]
    if not as_json:
        print(f"{path.name}: {len(wanted)} change(s) to apply.", file=out)
        for change in wanted:
            print(f"  {change.sentence()}", file=out)
        for missing in found.missing:
            print(f"  not applied: {missing}", file=out)
    if wanted and not yes and not confirm(ask, "Apply these changes? [y/N] "):
        print("Nothing was changed.", file=out)
        return 1
    done = apply(project, plan, only=only, registry=registry)
    project.save()
    cost = premium_cost(project, registry, done.stale_lines, done.stale_scenes)
    if as_json:
        print(json.dumps({**done.to_dict(), "plan": path.name, "premium": cost.sentence,
                          "premium_money": None if cost.money is None else f"{cost.money:f}"}, ensure_ascii=False), file=out)
    else:
        print(done.sentence(), file=out)
        if done.applied:
            print(cost.sentence, file=out)
    return 0


def _print_diff(project, plan, path, *, as_json, out) -> int:
    from studio.plan.diff import diff

    found = diff(project, plan)
    if as_json:
        print(json.dumps({"plan": path.name, "path": str(path), "engine": plan.engine, "model": plan.model,
                          "charged": plan.charged, "usage": plan.usage, "dropped": plan.dropped, **found.to_dict()},
                         ensure_ascii=False), file=out)
        return 0
    print(f"Plan {path.name} ({plan.engine}, {plan.model}; charged ${plan.charged}).", file=out)
    sections = (("Changes (apply with --apply)", found.changes), ("Suggestions (yours to make)", found.suggestions),
                ("Review notes", found.notes))
    for title, items in sections:
        if items:
            print(f"{title}:", file=out)
            for item in items:
                print(f"  {item.sentence()}", file=out)
    for text in plan.dropped:
        print(f"  dropped from the reply: {text}", file=out)
    for text in found.missing:
        print(f"  no longer in the script: {text}", file=out)
    if not found.changes:
        print("Nothing to change: the project already follows this plan.", file=out)
    return 0


class _Progress:
    """A job state for the terminal: progress as lines on stderr; Ctrl+C stops the call."""

    def __init__(self, stream):
        self.stream = stream
        self._last = ""

    def set_progress(self, fraction, message=""):
        if self.stream is not None and message and message != self._last:
            self._last = message
            print(f"{message}…", file=self.stream, flush=True)

    def is_cancelled(self):
        return False
