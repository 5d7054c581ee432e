"""`studio compare PROJECT --task tts|image --candidate ENGINE`: try a model on the project's own lines.

The sample is rendered with the current route (A) and the candidate (B), measured from
the audio (or, for images, timed and sized), and saved as `.stitch/comparisons/<id>.json`
and `<id>.html`. A paid candidate is priced first, refused over the budget, and asked
about once unless `--yes`. `--switch drafts|finals` then says how many takes the switch
makes stale and what re-rendering them costs, and edits `[routing.<task>]` in stitch.toml;
`--undo-switch` puts the file back as it was before the last switch.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

from studio.cli.common import confirm
from studio.errors import StudioError


def add_parser(sub) -> None:
    compare = sub.add_parser("compare", help="compare the current engine with a candidate on the project's own lines")
    compare.add_argument("project", help="the project folder")
    compare.add_argument("--task", choices=("tts", "image"), default="tts", help="voice (tts) or scene images (image)")
    compare.add_argument("--candidate", metavar="ENGINE", help="the engine to try (an engine id the studio knows)")
    compare.add_argument("--set", action="append", metavar="NAME=VALUE,...", dest="settings",
                         help="the candidate's settings: voice=…,model=…,speed=… (images: steps=…,size=…)")
    picked = compare.add_mutually_exclusive_group()
    picked.add_argument("--lines", nargs="+", metavar="ID|N", help="compare these lines (or scenes, for images)")
    picked.add_argument("--sample", type=int, default=None, metavar="K",
                        help="how many hard lines to choose (default 8; images: 4 scenes)")
    compare.add_argument("--json", action="store_true", help="print the whole comparison as JSON")
    compare.add_argument("--switch", choices=("drafts", "finals"), help="then use the candidate for drafts or finals")
    compare.add_argument("--undo-switch", action="store_true", help="undo the last switch made from a comparison")
    compare.add_argument("--yes", action="store_true", help="do not ask before a paid comparison or a switch")
    compare.add_argument("--script", help="which script file to use when the folder holds several")


class _Interruptible:
    """A job state for the terminal: progress on stderr, Ctrl-C asks the comparison to stop."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.stop = False
        self._last = ""

    def set_progress(self, fraction: float, message: str = "") -> None:
        if message and message != self._last and not self.quiet and message.startswith(("Line", "Scene")):
            self._last = message
            print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    def is_cancelled(self) -> bool:
        return self.stop


def run(args, *, registry=None, out=None, ask=None) -> int:
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project

    out = out or sys.stdout
    registry = registry or EngineRegistry()
    project = Project.open(Path(args.project), script=args.script)
    try:
        if args.undo_switch:
            return _undo(project, out)
        if not args.candidate:
            raise StudioError("Name the engine to try with --candidate ENGINE (for example --candidate kokoro).")
        if args.task == "image":
            return _run_image(project, registry, args, out, ask)
        return _run_tts(project, registry, args, out, ask)
    finally:
        project.close()


def _run_tts(project, registry, args, out, ask) -> int:
    from studio.cli.premium import pick_lines
    from studio.render.compare import Candidate, parse_settings, plan_comparison, run_comparison

    candidate = Candidate(args.candidate, parse_settings(args.settings))
    lines = pick_lines(project, args.lines) if args.lines else None
    plan = plan_comparison(project, registry, candidate, lines=lines, sample=args.sample or 8)
    print(plan.sentence(), file=sys.stderr if args.json else out, flush=True)
    if plan.paid and plan.quote > 0 and not args.yes and not confirm(ask, "Render the candidate's takes? [y/N] "):
        print("Nothing was sent.", file=sys.stderr)
        return 1
    state = _Interruptible(args.json)
    comparison = _with_ctrl_c(state, lambda: run_comparison(plan, state))
    return _report(project, registry, comparison, args, out, ask, summary_lines(comparison))


def _run_image(project, registry, args, out, ask) -> int:
    from studio.render.compare import Candidate, parse_settings
    from studio.render.compare_images import DEFAULT_SAMPLE, plan_image_comparison, run_image_comparison

    candidate = Candidate(args.candidate, parse_settings(args.settings))
    plan = plan_image_comparison(project, registry, candidate, scenes=args.lines, sample=args.sample or DEFAULT_SAMPLE)
    print(plan.sentence(), file=sys.stderr if args.json else out, flush=True)
    if plan.paid and plan.quote > 0 and not args.yes and not confirm(ask, "Render the candidate's images? [y/N] "):
        print("Nothing was sent.", file=sys.stderr)
        return 1
    state = _Interruptible(args.json)
    comparison = _with_ctrl_c(state, lambda: run_image_comparison(plan, state))
    return _report(project, registry, comparison, args, out, ask, image_summary_lines(comparison))


def image_summary_lines(comparison) -> list[str]:
    """An image comparison as text: each scene's figures A | B, the totals, price and verdict."""
    from studio.render.compare_report import IMAGE_FIGURES, shown

    data = comparison.data
    out = [f"A: {data['a']['label']} ({data['a'].get('size', '')}, {data['a'].get('steps')} steps)   "
           f"B: {data['b']['label']} ({data['b'].get('size', '')}, {data['b'].get('steps')} steps)"]
    for entry in data["lines"] + [{"number": "all", "prompt": "", **data["totals"]}]:
        title = f"Scene {entry['number']}" if entry["number"] != "all" else "Total (per image)"
        out.append(f"{title}: {entry['prompt'][:70]}")
        for key, name, fmt in IMAGE_FIGURES:
            out.append(f"  {name:<22} {shown(entry['a'].get(key), fmt):>14} | {shown(entry['b'].get(key), fmt)}")
    price = data["price"]
    out.append(f"Cost per image: A {_money(price['a'], 'per_image')}, B {_money(price['b'], 'per_image')}; "
               f"whole project: A {_money(price['a'], 'project')}, B {_money(price['b'], 'project')}.")
    out.append(f"Peak memory: {data['memory_method']}.")
    verdict = data["verdict"]
    better = {k: v["better"].upper() if v["better"] != "tie" else "even" for k, v in verdict.items()}
    out.append(f"Verdict: speed {better['seconds']}, memory {better['memory']}, cost {better['cost']}; "
               f"rows won A {verdict['overall']['a']}, B {verdict['overall']['b']}. "
               f"Contact sheet: {comparison.folder / data['contact_sheet']}")
    return out


def _with_ctrl_c(state: _Interruptible, work):
    def stop(_signum, _frame):
        state.stop = True
        print("Stopping after the current take…", file=sys.stderr, flush=True)

    try:
        previous = signal.signal(signal.SIGINT, stop)
    except ValueError:  # not the main thread (a test calling in): no handler to install
        return work()
    try:
        return work()
    finally:
        signal.signal(signal.SIGINT, previous)


def _report(project, registry, comparison, args, out, ask, lines: list[str]) -> int:
    from studio.render.compare import apply_switch, plan_switch

    if args.json:
        print(json.dumps(comparison.data, ensure_ascii=False, indent=1), file=out)
    else:
        for line in lines:
            print(line, file=out)
        print(f"Saved: {comparison.json_path}\nReport: {comparison.html_path}", file=out)
    if comparison.status == "cancelled":
        print(f"Stopped: {len(comparison.lines)} compared and kept.", file=sys.stderr)
        return 130
    if not args.switch:
        return 0
    plan = plan_switch(project, registry, comparison, args.switch)
    print(plan.sentence(), file=sys.stderr if args.json else out, flush=True)
    if not args.yes and not confirm(ask, f"Use {plan.engine} for {args.switch}? [y/N] "):
        print("The routing was left as it was.", file=sys.stderr)
        return 1
    apply_switch(project, registry, comparison, args.switch)
    print(f"stitch.toml now uses {plan.engine} for {args.switch}; `studio compare {args.project} --undo-switch` "
          "puts it back.", file=sys.stderr if args.json else out)
    return 0


def _undo(project, out) -> int:
    from studio.render.compare import Comparison, list_comparisons, undo_switch

    for path in sorted(list_comparisons(project.folder), key=lambda p: p.stat().st_mtime, reverse=True):
        comparison = Comparison.load(path)
        if any(not s.get("undone") for s in comparison.data.get("switches", [])):
            print(undo_switch(project, comparison), file=out)
            return 0
    raise StudioError("No comparison has a switch to undo.")


def summary_lines(comparison) -> list[str]:
    """The comparison as text for the terminal: each line's figures A | B, then the verdict."""
    from studio.render.compare_report import FIGURES, naturalness_shown, shown

    data = comparison.data
    out = [f"A: {data['a']['label']} ({data['a'].get('voice', '')})   B: {data['b']['label']} ({data['b'].get('voice', '')})"]
    rows = [(key, name, fmt) for key, name, fmt in FIGURES]
    for entry in data["lines"] + [{"number": "all", "text": "", **data["totals"]}]:
        title = f"Line {entry['number']}" if entry["number"] != "all" else "Total"
        out.append(f"{title}: {entry['text'][:70]}")
        for key, name, fmt in rows:
            out.append(f"  {name:<22} {shown(entry['a'].get(key), fmt):>14} | {shown(entry['b'].get(key), fmt)}")
        out.append(f"  {'Naturalness (DNSMOS)':<22} {naturalness_shown(entry['a'].get('naturalness')):>14} | "
                   f"{naturalness_shown(entry['b'].get('naturalness'))}")
        for side in "ab":
            for d in entry[side].get("differs", [])[:3]:
                out.append(f"  {side.upper()} misheard: “{d['script']}” → “{d['heard']}”")
    price = data["price"]
    out.append(f"Cost per minute: A {_money(price['a'], 'per_minute')}, B {_money(price['b'], 'per_minute')}; "
               f"whole project: A {_money(price['a'], 'project')}, B {_money(price['b'], 'project')}.")
    if data.get("naturalness_note"):
        out.append(data["naturalness_note"])
    verdict = data["verdict"]
    better = {k: v["better"].upper() if v["better"] != "tie" else "even" for k, v in verdict.items()}
    out.append(f"Verdict: intelligibility {better['intelligibility']}, naturalness {better['naturalness']}, "
               f"speed {better['speed']}, cost {better['cost']}; rows won A {verdict['overall']['a']}, "
               f"B {verdict['overall']['b']}.")
    return out


def _money(price: dict, key: str) -> str:
    from studio.money.prices import format_money, money

    return "free (local)" if price.get("local") else format_money(money(price.get(key, 0)))
